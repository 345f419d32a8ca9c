"""Linear time-invariant filters (the lecture's first section): FIR and IIR, drop-ins for scipy.signal.

The lecture writes the IIR filter as ``y[n] = sum_m b_m x[n-m] + sum_{m>=1} a_m y[n-m]``; here, as in
scipy, the denominator is given as ``a`` with ``a[0] y[n] = sum_m b[m] x[n-m] - sum_{m>=1} a[m] y[n-m]``,
so the lecture's feedback coefficient ``a_m`` is ``-a[m] / a[0]``.
"""
from __future__ import annotations

import operator
from typing import Any, Optional, Tuple, Union

import numpy as np

from . import _checks, _core

__all__ = ["fir", "lfilter", "lfilter_zi", "freqz"]


def _unaliased(x: np.ndarray, y: np.ndarray, same_view_ok: bool = False) -> np.ndarray:
    """x, copied when it shares memory with the output (out=x, or an overlapping view): the FIR
    kernels read input samples after writing earlier outputs (FIR windows, FFT blocks).  The IIR
    kernel reads every sample before it writes that sample's output and reads no other sample after
    it, so with ``same_view_ok`` x may be the output itself (same memory, same strides: in place)."""
    if not np.may_share_memory(x, y):
        return x
    same = (
        same_view_ok
        and x.shape == y.shape
        and x.strides == y.strides
        and x.__array_interface__["data"][0] == y.__array_interface__["data"][0]
    )
    return x if same else x.copy()


def _initial_state(zi: np.ndarray, expected: Tuple[int, ...], axis: int, dtype: np.dtype) -> np.ndarray:
    """scipy's rule: zi has x's shape with the time axis of length order (size-1 dims broadcast)."""
    rule = "x's shape with the filter axis of length max(len(a), len(b)) - 1"
    return _checks.initial_state(zi, expected, axis, dtype, "zi", rule)


def lfilter(
    b: Any,
    a: Any,
    x: Any,
    axis: int = -1,
    zi: Any = None,
    out: Optional[np.ndarray] = None,
) -> Union[np.ndarray, Tuple[np.ndarray, np.ndarray]]:
    """Filter data along one dimension with an IIR or FIR filter, like ``scipy.signal.lfilter``.

    Computes ``a[0] y[n] = sum_{k=0}^{nb-1} b[k] x[n-k] - sum_{k=1}^{na-1} a[k] y[n-k]`` along
    ``axis`` of ``x``, as the transposed direct form II.

    Parameters
    ----------
    b : array_like
        Numerator coefficients, 1-D and non-empty.  A bank of filters, shape ``(..., nb)`` whose
        leading shape broadcasts against x's non-time axes, filters each channel with its own
        filter (an extension beyond scipy).
    a : array_like
        Denominator coefficients, 1-D (or a bank) and non-empty, with ``a[0] != 0``; the filter is
        normalised by ``a[0]``.
    x : array_like
        Real input of any shape, strides and memory order.  float32 stays float32; other real
        dtypes (integers and bool included, which scipy refuses) are computed in float64.  The
        coefficients are cast to the signal's dtype.
    axis : int, optional
        The axis of ``x`` along which to filter.  Default -1.
    zi : array_like, optional
        Initial state of the filter delays, in scipy's layout: x's shape with the time axis of
        length ``max(len(a), len(b)) - 1`` (size-1 dimensions broadcast).  See `lfilter_zi`.
    out : ndarray, optional
        An array of x's shape and the result dtype to write ``y`` into (saves the page faults of a
        fresh output).

    Returns
    -------
    y : ndarray
        The filtered signal, a new C-contiguous array of x's shape (or ``out``).
    zf : ndarray
        Only when ``zi`` is given: the final state of the delays, shaped like ``zi``.

    Examples
    --------
    >>> import numpy as np, rnnlti
    >>> rnnlti.lfilter([1.0], [1.0, -0.5], np.ones(4))
    array([1.   , 1.5  , 1.75 , 1.875])
    """
    zi_arr = None if zi is None else _checks.real_array(zi, "zi")
    x, axis, dtype = _checks.signal(x, axis, zi_arr)
    b = _checks.coefficients(b, "b", dtype)
    a = _checks.coefficients(a, "a", dtype)
    if np.any(a[..., 0] == 0):
        raise ValueError("a[0] must be nonzero (the filter is normalised by it)")
    order = max(a.shape[-1], b.shape[-1]) - 1
    y = _checks.check_out(out, x, axis, dtype)
    x = _unaliased(x, y, same_view_ok=True)
    state_shape = _checks.state_shape(x.shape, axis, order)
    zi_view = zf = zf_view = None
    if zi_arr is not None:
        zi_view = _checks.batch_view(_initial_state(zi_arr, state_shape, axis, dtype), axis)
        zf = np.empty(state_shape, dtype)
        zf_view = _checks.batch_view(zf, axis)
    _core.lfilter(
        _checks.coefficient_view(b, x.shape, axis, "b"),
        _checks.coefficient_view(a, x.shape, axis, "a"),
        _checks.batch_view(x, axis),
        _checks.writable_batch_view(y, axis),
        zi_view,
        zf_view,
        order,
    )
    return y if zi_arr is None else (y, zf)


def fir(h: Any, x: Any, axis: int = -1, out: Optional[np.ndarray] = None) -> np.ndarray:
    """FIR filter ``y[n] = sum_{m=0}^{K-1} h[m] x[n-m]`` along ``axis``, zero initial state.

    The same result as ``lfilter(h, [1.0], x, axis)`` and as the first ``len(x)`` samples of
    ``np.convolve(h, x)``.  ``h`` is 1-D and non-empty, or a bank ``(..., K)`` of one filter per
    channel.  ``x``, ``axis`` and ``out`` as in `lfilter`.

    Examples
    --------
    >>> import numpy as np, rnnlti
    >>> rnnlti.fir([0.5, 0.5], np.array([2.0, 4.0, 6.0]))
    array([1., 3., 5.])
    """
    x, axis, dtype = _checks.signal(x, axis)
    h = _checks.coefficients(h, "h", dtype)
    y = _checks.check_out(out, x, axis, dtype)
    x = _unaliased(x, y)
    _core.fir(
        _checks.coefficient_view(h, x.shape, axis, "h"),
        _checks.batch_view(x, axis),
        _checks.writable_batch_view(y, axis),
    )
    return y


def _one_filter(b: Any, a: Any) -> Tuple[np.ndarray, np.ndarray]:
    b = _checks.coefficients(b, "b", np.dtype(np.float64), allow_bank=False)
    a = _checks.coefficients(a, "a", np.dtype(np.float64), allow_bank=False)
    return b, a


def lfilter_zi(b: Any, a: Any) -> np.ndarray:
    """Initial state of `lfilter` for the steady state of a unit step, as ``scipy.signal.lfilter_zi``.

    Multiply by the first input sample (``zi * x[0]``) to start the filter in steady state.
    """
    b, a = _one_filter(b, a)
    a = np.trim_zeros(a, "f")
    if a.size == 0:
        raise ValueError("a must have at least one nonzero coefficient")
    b, a = b / a[0], a / a[0]
    n = max(a.size, b.size)
    a = np.pad(a, (0, n - a.size))
    b = np.pad(b, (0, n - b.size))
    if n == 1:
        return np.zeros(0)
    # zi solves (I - A^T) zi = b[1:] - a[1:] b[0] where A is the companion matrix of a.
    companion = np.zeros((n - 1, n - 1))
    companion[0] = -a[1:]
    companion[np.arange(1, n - 1), np.arange(n - 2)] = 1.0
    i_minus_a = np.eye(n - 1) - companion.T
    try:
        return np.linalg.solve(i_minus_a, b[1:] - a[1:] * b[0])
    except np.linalg.LinAlgError:
        raise ValueError(
            "a has a pole at z = 1 (sum(a) == 0): the step response has no steady state, so "
            "lfilter_zi is undefined"
        ) from None


def _is_integer(value: Any) -> bool:
    """An integer scalar (5, np.int64(5), np.array(5)), not a bool, a float or a 1-element array."""
    if np.ndim(value) != 0 or isinstance(value, (bool, np.bool_)):
        return False
    try:
        operator.index(value)
    except TypeError:
        return False
    return True


def freqz(
    b: Any, a: Any = 1, worN: Any = 512, whole: bool = False, fs: float = 2 * np.pi
) -> Tuple[np.ndarray, np.ndarray]:
    """Frequency response ``H(w) = sum_m b[m] e^{-jwm} / sum_m a[m] e^{-jwm}``, as ``scipy.signal.freqz``.

    Returns ``(w, h)``: ``worN`` frequencies from 0 up to (not including) Nyquist, or the whole
    circle when ``whole``, in the units of ``fs`` (radians per sample by default), or the
    frequencies given in ``worN`` when it is not an integer (scipy's rule: ``worN=0.25`` is the
    single frequency 0.25, ``worN=8`` eight frequencies).
    """
    b, a = _one_filter(b, np.atleast_1d(_checks.real_array(a, "a")))
    if np.ndim(fs) != 0 or np.asarray(fs).dtype.kind not in "iuf" or not 0 < float(fs) < np.inf:
        raise ValueError(f"fs must be a positive finite number (the sampling frequency), got {fs!r}")
    if _is_integer(worN):  # scipy's rule: an integer is a number of points, anything else frequencies
        n = operator.index(worN)
        if n < 0:
            raise ValueError(f"worN must be a non-negative integer or an array of frequencies, got {worN}")
        w = np.linspace(0, 2 * np.pi if whole else np.pi, n, endpoint=False)
    else:
        w = 2 * np.pi * np.atleast_1d(_checks.real_array(worN, "worN")).astype(np.float64) / fs
    zm1 = np.exp(-1j * w)
    h = np.polyval(b[::-1], zm1) / np.polyval(a[::-1], zm1)
    return w * fs / (2 * np.pi), h
