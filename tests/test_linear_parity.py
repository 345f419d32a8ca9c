"""lfilter / fir / lfilter_zi / freqz against scipy.signal and against the lecture's loops."""
import numpy as np
import pytest
import scipy.signal as ss

import rnnlti
from rnnlti import reference

from random_filters import assert_close, random_shape, stable_denominator, view_of


def random_case(rng):
    shape, axis = random_shape(rng, 301)
    nb, na = int(rng.integers(1, 12)), int(rng.integers(1, 12))
    return shape, axis, rng.standard_normal(nb), stable_denominator(rng, na)


@pytest.mark.parametrize("seed", range(240))
def test_lfilter_matches_scipy_sweep(seed):
    rng = np.random.default_rng(seed)
    shape, axis, b, a = random_case(rng)
    dtype = [np.float64, np.float32][seed % 2]
    x = view_of(rng.standard_normal(shape), rng).astype(dtype, copy=False)
    order = max(len(a), len(b)) - 1
    use_zi = seed % 3 == 0
    if use_zi:
        zshape = list(shape)
        zshape[axis] = order
        zi = rng.standard_normal(zshape).astype(dtype)
        y, zf = rnnlti.lfilter(b, a, x, axis=axis, zi=zi)
        if x.size == 0:  # scipy fails or returns uninitialised zf here; the contract is zf == zi
            y_ref, zf_ref = np.zeros(shape), zi
        else:
            y_ref, zf_ref = ss.lfilter(b, a, x.astype(np.float64), axis=axis, zi=zi.astype(np.float64))
    else:
        y = rnnlti.lfilter(b, a, x, axis=axis)
        y_ref = np.zeros(shape) if x.size == 0 else ss.lfilter(b, a, x.astype(np.float64), axis=axis)
    assert y.dtype == dtype and y.shape == x.shape and y.flags.c_contiguous
    tol = 1e-10 if dtype == np.float64 else 1e-4
    assert_close(y, y_ref, tol)
    if use_zi:
        assert zf.shape == zi.shape and zf.dtype == dtype
        assert_close(zf, zf_ref, tol)


@pytest.mark.parametrize("seed", range(40))
def test_lfilter_matches_lecture_loop(seed):
    rng = np.random.default_rng(1000 + seed)
    _, _, b, a = random_case(rng)
    n = int(rng.integers(0, 60))
    x = rng.standard_normal(n)
    order = max(len(a), len(b)) - 1
    zi = rng.standard_normal(order)
    y, zf = rnnlti.lfilter(b, a, x, zi=zi)
    y_ref, zf_ref = reference.lfilter(b, a, x, zi)
    np.testing.assert_allclose(y, y_ref, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(zf, zf_ref, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(rnnlti.lfilter(b, a, x), reference.lfilter(b, a, x)[0], rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("seed", range(60))
def test_fir_matches_loop_and_scipy(seed):
    rng = np.random.default_rng(2000 + seed)
    K = int(rng.integers(1, 80))
    shape = (int(rng.integers(1, 20)), int(rng.integers(0, 300)))
    axis = int(rng.integers(0, 2))
    h = rng.standard_normal(K)
    dtype = [np.float64, np.float32][seed % 2]
    x = rng.standard_normal(shape).astype(dtype)
    y = rnnlti.fir(h, x, axis=axis)
    assert y.dtype == dtype
    tol = 1e-10 if dtype == np.float64 else 1e-4
    y_ref = ss.lfilter(h, [1.0], x.astype(np.float64), axis=axis)
    np.testing.assert_allclose(y, y_ref, rtol=tol, atol=tol * max(1, np.abs(y_ref).max(initial=0)))
    if shape[0] and shape[1]:
        first = np.take(x, 0, axis=1 - axis).astype(np.float64)
        np.testing.assert_allclose(np.take(y, 0, axis=1 - axis), reference.fir(h, first), rtol=tol, atol=tol * max(1, np.abs(y_ref).max()))


def test_integer_and_bool_input_become_float64():
    x = np.arange(10)
    np.testing.assert_allclose(rnnlti.lfilter([1, 1], [2], x), ss.lfilter([1.0, 1.0], [2.0], x.astype(float)))
    assert rnnlti.lfilter([1], [1], np.ones(3, dtype=bool)).dtype == np.float64
    assert rnnlti.fir([1], np.arange(3, dtype=np.int16)).dtype == np.float64


def test_zi_broadcasts_size_one_dims_like_scipy(rng):
    b, a = ss.butter(3, 0.3)
    x = rng.standard_normal((4, 5, 50))
    zi = rng.standard_normal((1, 5, 3))
    y, zf = rnnlti.lfilter(b, a, x, zi=zi)
    y2, zf2 = ss.lfilter(b, a, x, zi=zi)
    np.testing.assert_allclose(y, y2, atol=1e-12)
    np.testing.assert_allclose(zf, zf2, atol=1e-12)


def test_order_zero_and_empty_signal():
    y, zf = rnnlti.lfilter([3.0], [2.0], np.arange(4.0), zi=np.zeros(0))
    np.testing.assert_allclose(y, 1.5 * np.arange(4.0))
    assert zf.shape == (0,)
    zi = np.array([1.0, 2.0])
    y, zf = rnnlti.lfilter([1.0, 2.0, 3.0], [1.0, 0.5], np.zeros(0), zi=zi)
    assert y.shape == (0,)
    np.testing.assert_array_equal(zf, zi)


def test_out_is_written_and_returned(rng):
    x = rng.standard_normal((3, 100))
    out = np.empty_like(x)
    y = rnnlti.lfilter([1.0, 2.0], [1.0, -0.5], x, out=out)
    assert y is out
    np.testing.assert_allclose(out, ss.lfilter([1.0, 2.0], [1.0, -0.5], x))
    out_t = np.empty((100, 3)).T  # F-ordered out along axis 1
    rnnlti.fir([1.0, -1.0], x, out=out_t)
    np.testing.assert_allclose(out_t, ss.lfilter([1.0, -1.0], [1.0], x))


def test_lfilter_zi_and_freqz_match_scipy(rng):
    for _ in range(20):
        b = rng.standard_normal(int(rng.integers(1, 8)))
        a = np.concatenate([[rng.choice([1.0, 3.0])], 0.1 * rng.standard_normal(int(rng.integers(0, 8)))])
        np.testing.assert_allclose(rnnlti.lfilter_zi(b, a), ss.lfilter_zi(b, a), rtol=1e-10, atol=1e-12)
        for whole in (False, True):
            w, h = rnnlti.freqz(b, a, worN=64, whole=whole)
            w2, h2 = ss.freqz(b, a, worN=64, whole=whole)
            np.testing.assert_allclose(w, w2, rtol=1e-12)
            np.testing.assert_allclose(h, h2, rtol=1e-10, atol=1e-12)
    w, h = rnnlti.freqz([1.0, 1.0], worN=[0.0, 100.0], fs=1000)
    w2, h2 = ss.freqz([1.0, 1.0], worN=[0.0, 100.0], fs=1000)
    np.testing.assert_allclose(h, h2, rtol=1e-12)


def test_steady_state_from_lfilter_zi():
    b, a = ss.butter(4, 0.2)
    x = np.ones(20)
    y, _ = rnnlti.lfilter(b, a, x, zi=rnnlti.lfilter_zi(b, a) * x[0])
    np.testing.assert_allclose(y, 1.0, rtol=1e-10)
