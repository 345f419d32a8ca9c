"""Unstable filters (poles outside the unit circle) overflow to inf and NaN exactly as IEEE
arithmetic does - the same samples as scipy.signal.lfilter - silently (no warning, no error:
finding the poles would cost a polynomial root finding per call), and never crash.  An overflowing
channel does not disturb the other channels filtered in the same SIMD register."""
import warnings

import numpy as np
import pytest
import scipy.signal as ss

import rnnlti


def same_ieee(y, ref):
    """Identical NaN/+inf/-inf positions; finite values equal to rounding, relative to the largest
    magnitude so far (a growing oscillation crosses zero, where relative errors mean nothing)."""
    for mask in (np.isnan, np.isposinf, np.isneginf):
        np.testing.assert_array_equal(mask(y), mask(ref), err_msg=mask.__name__)
    finite = np.isfinite(ref)
    scale = np.maximum.accumulate(np.where(finite, np.abs(ref), 0.0).astype(np.float64))
    tol = (1e-4 if y.dtype == np.float32 else 1e-10) * scale
    assert (np.abs(y[finite].astype(np.float64) - ref[finite]) <= tol[finite]).all()


@pytest.mark.parametrize("dtype, first_inf", [(np.float64, 1023), (np.float32, 127)])
def test_pole_at_two_overflows_to_inf_at_the_ieee_sample(dtype, first_inf):
    # y[n] = 1 + 2 y[n-1] = 2^(n+1) - 1: exact powers of two, so the first inf is at a known sample.
    x = np.ones(2000, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning either
        y = rnnlti.lfilter([1.0], [1.0, -2.0], x)
    assert y.dtype == dtype
    assert np.isfinite(y[:first_inf]).all() and np.isposinf(y[first_inf:]).all()
    same_ieee(y, ss.lfilter(np.ones(1, dtype), np.array([1.0, -2.0], dtype), x))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_growing_oscillation_ends_in_nan_like_scipy(dtype):
    # Complex poles of radius 3: the state meets inf - inf = NaN once y overflows.
    r, theta = 3.0, 0.7
    a = np.array([1.0, -2 * r * np.cos(theta), r * r], dtype)
    b = np.array([1.0, 0.5, 0.25], dtype)
    x = np.random.default_rng(0).standard_normal(1000).astype(dtype)
    y, zf = rnnlti.lfilter(b, a, x, zi=np.zeros(2, dtype))
    y_ref, zf_ref = ss.lfilter(b, a, x, zi=np.zeros(2, dtype))
    assert np.isnan(y).any() and np.isinf(y).any()
    same_ieee(y, y_ref)
    same_ieee(zf, zf_ref)


def test_an_overflowing_channel_leaves_its_neighbours_alone():
    x = np.random.default_rng(1).standard_normal((19, 3000))  # 3 float64 lane blocks
    a = np.tile([1.0, -0.5], (19, 1))
    a[4] = [1.0, -1.5]  # channel 4 is unstable
    y = rnnlti.lfilter(np.ones((19, 1)), a, x)
    assert not np.isfinite(y[4, -1])
    for c in range(19):
        same_ieee(y[c], ss.lfilter([1.0], a[c], x[c]))


def test_fir_overflows_to_inf_and_infinities_meet_in_nan():
    big = np.finfo(np.float64).max
    np.testing.assert_array_equal(rnnlti.fir([big, big], np.array([big, big, 1.0])), [np.inf] * 3)
    np.testing.assert_array_equal(rnnlti.fir([1.0, 1.0], np.array([np.inf, -np.inf, 1.0])),
                                  [np.inf, np.nan, -np.inf])
    # Not asserted, documented in the README: with fused multiply-adds (-march=native on CPUs with
    # FMA) a product inside an FMA does not overflow on its own, so fir([big, big], [big, -big])[1]
    # is -inf here where unfused arithmetic (scipy) gives inf - inf = NaN.
