"""Zero-phase filtering (forward then backward), as ``scipy.signal.filtfilt`` and ``sosfiltfilt``.

The signal is extended at both ends (``padtype``), filtered forward from the steady state of a step of
the first sample's height (`lfilter_zi` / `sosfilt_zi` times that sample), then backward the same way
from the last sample of the forward pass, and the extension is cut off again: the result has the
squared magnitude response of the filter and no phase shift.  Only scipy's ``method="pad"`` exists
here (there is no ``method="gust"``).

How it is fast: the extensions are filtered as separate short signals, chained to the signal by the
filter state (zf of one piece is zi of the next, which is exactly what filtering the concatenation
computes), so the long signal is read once and written once in each direction, into the output itself
(the backward pass runs in place on a reversed view of it).  Nothing loops over samples in Python.
"""
from __future__ import annotations

from typing import Any, Callable, Optional, Tuple

import numpy as np

from . import _checks
from .linear import lfilter, lfilter_zi
from .sos import _sections, _sosfilt, sosfilt_zi

__all__ = ["filtfilt", "sosfiltfilt", "lfiltic"]

PADTYPES = ("odd", "even", "constant", None)


def _edge(padtype: Any, padlen: Any, length: int, ntaps: int) -> int:
    """scipy's _validate_pad: the length of the extension at each end."""
    if padtype not in PADTYPES:
        raise ValueError(f"padtype must be 'odd', 'even', 'constant' or None, got {padtype!r}")
    if padtype is None:
        edge = 0
    elif padlen is None:
        edge = 3 * ntaps
    else:
        try:
            edge = int(np.asarray(padlen).item()) if np.ndim(padlen) == 0 else None
        except (TypeError, ValueError):
            edge = None
        if edge is None or edge != padlen or edge < 0:
            raise ValueError(f"padlen must be a non-negative integer or None, got {padlen!r}")
    if length <= edge:
        raise ValueError(
            f"padlen must be smaller than the length of `x` along the filter axis: padlen is {edge} "
            f"(padlen=None means 3 * the number of filter taps) and x has length {length} there"
        )
    return edge


def _take(x: np.ndarray, index: Any, axis: int) -> np.ndarray:
    return np.take(x, np.asarray(index, dtype=np.intp), axis=axis)


def _extensions(x: np.ndarray, axis: int, edge: int, padtype: Optional[str]) -> Tuple[np.ndarray, np.ndarray]:
    """The left and right extensions (length ``edge`` along ``axis``), as scipy's odd/even/const_ext."""
    n = x.shape[axis]
    left_idx = np.arange(edge, 0, -1)  # x[edge], ..., x[1]
    right_idx = np.arange(n - 2, n - 2 - edge, -1)  # x[n-2], ..., x[n-1-edge]
    first, last = _take(x, [0], axis), _take(x, [n - 1], axis)
    if padtype == "constant":
        shape = list(x.shape)
        shape[axis] = edge
        return np.broadcast_to(first, shape).copy(), np.broadcast_to(last, shape).copy()
    left, right = _take(x, left_idx, axis), _take(x, right_idx, axis)
    if padtype == "odd":
        left, right = 2 * first - left, 2 * last - right
    return left, right


def _reversed(a: np.ndarray, axis: int) -> np.ndarray:
    return np.flip(a, axis=axis)


def _zero_phase(
    run: Callable[..., Tuple[np.ndarray, np.ndarray]],
    run_backward: Callable[[np.ndarray, np.ndarray], object],
    steady: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    axis: int,
    edge: int,
    padtype: Optional[str],
) -> np.ndarray:
    """Forward-backward filtering with ``run(signal, zi, out=None) -> (y, zf)``,
    ``run_backward(y, zi)`` (filters y from its last sample to its first, in place), and the initial
    state ``steady(sample)`` of a step of height ``sample`` (shaped like a sample of x along axis)."""
    n = x.shape[axis]
    y = _checks.signal_output(x, axis, x.dtype)
    if edge > 0:
        left, right = _extensions(x, axis, edge, padtype)
        _, z = run(left, steady(_take(left, [0], axis)))
        _, z = run(x, z, out=y)
        right_y, _ = run(right, z)
        last = _take(right_y, [edge - 1], axis)
        # Backward: the right extension (outputs discarded), then the signal in place; the left
        # extension's backward outputs are cut off by filtfilt, so they are not computed.
        _, z = run(_reversed(right_y, axis), steady(last))
    else:
        _, z = run(x, steady(_take(x, [0], axis)), out=y)
        z = steady(_take(y, [n - 1], axis))
    run_backward(y, z)
    return y


def filtfilt(b: Any, a: Any, x: Any, axis: int = -1, padtype: Optional[str] = "odd", padlen: Optional[int] = None) -> np.ndarray:
    """Zero-phase filtering with an IIR or FIR filter, like ``scipy.signal.filtfilt(..., method="pad")``.

    ``y = R F R F E x`` cut back to x's length, where ``E`` extends x by ``padlen`` samples at each
    end, ``F`` is `lfilter` started from ``lfilter_zi(b, a)`` times its first input sample, and ``R``
    reverses time: the result has the frequency response ``|H(e^{jw})|^2`` and zero phase.

    Parameters
    ----------
    b, a : array_like
        1-D numerator and denominator coefficients (``a[0] != 0``), as in `lfilter`.
    x : array_like
        Real input of any shape; float32 stays float32 (scipy returns float64), others become float64.
    axis : int, optional
        The axis along which to filter.  Default -1.
    padtype : {"odd", "even", "constant", None}, optional
        The extension: odd (point-symmetric about the end samples, the default), even (mirror),
        constant (the end sample repeated), or None (no extension).
    padlen : int, optional
        Samples added at each end; default ``3 * max(len(a), len(b))``.  x must be longer than it.

    Returns
    -------
    y : ndarray
        A new C-contiguous array of x's shape.  Only ``method="pad"`` of scipy exists here.

    Examples
    --------
    >>> import numpy as np, rnnlti
    >>> y = rnnlti.filtfilt([0.5, 0.5], [1.0], np.arange(8.0))
    >>> np.allclose(y[1:-1], np.arange(1.0, 7.0))  # a ramp passes without delay
    True
    """
    x, axis, dtype = _checks.signal(x, axis)
    b64, a64 = (_checks.coefficients(v, name, np.dtype(np.float64), allow_bank=False) for v, name in ((b, "b"), (a, "a")))
    if a64[0] == 0:
        raise ValueError("a[0] must be nonzero (the filter is normalised by it)")
    edge = _edge(padtype, padlen, x.shape[axis], max(a64.size, b64.size))
    zi = lfilter_zi(b64, a64)
    zi_shape = [1] * x.ndim
    zi_shape[axis] = zi.size
    zi = zi.reshape(zi_shape)
    bd, ad = b64.astype(dtype), a64.astype(dtype)

    def run(signal: np.ndarray, z: np.ndarray, out: Optional[np.ndarray] = None) -> Tuple[np.ndarray, np.ndarray]:
        return lfilter(bd, ad, signal, axis=axis, zi=z, out=out)

    def run_backward(y: np.ndarray, z: np.ndarray) -> None:
        back = _reversed(y, axis)  # lfilter runs on the reversed view, in place
        lfilter(bd, ad, back, axis=axis, zi=z, out=back)

    return _zero_phase(run, run_backward, lambda sample: (zi * sample).astype(dtype), x, axis, edge, padtype)


def sosfiltfilt(sos: Any, x: Any, axis: int = -1, padtype: Optional[str] = "odd", padlen: Optional[int] = None) -> np.ndarray:
    """Zero-phase filtering with second-order sections, like ``scipy.signal.sosfiltfilt``.

    As `filtfilt` with `sosfilt` started from ``sosfilt_zi(sos)`` times the first input sample.  The
    default ``padlen`` is ``3 * (2 * n_sections + 1 - min(#(b2 == 0), #(a2 == 0)))``, as in scipy.

    ``sos`` may be a bank ``(..., n_sections, 6)`` broadcasting against x's non-time axes (an
    extension beyond scipy); the default padlen is then the largest over the bank's filters.

    Examples
    --------
    >>> import numpy as np, rnnlti
    >>> sos = [[0.25, 0.5, 0.25, 1.0, 0.0, 0.0]]
    >>> y = rnnlti.sosfiltfilt(sos, np.arange(12.0))
    >>> np.allclose(y, np.arange(12.0))  # a ramp passes unchanged and without delay
    True
    """
    x, axis, dtype = _checks.signal(x, axis)
    sos64 = _sections(sos, np.dtype(np.float64))
    n_sections = sos64.shape[-2]
    zeros = np.minimum((sos64[..., 2] == 0).sum(axis=-1), (sos64[..., 5] == 0).sum(axis=-1))
    ntaps = int(np.max(2 * n_sections + 1 - zeros))
    edge = _edge(padtype, padlen, x.shape[axis], ntaps)
    channel_shape = x.shape[:axis] + x.shape[axis + 1 :]
    # A bank must broadcast against x's channels (raises the ValueError naming sos otherwise).
    _checks.coefficient_view(sos64.reshape(sos64.shape[:-2] + (6 * n_sections,)), x.shape, axis, "sos")
    zi = sosfilt_zi(sos64)  # batch + (n_sections, 2)
    # To scipy's layout (n_sections, ..., 2, ...), broadcastable against x's channels.
    zi = zi.reshape((1,) * (len(channel_shape) + 2 - zi.ndim) + zi.shape)
    zi = np.moveaxis(np.moveaxis(zi, -2, 0), -1, axis + 1)
    sosd = sos64.astype(dtype)

    def run(signal: np.ndarray, z: np.ndarray, out: Optional[np.ndarray] = None) -> Tuple[np.ndarray, np.ndarray]:
        return _sosfilt(sosd, signal, axis, z, out)

    def run_backward(y: np.ndarray, z: np.ndarray) -> None:
        _sosfilt(sosd, y, axis, z, y, reverse=True)  # the kernel runs backward in time, in place

    def steady(sample: np.ndarray) -> np.ndarray:
        shape = (n_sections,) + x.shape[:axis] + (2,) + x.shape[axis + 1 :]
        return np.broadcast_to(zi * sample[None], shape).astype(dtype)

    return _zero_phase(run, run_backward, steady, x, axis, edge, padtype)


def lfiltic(b: Any, a: Any, y: Any, x: Any = None) -> np.ndarray:
    """Initial state of `lfilter` from past outputs (and inputs), as ``scipy.signal.lfiltic``.

    ``y = [y[-1], y[-2], ..., y[-N]]`` and ``x = [x[-1], ..., x[-M]]`` (most recent first; missing
    values are zeros) give the transposed-direct-form-II state that continues the lecture's recursion
    ``a[0] y[n] = sum_k b[k] x[n-k] - sum_{k>=1} a[k] y[n-k]`` from them:
    ``zi[m] = (sum_{k>m} b[k] x[m-k] - sum_{k>m} a[k] y[m-k]) / a[0]``, of length ``max(M, N)``
    with ``M = len(b) - 1`` and ``N = len(a) - 1``.

    Examples
    --------
    >>> import numpy as np, rnnlti
    >>> rnnlti.lfiltic([1.0], [1.0, -0.5], y=[2.0])  # y[-1] = 2: the next output owes 0.5 * 2 to it
    array([1.])
    """
    b_arr = _checks.real_array(b, "b")
    a_arr = _checks.real_array(a, "a")
    y_arr = _checks.real_array(y, "y")
    x_arr = None if x is None else _checks.real_array(x, "x")
    for arr, name in ((b_arr, "b"), (a_arr, "a"), (y_arr, "y"), (x_arr, "x")):
        if arr is not None and arr.ndim > 1:
            raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    dtype = _checks.float_dtype(b_arr, a_arr, y_arr, x_arr)
    b_arr, a_arr = np.atleast_1d(b_arr).astype(dtype), np.atleast_1d(a_arr).astype(dtype)
    if a_arr.size == 0:
        raise ValueError("a must have at least one coefficient")
    if a_arr[0] == 0:
        raise ValueError("a[0] must be nonzero (the filter is normalised by it)")
    m_order, n_order = b_arr.size - 1, a_arr.size - 1

    def past(values: Optional[np.ndarray], count: int) -> np.ndarray:
        out = np.zeros(count, dtype)
        if values is not None and count > 0:
            v = np.atleast_1d(values)[:count]
            out[: v.size] = v
        return out

    def contribution(coef: np.ndarray, values: np.ndarray, count: int) -> np.ndarray:
        # term[m] = sum_{j < count - m} coef[m + 1 + j] * values[j]: a Hankel matrix of coef[1:] times values.
        if count == 0:
            return np.zeros(0, dtype)
        m = np.arange(count)[:, None]
        j = np.arange(count)[None, :]
        # Mask the products, not the coefficients: 0 * inf would make a NaN out of a term that
        # is not in the sum.
        terms = coef[np.minimum(m + j + 1, count)] * values[None, :]
        return np.where(m + j < count, terms, 0).sum(axis=1)

    zi = np.zeros(max(m_order, n_order), dtype)
    zi[:m_order] += contribution(b_arr, past(x_arr, m_order), m_order)
    zi[:n_order] -= contribution(a_arr, past(y_arr, n_order), n_order)
    if a_arr[0] != 1:
        zi /= a_arr[0]
    return zi
