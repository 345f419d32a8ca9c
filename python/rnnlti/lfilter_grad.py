"""The vector-Jacobian product of `lfilter`: gradients with respect to b, a, x and zi.

lfilter is the lecture's IIR filter, i.e. the nonlinear IIR with g = identity plus a numerator, so its
gradient is the same back-propagation through time: the total derivative ``gy[n] = dL/dy[n]`` obeys
``gy[n] = dy[n] - sum_{k>=1} (a[k]/a[0]) gy[n+k]``, an IIR filter run backward in time, and every other
gradient is a correlation with gy, accumulated in the same single backward pass.

Without y (``y=None``, no zi) the correlation with y is formed from x instead: with
``v = An^-T dx`` (the same backward recurrence run on dx), ``sum_n gy[n] y[n-k] = sum_n v[n] x[n-k]``,
because y = An^-1 Bn x and these (transposed) Toeplitz operators commute with each other and with
the shift.  One array less to read and to keep for the backward pass, for a second recurrence in
registers.
"""
from __future__ import annotations

from typing import Any, NamedTuple, Optional

import numpy as np

from . import _checks, _core
from .linear import _initial_state, lfilter

__all__ = ["LfilterGradients", "lfilter_backward"]


class LfilterGradients(NamedTuple):
    """Gradients of `lfilter_backward`, each shaped like its argument (dzi None when zi is None)."""

    db: np.ndarray
    da: np.ndarray
    dx: np.ndarray
    dzi: Optional[np.ndarray]


def lfilter_backward(
    b: Any, a: Any, x: Any, y: Any, dy: Any, axis: int = -1, zi: Any = None
) -> LfilterGradients:
    """Gradients of ``L = sum(dy * lfilter(b, a, x, axis, zi))`` (the vector-Jacobian product).

    With ``bn = b/a[0]``, ``an = a/a[0]``, the total derivatives ``gy[n] = dL/dy[n]`` are
    ``gy[n] = dy[n] - sum_{k>=1} an[k] gy[n+k]`` (BPTT of the IIR filter), and

    * ``dx[n] = sum_k bn[k] gy[n+k]``,
    * ``db[k] = sum_n gy[n] x[n-k] / a[0]``,
    * ``da[k] = -sum_n gy[n] y[n-k] / a[0]`` for ``k >= 1``, and
      ``da[0] = -(sum_k b[k] db[k] + sum_{k>=1} a[k] da[k]) / a[0]`` (the normalisation by a[0]),
    * ``dzi[k] = gy[k]`` (scipy's zi adds to ``y[k]``).

    Parameters
    ----------
    b, a, x, axis, zi
        As given to `lfilter` (banks of filters included: each filter gets its own gradient, summed
        over the channels that share it).
    y : array_like or None
        The forward output ``lfilter(b, a, x, axis, zi)`` (without zf), the shape of x; da is formed
        from it.  None: da is formed from x through a second recurrence (see the module's docstring),
        so the forward output need not be kept; beyond the cache, where the pass is bound by memory
        traffic, that is the faster call (one array fewer to read).  With zi, None computes y first.
    dy : array_like
        ``dL/dy``, the shape of x.

    Returns
    -------
    LfilterGradients
        ``(db, da, dx, dzi)`` shaped like b, a, x and zi; ``dzi`` is None when zi is None.

    Examples
    --------
    >>> import numpy as np, rnnlti
    >>> x = np.array([1.0, 0.0, 0.0])
    >>> y = rnnlti.lfilter([1.0], [1.0, -0.5], x)
    >>> rnnlti.lfilter_backward([1.0], [1.0, -0.5], x, y, np.ones(3)).db
    array([1.75])
    """
    zi_arr = None if zi is None else _checks.real_array(zi, "zi")
    if y is None:
        (x, dy), axis, dtype = _checks.signals(("x", "dy"), (x, dy), axis, zi_arr)
    else:
        (x, y, dy), axis, dtype = _checks.signals(("x", "y", "dy"), (x, y, dy), axis, zi_arr)
    b = _checks.coefficients(b, "b", dtype)
    a = _checks.coefficients(a, "a", dtype)
    if np.any(a[..., 0] == 0):
        raise ValueError("a[0] must be nonzero (the filter is normalised by it)")
    order = max(a.shape[-1], b.shape[-1]) - 1
    if y is None and zi_arr is not None:  # y also holds the response to zi: the kernel needs it
        y = lfilter(b, a, x, axis=axis, zi=zi_arr)[0]
    b_view = _checks.coefficient_view(b, x.shape, axis, "b")
    a_view = _checks.coefficient_view(a, x.shape, axis, "a")
    channel_shape = x.shape[:axis] + x.shape[axis + 1 :]
    channels = int(np.prod(channel_shape, dtype=np.int64))
    dx = _checks.signal_output(x, axis, dtype)
    db = np.empty((channels, b.shape[-1]), dtype)
    da = np.empty((channels, a.shape[-1]), dtype)
    dzi = dzi_view = None
    if zi_arr is not None:
        state_shape = _checks.state_shape(x.shape, axis, order)
        _initial_state(zi_arr, state_shape, axis, dtype)  # validates zi's shape
        dzi = np.empty(state_shape, dtype)
        dzi_view = _checks.writable_batch_view(dzi, axis)
    _core.lfilter_backward(
        b_view,
        a_view,
        _checks.batch_view(x, axis),
        None if y is None else _checks.batch_view(y, axis),
        _checks.batch_view(dy, axis),
        _checks.writable_batch_view(dx, axis),
        dzi_view,
        db,
        da,
        order,
    )
    # Per-channel gradients, summed over the channels that share a filter (all of them for 1-D b, a).
    db = _checks.sum_to(db.reshape(channel_shape + b.shape[-1:]), b.shape)
    da = _checks.sum_to(da.reshape(channel_shape + a.shape[-1:]), a.shape)
    if dzi is not None:
        dzi = _checks.sum_to(dzi, zi_arr.shape)
    return LfilterGradients(db, da, dx, dzi)
