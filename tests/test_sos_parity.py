"""sosfilt / sosfilt_zi against scipy.signal and against the lecture's loops (reference.sosfilt)."""
import numpy as np
import pytest
import scipy.signal as ss

import rnnlti
from rnnlti import reference

from random_filters import assert_close, random_shape, random_sos, view_of


TOL = {np.float64: 1e-10, np.float32: 2e-4}


def zi_shape(n_sections, shape, axis):
    s = list(shape)
    s[axis] = 2
    return (n_sections,) + tuple(s)


@pytest.mark.parametrize("seed", range(200))
def test_sosfilt_matches_scipy_sweep(seed):
    rng = np.random.default_rng(seed)
    shape, axis = random_shape(rng, 700)
    n_sections = int(rng.choice([1, 2, 4, 5, 8, int(rng.integers(1, 13))]))
    sos = random_sos(rng, n_sections)
    dtype = [np.float64, np.float32][seed % 2]
    x = view_of(rng.standard_normal(shape).astype(dtype), rng)
    if seed % 3 == 0:
        zi = rng.standard_normal(zi_shape(len(sos), shape, axis)).astype(dtype)
        y, zf = rnnlti.sosfilt(sos, x, axis=axis, zi=zi)
        if x.size == 0:  # scipy returns zf == zi here too (or fails); the contract is zf == zi
            y_ref, zf_ref = np.zeros(shape), zi
        else:
            y_ref, zf_ref = ss.sosfilt(sos, x.astype(np.float64), axis=axis, zi=zi.astype(np.float64))
        assert zf.shape == zi.shape and zf.dtype == dtype
        assert_close(zf, zf_ref, TOL[dtype])
    else:
        y = rnnlti.sosfilt(sos, x, axis=axis)
        y_ref = np.zeros(shape) if x.size == 0 else ss.sosfilt(sos, x.astype(np.float64), axis=axis)
    assert y.dtype == dtype and y.shape == x.shape and y.flags.c_contiguous
    assert_close(y, y_ref, TOL[dtype])


@pytest.mark.parametrize("seed", range(30))
def test_sosfilt_matches_lecture_loop(seed):
    rng = np.random.default_rng(500 + seed)
    sos = random_sos(rng, int(rng.integers(1, 6)))
    x = rng.standard_normal(int(rng.integers(0, 80)))
    zi = rng.standard_normal((len(sos), 2))
    y, zf = rnnlti.sosfilt(sos, x, zi=zi)
    y_ref, zf_ref = reference.sosfilt(sos, x, zi)
    np.testing.assert_allclose(y, y_ref, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(zf, zf_ref, rtol=1e-10, atol=1e-10)


def test_sosfilt_zi_broadcasts_size_one_dims_and_starts_in_steady_state():
    sos = ss.butter(6, 0.2, output="sos")
    x = np.full((3, 50, 4), 2.5)
    zi = rnnlti.sosfilt_zi(sos)[:, None, :, None] * 2.5  # (n_sections, 1, 2, 1)
    y, zf = rnnlti.sosfilt(sos, x, axis=1, zi=zi)
    np.testing.assert_allclose(y, 2.5, rtol=1e-12)
    assert zf.shape == (3, 3, 2, 4)


@pytest.mark.parametrize("seed", range(20))
def test_sosfilt_zi_matches_scipy(seed):
    rng = np.random.default_rng(900 + seed)
    sos = random_sos(rng, int(rng.integers(1, 9)))
    np.testing.assert_allclose(rnnlti.sosfilt_zi(sos), ss.sosfilt_zi(sos), rtol=1e-12, atol=1e-12)


def test_sosfilt_zi_dtype_and_bank():
    sos = ss.butter(4, 0.3, output="sos")
    assert rnnlti.sosfilt_zi(sos.astype(np.float32)).dtype == np.float32
    bank = np.stack([ss.butter(4, w, output="sos") for w in (0.1, 0.3, 0.5)])
    zi = rnnlti.sosfilt_zi(bank)
    assert zi.shape == (3, 2, 2)
    for i in range(3):
        np.testing.assert_allclose(zi[i], ss.sosfilt_zi(bank[i]), rtol=1e-12)


def test_zf_is_a_new_array_and_zi_is_left_alone():
    x = np.ones((2, 10))
    zi = np.zeros((4, 2, 2))
    _, zf = rnnlti.sosfilt(ss.butter(8, 0.2, output="sos"), x, zi=zi)
    assert not np.shares_memory(zf, zi) and not zi.any()


def test_zero_sections_copies_the_signal():
    x = np.arange(10.0).reshape(2, 5)
    y, zf = rnnlti.sosfilt(np.zeros((0, 6)), x, zi=np.zeros((0, 2, 2)))
    np.testing.assert_array_equal(y, x)
    assert zf.shape == (0, 2, 2)


def test_out_and_integer_input():
    sos = ss.butter(4, 0.3, output="sos")
    x = np.arange(40).reshape(2, 20)
    out = np.empty((2, 20))
    assert rnnlti.sosfilt(sos, x, out=out) is out
    np.testing.assert_allclose(out, ss.sosfilt(sos, x.astype(np.float64)), rtol=1e-12, atol=1e-12)


def test_nan_propagates():
    sos = ss.butter(2, 0.3, output="sos")
    x = np.zeros((3, 10))
    x[1, 4] = np.nan
    y = rnnlti.sosfilt(sos, x)
    assert np.isnan(y[1, 4:]).all() and not np.isnan(y[[0, 2]]).any() and not np.isnan(y[1, :4]).any()


def test_float32_order8_butterworth_sos_is_accurate_where_ba_is_not():
    """The README's numbers: float32 against float64, an order-8 low-pass at 0.1 x Nyquist."""
    x = np.random.default_rng(0).standard_normal((4, 20000))
    sos = ss.butter(8, 0.1, output="sos")
    b, a = ss.butter(8, 0.1)
    exact = ss.sosfilt(sos, x)
    scale = np.abs(exact).max()
    err_sos = np.abs(rnnlti.sosfilt(sos, x.astype(np.float32)) - exact).max() / scale
    err_ba = np.abs(rnnlti.lfilter(b, a, x.astype(np.float32)) - exact).max() / scale
    assert err_sos < 1e-5  # measured 2.0e-6
    assert err_ba > 1e-3  # measured 4.3e-2 (and NaN at 0.05 x Nyquist: the ba filter is unstable in float32)


@pytest.mark.parametrize("shape,axis", [((3, 700), -1), ((700, 19), 0), ((2, 513, 3), 1), ((4, 0), -1)])
def test_backward_in_time_mode_is_the_filter_of_the_flipped_signal(shape, axis):
    """The kernel's reverse mode (used by sosfiltfilt's backward pass) equals flip-filter-flip, bitwise."""
    from rnnlti.sos import _sosfilt

    rng = np.random.default_rng(77)
    sos = ss.butter(8, 0.2, output="sos")
    x = rng.standard_normal(shape)
    zi = rng.standard_normal(zi_shape(len(sos), shape, axis))
    y, zf = _sosfilt(sos, x, axis, zi, None, reverse=True)
    y_flip, zf_flip = rnnlti.sosfilt(sos, np.flip(x, axis), axis=axis, zi=zi)
    assert np.array_equal(y, np.flip(y_flip, axis)) and np.array_equal(zf, zf_flip)
