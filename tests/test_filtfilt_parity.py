"""filtfilt / sosfiltfilt / lfiltic against scipy.signal over a random sweep."""
import numpy as np
import pytest
import scipy.signal as ss

import rnnlti

from random_filters import assert_close, random_sos, stable_denominator, view_of


def random_ba(rng):
    nb, na = int(rng.integers(1, 10)), int(rng.integers(2, 10))
    return rng.standard_normal(nb), stable_denominator(rng, na)


def random_case(rng, ntaps):
    ndim = int(rng.integers(1, 4))
    shape = [int(rng.integers(1, 4)) for _ in range(ndim)]
    axis = int(rng.integers(-ndim, ndim))
    padtype = ["odd", "even", "constant", None][int(rng.integers(0, 4))]
    padlen = None if rng.random() < 0.5 else int(rng.integers(0, 40))
    edge = 0 if padtype is None else (3 * ntaps if padlen is None else padlen)
    shape[axis] = edge + int(rng.choice([1, 2, 5, int(rng.integers(1, 600))]))
    return tuple(shape), axis, padtype, padlen


TOL = {np.float64: 1e-9, np.float32: 5e-4}


@pytest.mark.parametrize("seed", range(120))
def test_filtfilt_matches_scipy_sweep(seed):
    rng = np.random.default_rng(seed)
    b, a = random_ba(rng)
    shape, axis, padtype, padlen = random_case(rng, max(len(a), len(b)))
    dtype = [np.float64, np.float32][seed % 2]
    x = view_of(rng.standard_normal(shape).astype(dtype), rng)
    y = rnnlti.filtfilt(b, a, x, axis=axis, padtype=padtype, padlen=padlen)
    y_ref = ss.filtfilt(b, a, x.astype(np.float64), axis=axis, padtype=padtype, padlen=padlen)
    assert y.dtype == dtype and y.shape == x.shape and y.flags.c_contiguous
    assert_close(y, y_ref, TOL[dtype])


@pytest.mark.parametrize("seed", range(120))
def test_sosfiltfilt_matches_scipy_sweep(seed):
    rng = np.random.default_rng(2000 + seed)
    sos = random_sos(rng, int(rng.integers(1, 9)))
    ntaps = 2 * len(sos) + 1 - min((sos[:, 2] == 0).sum(), (sos[:, 5] == 0).sum())
    shape, axis, padtype, padlen = random_case(rng, ntaps)
    dtype = [np.float64, np.float32][seed % 2]
    x = view_of(rng.standard_normal(shape).astype(dtype), rng)
    y = rnnlti.sosfiltfilt(sos, x, axis=axis, padtype=padtype, padlen=padlen)
    y_ref = ss.sosfiltfilt(sos, x.astype(np.float64), axis=axis, padtype=padtype, padlen=padlen)
    assert y.dtype == dtype and y.shape == x.shape and y.flags.c_contiguous
    assert_close(y, y_ref, TOL[dtype])


def test_filtfilt_of_an_order_zero_filter_is_a_gain():
    # scipy's lfilter_zi fails for len(a) == len(b) == 1; here the filter is simply applied twice.
    np.testing.assert_allclose(rnnlti.filtfilt([2.0], [1.0], np.arange(5.0)), 4 * np.arange(5.0))


def test_filtfilt_passes_a_constant_unchanged():
    # The steady-state initial conditions: no start-up transient at either end.
    b, a = ss.butter(3, 0.2)
    x = np.full((2, 400), 3.0)
    np.testing.assert_allclose(rnnlti.filtfilt(b, a, x), x, rtol=1e-10)
    np.testing.assert_allclose(rnnlti.sosfiltfilt(ss.butter(3, 0.2, output="sos"), x), x, rtol=1e-10)


@pytest.mark.parametrize("seed", range(60))
def test_lfiltic_matches_scipy(seed):
    rng = np.random.default_rng(3000 + seed)
    b = rng.standard_normal(int(rng.integers(1, 7)))
    a = rng.standard_normal(int(rng.integers(1, 7)))
    a[0] = rng.choice([1.0, 2.5, -0.5])
    y = rng.standard_normal(int(rng.integers(0, 9)))
    x = None if seed % 3 == 0 else rng.standard_normal(int(rng.integers(0, 9)))
    got, want = rnnlti.lfiltic(b, a, y, x), ss.lfiltic(b, a, y, x)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_lfiltic_continues_a_filter():
    """Filtering in two pieces, the second started from lfiltic of the first's tail, is one filtering."""
    rng = np.random.default_rng(1)
    b, a = random_ba(rng)
    x = rng.standard_normal(100)
    y = rnnlti.lfilter(b, a, x)
    zi = rnnlti.lfiltic(b, a, y[59::-1], x[59::-1])
    y2, _ = rnnlti.lfilter(b, a, x[60:], zi=zi)
    np.testing.assert_allclose(y2, y[60:], rtol=1e-10, atol=1e-10)


def test_lfiltic_dtype():
    assert rnnlti.lfiltic(np.ones(3, np.float32), np.ones(2, np.float32), np.ones(2, np.float32)).dtype == np.float32
    assert rnnlti.lfiltic([1, 2], [1, 3], [1]).dtype == np.float64
