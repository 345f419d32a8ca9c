"""Filter banks (one filter per channel, an extension beyond scipy): lfilter, fir, sosfilt, sosfiltfilt
against a loop of scipy calls, one per channel."""
import numpy as np
import pytest
import scipy.signal as ss

import rnnlti


def channels_of(shape, axis):
    """Index tuples of every channel of an array of ``shape`` filtered along ``axis``."""
    axis %= len(shape)
    rest = shape[:axis] + shape[axis + 1 :]
    for idx in np.ndindex(*rest):
        yield idx[:axis] + (slice(None),) + idx[axis:]


def bank_index(idx, axis, batch):
    """The bank entry of channel ``idx``: its channel index right-aligned against the bank's batch
    shape, size-1 dimensions broadcasting."""
    axis %= len(idx)
    channel = idx[:axis] + idx[axis + 1 :]
    return tuple(i if n > 1 else 0 for i, n in zip(channel[len(channel) - len(batch) :], batch))


def stable_bank(rng, batch, order):
    b = rng.standard_normal(batch + (order + 1,))
    poles = rng.uniform(-0.9, 0.9, batch + (order,))
    a = np.zeros(batch + (order + 1,))
    for i in np.ndindex(*batch):
        a[i] = np.poly(poles[i])
    return b, a


# (x shape, axis, bank batch shape): (C, T) with a (C, K) bank, time-first, 3-d with broadcasting.
CASES = [
    ((5, 300), -1, (5,)),
    ((300, 5), 0, (5,)),
    ((3, 300, 4), 1, (4,)),
    ((3, 300, 4), 1, (3, 4)),
    ((3, 300, 4), 1, (3, 1)),
    ((3, 4, 300), 2, (1, 4)),
    ((17, 1000), -1, (17,)),
    ((1000, 17), 0, (17,)),
]


@pytest.mark.parametrize("shape,axis,batch", CASES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_lfilter_bank_matches_scipy_per_channel(shape, axis, batch, dtype):
    rng = np.random.default_rng(len(shape) + axis)
    b, a = stable_bank(rng, batch, 3)
    x = rng.standard_normal(shape).astype(dtype)
    zshape = list(shape)
    zshape[axis] = 3
    zi = rng.standard_normal(zshape).astype(dtype)
    y, zf = rnnlti.lfilter(b, a, x, axis=axis, zi=zi)
    tol = 1e-10 if dtype == np.float64 else 1e-4
    for idx in channels_of(shape, axis):
        k = bank_index(idx, axis, batch)
        y_ref, zf_ref = ss.lfilter(b[k], a[k], x[idx].astype(np.float64), zi=zi[idx].astype(np.float64))
        np.testing.assert_allclose(y[idx], y_ref, rtol=tol, atol=tol * max(1, np.abs(y_ref).max()))
        np.testing.assert_allclose(zf[idx], zf_ref, rtol=tol, atol=tol * max(1, np.abs(zf_ref).max()))


@pytest.mark.parametrize("shape,axis,batch", CASES)
def test_fir_bank_matches_numpy_per_channel(shape, axis, batch):
    rng = np.random.default_rng(7)
    h = rng.standard_normal(batch + (9,))
    x = rng.standard_normal(shape)
    y = rnnlti.fir(h, x, axis=axis)
    for idx in channels_of(shape, axis):
        k = bank_index(idx, axis, batch)
        np.testing.assert_allclose(y[idx], np.convolve(h[k], x[idx])[: shape[axis]], rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("shape,axis,batch", CASES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sosfilt_bank_matches_scipy_per_channel(shape, axis, batch, dtype):
    rng = np.random.default_rng(11)
    cutoffs = rng.uniform(0.05, 0.8, batch)
    sos = np.zeros(batch + (3, 6))
    for i in np.ndindex(*batch):
        sos[i] = ss.butter(6, cutoffs[i], output="sos")
    x = rng.standard_normal(shape).astype(dtype)
    zshape = list(shape)
    zshape[axis] = 2
    zi = rng.standard_normal((3,) + tuple(zshape)).astype(dtype)
    y, zf = rnnlti.sosfilt(sos, x, axis=axis, zi=zi)
    tol = 1e-10 if dtype == np.float64 else 2e-4
    for idx in channels_of(shape, axis):
        k = bank_index(idx, axis, batch)
        z_in = zi[(slice(None),) + idx]
        y_ref, zf_ref = ss.sosfilt(sos[k], x[idx].astype(np.float64), zi=z_in.astype(np.float64))
        np.testing.assert_allclose(y[idx], y_ref, rtol=tol, atol=tol * max(1, np.abs(y_ref).max()))
        np.testing.assert_allclose(zf[(slice(None),) + idx], zf_ref, rtol=tol, atol=tol * max(1, np.abs(zf_ref).max()))


@pytest.mark.parametrize("shape,axis,batch", CASES)
def test_sosfiltfilt_bank_matches_scipy_per_channel(shape, axis, batch):
    rng = np.random.default_rng(13)
    cutoffs = rng.uniform(0.05, 0.8, batch)
    sos = np.zeros(batch + (2, 6))
    for i in np.ndindex(*batch):
        sos[i] = ss.butter(4, cutoffs[i], output="sos")
    x = rng.standard_normal(shape)
    y = rnnlti.sosfiltfilt(sos, x, axis=axis)
    for idx in channels_of(shape, axis):
        k = bank_index(idx, axis, batch)
        np.testing.assert_allclose(y[idx], ss.sosfiltfilt(sos[k], x[idx]), rtol=1e-10, atol=1e-10)


def test_a_bank_of_identical_filters_equals_the_shared_filter_bitwise():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((6, 500))
    sos = ss.butter(8, 0.2, output="sos")
    b, a = ss.butter(4, 0.2)
    assert np.array_equal(rnnlti.sosfilt(np.broadcast_to(sos, (6, 4, 6)), x), rnnlti.sosfilt(sos, x))
    assert np.array_equal(rnnlti.lfilter(np.tile(b, (6, 1)), np.tile(a, (6, 1)), x), rnnlti.lfilter(b, a, x))
