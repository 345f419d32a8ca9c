"""Second-order sections: a high-order IIR filter as a cascade of biquads, like ``scipy.signal.sosfilt``.

Each row ``(b0, b1, b2, a0, a1, a2)`` of ``sos`` is the lecture's IIR filter of order 2,
``y[n] = b_0 x[n] + b_1 x[n-1] + b_2 x[n-2] + a_1 y[n-1] + a_2 y[n-2]`` with the lecture's feedback
coefficients ``a_m = -sos[s, 3 + m]`` (``a0`` is 1); the output of section ``s`` is the input of
section ``s + 1``.  A cascade of biquads keeps its poles where they are designed to be in float32,
where the same filter expanded into one long ``(b, a)`` polynomial does not.
"""
from __future__ import annotations

from typing import Any, NamedTuple, Optional, Tuple, Union

import numpy as np

from . import _checks, _core

__all__ = ["sosfilt", "sosfilt_zi", "sosfilt_backward", "SosfiltGrads"]


def _sections(sos: Any, dtype: np.dtype) -> np.ndarray:
    """``sos`` as an array of shape ``batch + (n_sections, 6)`` in ``dtype``, with every a0 equal to 1."""
    arr = _checks.real_array(sos, "sos")
    if arr.ndim < 2 or arr.shape[-1] != 6:
        raise ValueError(
            f"sos must have shape (n_sections, 6) (or a bank of shape (..., n_sections, 6)), got shape {arr.shape}"
        )
    if not np.all(arr[..., 3] == 1):
        raise ValueError("sos[..., 3] (each section's a0) must be all ones, as in scipy.signal.sosfilt")
    return _checks.as_dtype(arr, dtype)


def _zi_shape(n_sections: int, x_shape: Tuple[int, ...], axis: int) -> Tuple[int, ...]:
    return (n_sections,) + x_shape[:axis] + (2,) + x_shape[axis + 1 :]


def _section_view(state: np.ndarray, axis: int) -> np.ndarray:
    """A C-contiguous ``(n_sections, ..., 2, ...)`` state as the kernel's (sections, outer, inner, 2)."""
    first = _checks.batch_view(state[0], axis)  # a view: state is C-contiguous
    return np.lib.stride_tricks.as_strided(
        state, shape=(state.shape[0],) + first.shape, strides=(state.strides[0],) + first.strides,
        writeable=state.flags.writeable,
    )


def _initial_states(zi: np.ndarray, zshape: Tuple[int, ...], axis: int, dtype: np.dtype) -> np.ndarray:
    """A fresh C-contiguous copy of ``zi`` (never zi itself) in scipy's layout ``zshape``.

    The sections axis and the state (time) axis never broadcast: one value repeated over every
    section or delay is a mistake, not a shortcut (as for lfilter's zi)."""
    rule = "(n_sections,) + x's shape with the filter axis of length 2"
    _checks.check_state_shape(zi, zshape, (0, axis + 1), "zi", rule)
    return np.array(np.broadcast_to(zi, zshape), dtype=dtype, order="C")


def sosfilt(
    sos: Any,
    x: Any,
    axis: int = -1,
    zi: Any = None,
    out: Optional[np.ndarray] = None,
) -> Union[np.ndarray, Tuple[np.ndarray, np.ndarray]]:
    """Filter data along one dimension with cascaded second-order sections, like ``scipy.signal.sosfilt``.

    Section ``s`` computes ``y_s[n] = b0 x_s[n] + b1 x_s[n-1] + b2 x_s[n-2] - a1 y_s[n-1] - a2 y_s[n-2]``
    (the lecture's IIR filter of order 2) with ``(b0, b1, b2, 1, a1, a2) = sos[s]``, ``x_0 = x`` and
    ``x_{s+1} = y_s``; the result is the last section's output.  All sections run in one pass over
    the data, as transposed direct form II biquads.

    Parameters
    ----------
    sos : array_like
        Shape ``(n_sections, 6)``, each row ``(b0, b1, b2, a0, a1, a2)`` with ``a0 == 1`` (as from
        ``scipy.signal.butter(..., output="sos")``).  A bank of filters, shape
        ``(..., n_sections, 6)`` whose leading shape broadcasts against x's non-time axes, filters
        each channel with its own cascade (an extension beyond scipy).
    x : array_like
        Real input of any shape, strides and memory order.  float32 stays float32; other real
        dtypes are computed in float64.  ``sos`` is cast to the signal's dtype.
    axis : int, optional
        The axis of ``x`` along which to filter.  Default -1.
    zi : array_like, optional
        Initial states, scipy's layout: shape ``(n_sections, ..., 2, ...)`` where ``..., 2, ...`` is
        x's shape with the time axis replaced by 2 (size-1 dimensions broadcast).  See `sosfilt_zi`.
    out : ndarray, optional
        An array of x's shape and the result dtype to write ``y`` into.

    Returns
    -------
    y : ndarray
        The filtered signal, a new C-contiguous array of x's shape (or ``out``).
    zf : ndarray
        Only when ``zi`` is given: the final states, shaped like ``zi``.

    Examples
    --------
    >>> import numpy as np, rnnlti
    >>> sos = [[1.0, 0.0, 0.0, 1.0, -0.5, 0.0], [1.0, 0.0, 0.0, 1.0, -0.5, 0.0]]
    >>> rnnlti.sosfilt(sos, np.ones(4))
    array([1.   , 2.   , 2.75 , 3.25 ])
    """
    return _sosfilt(sos, x, axis, zi, out)


def _sosfilt(sos: Any, x: Any, axis: int, zi: Any, out: Optional[np.ndarray], reverse: bool = False) -> Any:
    """`sosfilt`, or with ``reverse`` the same filter run from the last sample to the first (what
    sosfilt does to ``np.flip(x, axis)``, flipped back; zi and zf then belong to the last sample)."""
    zi_arr = None if zi is None else _checks.real_array(zi, "zi")
    x, axis, dtype = _checks.signal(x, axis, zi_arr)
    sos = _sections(sos, dtype)
    n_sections = sos.shape[-2]
    y = _checks.check_out(out, x, axis, dtype)
    zshape = _zi_shape(n_sections, x.shape, axis)
    zi_view = zf = zf_view = None
    if zi_arr is not None:
        zf = _initial_states(zi_arr, zshape, axis, dtype)
        if n_sections > 0:
            zi_view = _section_view(zf.copy(), axis)  # zi is small: copy it into the kernel's layout
            zf_view = _section_view(zf, axis)
    flat = sos.reshape(sos.shape[:-2] + (6 * n_sections,))
    if n_sections == 0:
        flat = np.zeros(sos.shape[:-2] + (1,), dtype)  # no coefficient to read; keep the view valid
    _core.sosfilt(
        _checks.coefficient_view(flat, x.shape, axis, "sos"),
        _checks.batch_view(x, axis),
        _checks.writable_batch_view(y, axis),
        zi_view,
        zf_view,
        n_sections,
        reverse,
    )
    return y if zi_arr is None else (y, zf)


def _lfilter_zi_biquads(b: np.ndarray, a: np.ndarray) -> np.ndarray:
    """lfilter_zi of many order-2 sections at once: b, a of shape (..., 3) with a[..., 0] == 1.

    zi solves (I - A^T) zi = b[1:] - a[1:] b[0] with A the companion matrix of a, as in `lfilter_zi`;
    for order 2 the 2x2 system is solved in closed form.
    """
    r1 = b[..., 1] - a[..., 1] * b[..., 0]
    r2 = b[..., 2] - a[..., 2] * b[..., 0]
    # I - A^T = [[1 + a1, -1], [a2, 1]]
    det = 1.0 + a[..., 1] + a[..., 2]
    z0 = (r1 + r2) / det
    z1 = r2 - a[..., 2] * z0
    return np.stack([z0, z1], axis=-1)


def sosfilt_zi(sos: Any) -> np.ndarray:
    """Initial states of `sosfilt` for the steady state of a unit step, as ``scipy.signal.sosfilt_zi``.

    Section ``s`` starts in the steady state of a step whose height is the DC gain of sections
    ``0 .. s-1``, ``prod_{r<s} sum(b_r) / sum(a_r)``.  Multiply by the first input sample to start
    the whole cascade in steady state.  Returns shape ``(n_sections, 2)`` (float64, or float32 for
    float32 ``sos``); a bank ``(..., n_sections, 6)`` gives ``(..., n_sections, 2)``.

    Examples
    --------
    >>> import numpy as np, rnnlti
    >>> sos = np.array([[1.0, 1.0, 0.0, 1.0, -0.5, 0.0]])
    >>> x = np.ones(5)
    >>> rnnlti.sosfilt(sos, x, zi=rnnlti.sosfilt_zi(sos)[:, None] * x[0])[0]
    array([4., 4., 4., 4., 4.])
    """
    arr = _checks.real_array(sos, "sos")
    dtype = _checks.float_dtype(arr)  # float32 of either byte order stays float32
    arr = _sections(arr, np.dtype(np.float64))
    b, a = arr[..., :3], arr[..., 3:]
    if np.any(1.0 + a[..., 1] + a[..., 2] == 0):
        raise ValueError("sos has a section with a pole at z = 1 (a0 + a1 + a2 == 0): no steady state exists")
    gains = b.sum(axis=-1) / a.sum(axis=-1)
    # Step height entering section s: the product of the gains before it.
    heights = np.cumprod(np.concatenate([np.ones(gains.shape[:-1] + (1,)), gains[..., :-1]], axis=-1), axis=-1)
    return (heights[..., None] * _lfilter_zi_biquads(b, a)).astype(dtype)


class SosfiltGrads(NamedTuple):
    """Gradients of a scalar loss through `sosfilt` (see `sosfilt_backward`)."""

    dsos: np.ndarray  #: dL/dsos, shaped like sos (summed over the channels that share a filter)
    dx: np.ndarray  #: dL/dx, shaped like x
    dzi: Optional[np.ndarray]  #: dL/dzi, shaped like the full zi; None when zi was not given


def sosfilt_backward(sos: Any, x: Any, dy: Any, axis: int = -1, zi: Any = None) -> SosfiltGrads:
    """The vector-Jacobian product of `sosfilt`: gradients of a scalar loss L from ``dy = dL/dy``.

    For each section (lecture: the IIR filter of order 2, run backward in time for its gradient),
    with u its input, y its output and ``g = dL/dy`` from the section after it,
    ``lam[n] = g[n] - a1 lam[n+1] - a2 lam[n+2]`` is the total derivative dL/dy[n], and
    ``dL/du[m] = sum_k b_k lam[m+k]``, ``dL/db_k = sum_n lam[n] u[n-k]``,
    ``dL/da_k = -sum_n lam[n] y[n-k]``, ``dL/dzi[k] = lam[k]``, and for a0 (which sosfilt requires
    to be 1; zi is the state of the normalised filter, as in scipy)
    ``dL/da0 = -sum_n lam[n] y[n] + lam[0] zi[0] + lam[1] zi[1]``.

    The intermediate signals are recomputed tile by tile from checkpoints, never stored whole.

    Parameters
    ----------
    sos, x, axis, zi
        As given to `sosfilt` (``sos`` may be a bank).
    dy : array_like
        dL/dy, x's shape.

    Returns
    -------
    SosfiltGrads
        ``(dsos, dx, dzi)``: dsos shaped like sos (a filter shared by several channels gets the sum
        of their gradients), dx like x, dzi like the full zi ``(n_sections, ..., 2, ...)`` or None
        when zi is None.  float32 in, float32 out (each channel's sums are accumulated in float64).
    """
    zi_arr = None if zi is None else _checks.real_array(zi, "zi")
    (x, dy_arr), axis, dtype = _checks.signals(("x", "dy"), (x, dy), axis, zi_arr)
    sos = _sections(sos, dtype)
    n_sections = sos.shape[-2]
    zshape = _zi_shape(n_sections, x.shape, axis)
    channel_shape = x.shape[:axis] + x.shape[axis + 1 :]
    flat = sos.reshape(sos.shape[:-2] + (6 * n_sections,))
    sos_view = _checks.coefficient_view(flat, x.shape, axis, "sos")  # checks the bank's shape
    zi_full = None if zi_arr is None else _initial_states(zi_arr, zshape, axis, dtype)
    dx = _checks.signal_output(x, axis, dtype)
    channels = int(np.prod(channel_shape, dtype=np.int64))
    dsos = np.zeros((channels, n_sections, 6), dtype)
    dzi = None if zi_arr is None else np.zeros(zshape, dtype)
    if n_sections == 0:
        np.copyto(dx, dy_arr)
    else:
        _core.sosfilt_backward(
            sos_view,
            _checks.batch_view(x, axis),
            _checks.batch_view(dy_arr, axis),
            _checks.writable_batch_view(dx, axis, "dx"),
            None if zi_full is None else _section_view(zi_full, axis),
            None if dzi is None else _section_view(dzi, axis),
            dsos,
            n_sections,
        )
    per_channel = dsos.reshape(channel_shape + (n_sections, 6))
    if dzi is not None:
        # scipy's zi is the state of the filter normalised by a0, so zi itself is not divided by a0:
        # a0 (y[k] - zi[k]) = ... for k < 2, which adds lam[k] zi[k] to dL/da0.
        per_channel[..., 3] += np.moveaxis((dzi * zi_full).sum(axis=axis + 1), 0, -1)
    return SosfiltGrads(_checks.sum_to(per_channel, sos.shape).astype(dtype, copy=False), dx, dzi)
