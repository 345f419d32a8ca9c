"""Argument checking and normalisation shared by the public functions.

Every public function funnels its arrays through here: dtypes are resolved once, axes normalised, and
N-d arrays viewed as the kernels' ``(outer, inner, length)`` batches of signals, without a copy
whenever the memory layout allows it.
"""
from __future__ import annotations

import operator
from typing import Any, Optional, Sequence, Tuple

import numpy as np

from . import _core

FLOAT_TYPES = (np.dtype(np.float32), np.dtype(np.float64))
ACTIVATIONS = ("tanh", "sigmoid", "relu", "identity")


def real_array(value: Any, name: str) -> np.ndarray:
    """``np.asarray(value)``, refusing what is not a real number with a TypeError naming ``name``."""
    try:
        arr = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be a real-valued array, got {type(value).__name__}: {exc}") from None
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"{name} must be real-valued (float, int or bool), got dtype {arr.dtype}")
    return arr


def float_dtype(*arrays: Optional[np.ndarray]) -> np.dtype:
    """float32 when every given array is float32, else float64 (the wider type wins; ints -> float64)."""
    given = [a for a in arrays if a is not None]
    # Compare kind and size, not the dtype itself: a big-endian float32 (">f4") is float32 too.
    if given and all(a.dtype.kind == "f" and a.dtype.itemsize == 4 for a in given):
        return np.dtype(np.float32)
    return np.dtype(np.float64)


def as_dtype(arr: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """``arr`` in native byte order, ``dtype`` and aligned memory, copied only when needed.

    Misaligned data (e.g. ``np.frombuffer(buf, offset=1)``) is copied: the kernels' typed loads
    from a misaligned address are undefined behaviour (UBSan reports them).
    """
    arr = arr.astype(dtype, copy=False)
    return arr if arr.flags.aligned else arr.copy()


def normalize_axis(axis: Any, ndim: int, name: str = "axis") -> int:
    try:
        axis = operator.index(axis)
    except TypeError:
        raise TypeError(f"{name} must be an integer, got {type(axis).__name__}") from None
    if not -ndim <= axis < ndim:
        raise ValueError(f"{name}={axis} is out of range for an array of {ndim} dimension(s)")
    return axis % ndim


def signals(
    names: Sequence[str], values: Sequence[Any], axis: Any, *others: Optional[np.ndarray]
) -> Tuple[list, int, np.dtype]:
    """The signals (one shape, >= 1-D) as arrays of one float dtype, and the normalised axis.

    ``others`` (already real arrays or None, e.g. an initial state) take part in choosing the dtype:
    float32 only when every signal and every other array is float32.
    """
    arrays = [real_array(v, n) for n, v in zip(names, values)]
    first = arrays[0]
    if first.ndim == 0:
        raise ValueError(f"{names[0]} must have at least one dimension, got a 0-d array")
    for n, arr in zip(names[1:], arrays[1:]):
        if arr.shape != first.shape:
            raise ValueError(f"{n} must have the shape of {names[0]}, {first.shape}, got {arr.shape}")
    axis = normalize_axis(axis, first.ndim)
    dtype = float_dtype(*arrays, *others)
    return [as_dtype(a, dtype) for a in arrays], axis, dtype


def signal(x: Any, axis: Any, *others: Optional[np.ndarray]) -> Tuple[np.ndarray, int, np.dtype]:
    """`signals` for one signal named x: ``(x, axis, dtype)``."""
    (x,), axis, dtype = signals(("x",), (x,), axis, *others)
    return x, axis, dtype


def state_shape(signal_shape: Tuple[int, ...], axis: int, length: int) -> Tuple[int, ...]:
    """An initial state's shape: the signal's shape with the time axis of length ``length``."""
    return signal_shape[:axis] + (length,) + signal_shape[axis + 1 :]


def check_state_shape(
    state: np.ndarray, expected: Tuple[int, ...], fixed: Sequence[int], name: str, rule: str
) -> None:
    """Refuses (ValueError naming ``name``) a state whose shape is not ``expected`` up to size-1
    dimensions, which broadcast, except along the axes in ``fixed`` (the time axis, sos's section
    axis): one value repeated over every delay is a mistake, not a shortcut (scipy agrees)."""
    ok = state.ndim == len(expected) and all(
        z == e or (z == 1 and k not in fixed) for k, (z, e) in enumerate(zip(state.shape, expected))
    )
    if not ok:
        raise ValueError(f"{name} must have shape {expected} ({rule}; other size-1 dimensions broadcast), got {state.shape}")


def initial_state(
    state: np.ndarray, expected: Tuple[int, ...], axis: int, dtype: np.dtype, name: str, rule: str
) -> np.ndarray:
    """``state`` checked by `check_state_shape` (time axis ``axis`` fixed), broadcast to ``expected``
    in ``dtype`` (a read-only view, no copy when the dtype already matches)."""
    check_state_shape(state, expected, (axis,), name, rule)
    return np.broadcast_to(as_dtype(state, dtype), expected)


def sum_to(grad: np.ndarray, shape: Tuple[int, ...]) -> np.ndarray:
    """The adjoint of broadcasting an argument to a larger shape: ``grad`` summed over the
    dimensions that broadcasting added or expanded, back to ``shape`` (C-contiguous)."""
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape) if n == 1 and grad.shape[i + lead] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return np.ascontiguousarray(grad.reshape(shape))


def check_activation(activation: Any) -> str:
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(map(repr, ACTIVATIONS))}, got {activation!r}")
    return activation


def _merge(shape: Sequence[int], strides: Sequence[int]) -> Optional[Tuple[int, int]]:
    """(size, stride) of the dimensions taken as one, or None when their strides do not allow it."""
    dims = [(n, s) for n, s in zip(shape, strides) if n != 1]
    size = int(np.prod([n for n, _ in dims], dtype=np.int64)) if dims else 1
    if size == 0 or not dims:
        return size, 0
    for (_, s_outer), (n_inner, s_inner) in zip(dims, dims[1:]):
        if s_outer != s_inner * n_inner:
            return None
    return size, dims[-1][1]


def _try_batch_view(arr: np.ndarray, axis: int) -> Optional[np.ndarray]:
    if not arr.flags.aligned or any(s % arr.itemsize for s in arr.strides):
        return None
    pre = _merge(arr.shape[:axis], arr.strides[:axis])
    post = _merge(arr.shape[axis + 1 :], arr.strides[axis + 1 :])
    if pre is None or post is None:
        return None
    return np.lib.stride_tricks.as_strided(
        arr,
        shape=(pre[0], post[0], arr.shape[axis]),
        strides=(pre[1], post[1], arr.strides[axis]),
        writeable=arr.flags.writeable,
    )


def batch_view(arr: np.ndarray, axis: int) -> np.ndarray:
    """``arr`` seen as (outer, inner, length), the kernels' layout, with ``length`` along ``axis``.

    A view when the axes before ``axis`` merge into one and those after it too (always the case for
    C- or F-contiguous arrays, and for most slices), else a view of a C-contiguous copy.
    """
    view = _try_batch_view(arr, axis)
    if view is None:
        # A fresh C-contiguous copy (np.ascontiguousarray would return an empty array with
        # broadcast zero strides unchanged, as numpy calls any empty array contiguous).
        view = _try_batch_view(np.array(arr, order="C"), axis)
    assert view is not None
    return view


def coefficient_view(
    coef: np.ndarray, signal_shape: Tuple[int, ...], axis: int, name: str
) -> np.ndarray:
    """Coefficients of shape ``batch + (k,)`` as (outer, inner, k) against a signal of ``signal_shape``.

    ``batch`` (empty for one filter shared by every channel) must broadcast against the signal's
    non-time axes: one filter per channel, a filter bank.
    """
    channel_shape = signal_shape[:axis] + signal_shape[axis + 1 :]
    batch = coef.shape[:-1]
    try:
        full = np.broadcast_to(coef, channel_shape + coef.shape[-1:])
    except ValueError:
        raise ValueError(
            f"{name} has batch shape {batch}, which does not broadcast against the signal's channel "
            f"shape {channel_shape} (the shape of x without its time axis)"
        ) from None
    if full.shape[:-1] != channel_shape:
        raise ValueError(
            f"{name} has batch shape {batch}, which would broadcast the signal's channel shape "
            f"{channel_shape} to {full.shape[:-1]}"
        )
    # Put the coefficient axis where the time axis is, so the signal's merging rules apply.
    return batch_view(np.moveaxis(full, -1, axis), axis)


def coefficients(value: Any, name: str, dtype: np.dtype, allow_bank: bool = True) -> np.ndarray:
    """A non-empty real coefficient vector (or a bank of them, one per row) in ``dtype``."""
    arr = real_array(value, name)
    if arr.ndim == 0 or arr.shape[-1] == 0 or (arr.ndim > 1 and not allow_bank):
        expected = "a non-empty 1-D array" + (" (or a bank of shape (..., k))" if allow_bank else "")
        raise ValueError(f"{name} must be {expected}, got shape {arr.shape}")
    return as_dtype(arr, dtype)


def empty(shape: Sequence[int], dtype: np.dtype, like: Optional[np.ndarray] = None) -> np.ndarray:
    """An uninitialised C-contiguous output array whose memory is reused from rnnlti's pool.

    Large fresh arrays cost a page fault per 4 KiB page on first write, often more than the filtering
    itself; buffers of arrays that were freed go back to the pool (at most 256 MiB are kept idle, see
    `rnnlti.release_memory`) and come back without faults.  With ``like`` (the input), the output
    starts at the same offset within a 64-byte cache line, so that the kernels' aligned stretches of
    output meet aligned input.
    """
    dtype = np.dtype(dtype)
    offset = 0 if like is None else like.__array_interface__["data"][0] % 64
    if offset % dtype.itemsize:
        offset = 0
    return _core.pooled_empty(tuple(shape), dtype, offset)


def signal_output(x: np.ndarray, axis: int, dtype: np.dtype) -> np.ndarray:
    """A fresh output shaped like the signal x (see `empty`).  Where time is x's last axis the output
    starts at x's offset within a cache line (time-contiguous rows then stream aligned whole lines);
    time-first data is read and written one sample of adjacent channels at a time, where an aligned
    output is best."""
    return empty(x.shape, dtype, like=x if axis == x.ndim - 1 else None)


def check_out(out: Optional[np.ndarray], x: np.ndarray, axis: int, dtype: np.dtype, name: str = "out") -> np.ndarray:
    """A fresh output for the signal x (`signal_output`), or the validated ``out=`` array."""
    if out is None:
        return signal_output(x, axis, dtype)
    shape = x.shape
    if not isinstance(out, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray, got {type(out).__name__}")
    if out.shape != tuple(shape) or out.dtype != dtype:
        raise ValueError(f"{name} must have shape {tuple(shape)} and dtype {dtype}, got shape {out.shape} and dtype {out.dtype}")
    if not out.flags.writeable:
        raise ValueError(f"{name} must be writeable")
    if not out.flags.aligned or any(s % out.itemsize for s in out.strides) or not out.dtype.isnative:
        raise ValueError(f"{name} must be an aligned native-byte-order array")
    return out


def writable_batch_view(out: np.ndarray, axis: int, name: str = "out") -> np.ndarray:
    """Like batch_view but never copies: the kernel must write into ``out`` itself."""
    view = _try_batch_view(out, axis)
    if view is None:
        raise ValueError(f"{name} has a memory layout the kernels cannot write in place; pass a C-contiguous array")
    return view
