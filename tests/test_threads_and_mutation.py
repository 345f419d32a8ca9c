"""Same bits for any thread count, from concurrent Python threads, and inputs never modified."""
import concurrent.futures

import numpy as np
import pytest
import scipy.signal as ss

import rnnlti

CASES = {
    "lfilter_time_last": lambda x: rnnlti.lfilter(*ss.butter(6, 0.2), x, axis=-1),
    "lfilter_time_first": lambda x: rnnlti.lfilter(*ss.butter(2, 0.1), x, axis=0),
    "lfilter_zi": lambda x: rnnlti.lfilter([1.0, 0.3], [1.0, -0.9, 0.2], x, zi=np.ones((x.shape[0], 2)))[0],
    "fir": lambda x: rnnlti.fir(np.linspace(-1, 1, 33), x),
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
        assert rnnlti.get_num_threads() == n
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
    before = data.copy()
    CASES[name](data)
    assert np.array_equal(data, before)
