"""sosfilt, filtfilt, sosfiltfilt, lfiltic and the banks: same bits for any thread count, from
concurrent Python threads, and inputs never modified."""
import concurrent.futures

import numpy as np
import pytest
import scipy.signal as ss

import rnnlti

SOS = ss.butter(8, 0.2, output="sos")
BANK = np.stack([ss.butter(4, w, output="sos") for w in np.linspace(0.05, 0.9, 37)])
ZI = np.random.default_rng(1).standard_normal((4, 37, 2))

CASES = {
    "sosfilt_time_last": lambda x: rnnlti.sosfilt(SOS, x),
    "sosfilt_time_first": lambda x: rnnlti.sosfilt(SOS, x.T, axis=0),
    "sosfilt_zi": lambda x: rnnlti.sosfilt(SOS, x, zi=ZI)[1],
    "sosfilt_bank": lambda x: rnnlti.sosfilt(BANK, x),
    "filtfilt": lambda x: rnnlti.filtfilt(*ss.butter(4, 0.3), x),
    "filtfilt_time_first": lambda x: rnnlti.filtfilt(*ss.butter(4, 0.3), x.T, axis=0, padtype="even"),
    "sosfiltfilt": lambda x: rnnlti.sosfiltfilt(SOS, x),
    "sosfiltfilt_bank": lambda x: rnnlti.sosfiltfilt(BANK, x, padtype="constant"),
    "lfilter_bank": lambda x: rnnlti.lfilter(np.ones((37, 3)), np.tile([1.0, -0.5, 0.1], (37, 1)), x),
    "lfiltic": lambda x: rnnlti.lfiltic([1.0, 0.5, 0.2], [1.0, -0.3], x[0, :3], x[1, :3]),
}


@pytest.fixture
def data():
    return np.random.default_rng(7).standard_normal((37, 3001))


@pytest.fixture
def restore_threads():
    yield
    rnnlti.set_num_threads(0)


@pytest.mark.parametrize("name", sorted(CASES))
def test_bitwise_identical_for_any_thread_count(name, data, restore_threads):
    results = []
    for n in (1, 2, 3, 4):
        rnnlti.set_num_threads(n)
        results.append(CASES[name](data))
    for r in results[1:]:
        assert np.array_equal(r, results[0])


@pytest.mark.parametrize("name", sorted(CASES))
def test_concurrent_python_threads_match_serial(name, data):
    serial = CASES[name](data)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        outs = list(pool.map(lambda _: CASES[name](data), range(8)))
    for r in outs:
        assert np.array_equal(r, serial)


@pytest.mark.parametrize("name", sorted(CASES))
def test_inputs_are_not_modified(name, data):
    before, zi_before, bank_before, sos_before = data.copy(), ZI.copy(), BANK.copy(), SOS.copy()
    CASES[name](data)
    assert np.array_equal(data, before) and np.array_equal(ZI, zi_before)
    assert np.array_equal(BANK, bank_before) and np.array_equal(SOS, sos_before)


def test_zi_is_not_aliased_by_zf():
    x = np.ones((2, 10))
    zi = np.zeros((4, 2, 2))
    _, zf = rnnlti.sosfilt(SOS, x, zi=zi)
    assert not np.shares_memory(zf, zi) and not zi.any()
