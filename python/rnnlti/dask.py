"""rnnlti's filters on Dask arrays, chunked in channels and in time, lazily.

Every function takes a ``dask.array.Array`` and returns a lazy one with the same chunks; nothing is
computed until ``.compute()`` (or ``dask.compute``), on whatever scheduler is active: threads, or a
``dask.distributed`` cluster of many machines.  The results equal the in-memory functions' to
round-off, whatever the chunks:

- chunks along the channel (non-time) axes are independent tasks;
- `lfilter` (and `sosfilt`) filter every time chunk from zero state in parallel (final states
  ``zf0_k``), carry the small per-chunk states forward (the only sequential part: a few numbers per
  channel and chunk), ``s_{k+1} = zf0_k + T(L_k) s_k``, then correct every chunk in parallel:
  ``y_k = y0_k + lfilter(b, a, 0, zi=s_k)``, computed as ``lfilter(b, a, x_k, zi=s_k)`` (equal by
  linearity; a zero-input response decays into slow subnormal numbers);
- `fir` needs the K - 1 samples before each chunk: only its first K - 1 outputs are corrected;
- `nonlinear_iir` cannot be corrected linearly: the state (the last M outputs) is carried from one
  time chunk to the next sequentially, so its time chunks run one after the other.

Filter banks (coefficients with leading batch dimensions) are not supported here: one filter for all
channels.  Dask is an optional dependency: ``pip install rnnlti[dask]``.
"""
from __future__ import annotations

import threading
from typing import Any, Optional, Tuple, Union

try:
    import dask.array as da
except ImportError as exc:  # pragma: no cover - exercised in a process without dask
    raise ImportError(
        "rnnlti.dask needs Dask, which is not installed: pip install rnnlti[dask] "
        "(or pip install 'dask[array,distributed]')"
    ) from exc

import numpy as np

import rnnlti

from . import _checks
from ._dask_graph import fir_overlap, linear_scan, sequential_carry

__all__ = ["fir", "lfilter", "nonlinear_iir", "sosfilt"]

DaskResult = Union[da.Array, Tuple[da.Array, da.Array]]


# --------------------------------------------------------------------------------------------- checks


def _dask_signal(x: Any, axis: Any, function: str) -> Tuple[da.Array, int]:
    if not isinstance(x, da.Array):
        raise TypeError(
            f"x must be a dask.array.Array, got {type(x).__name__} "
            f"(for in-memory arrays call rnnlti.{function}; to chunk one use dask.array.from_array)"
        )
    if x.dtype.kind not in "fiub":
        raise TypeError(f"x must be real-valued (float, int or bool), got dtype {x.dtype}")
    if x.ndim == 0:
        raise ValueError("x must have at least one dimension, got a 0-d array")
    if any(np.isnan(c) for chunks in x.chunks for c in chunks):
        raise ValueError("x has unknown chunk sizes; call x.compute_chunk_sizes() first")
    return x, _checks.normalize_axis(axis, x.ndim)


def _state_input(value: Any, name: str, expected: Tuple[int, ...], chunks: Tuple[Tuple[int, ...], ...],
                 rule: str, fixed: Tuple[int, ...]) -> da.Array:
    """An initial state (NumPy or Dask) of shape ``expected`` (size-1 dimensions broadcast, except
    the dimensions in ``fixed``: the state axes, as in-memory), chunked like x's channels and whole
    along the state axes."""
    if isinstance(value, da.Array):
        if value.dtype.kind not in "fiub":
            raise TypeError(f"{name} must be real-valued (float, int or bool), got dtype {value.dtype}")
        arr = value
    else:
        arr = _checks.real_array(value, name)
    ok = arr.ndim == len(expected) and all(
        s == e or (s == 1 and k not in fixed) for k, (s, e) in enumerate(zip(arr.shape, expected))
    )
    if not ok:
        raise ValueError(f"{name} must have shape {expected} ({rule}; other size-1 dimensions broadcast), got {arr.shape}")
    if not isinstance(arr, da.Array):
        return da.from_array(np.ascontiguousarray(np.broadcast_to(arr, expected)), chunks=chunks)
    return da.broadcast_to(arr, expected).rechunk(chunks)


def _with_time(chunks: Tuple[Tuple[int, ...], ...], axis: int, length: int) -> Tuple[Tuple[int, ...], ...]:
    return chunks[:axis] + ((length,),) + chunks[axis + 1 :]


def _probe_shape(ndim: int) -> Tuple[int, ...]:
    return (1,) * ndim


# ------------------------------------------------------------------------ linear filters with a state
# Picklable descriptions of "a linear filter with a state zi", which the two-pass scan needs.

_SCRATCH = threading.local()


def _scratch(shape: Tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """This thread's output buffer for outputs that are thrown away (one, of the last shape asked)."""
    buf = getattr(_SCRATCH, "buf", None)
    if buf is None or buf.shape != shape or buf.dtype != dtype:
        buf = _SCRATCH.buf = np.empty(shape, dtype)
    return buf


class _LFilterState:
    """rnnlti.lfilter: state in scipy's layout, x's shape with the time axis of length ``size``."""

    def __init__(self, b: np.ndarray, a: np.ndarray, dtype: np.dtype) -> None:
        self.b, self.a, self.dtype = b, a, dtype
        self.size = max(b.shape[-1], a.shape[-1]) - 1

    def __dask_tokenize__(self) -> Any:
        return ("rnnlti.dask.lfilter", self.b.tobytes(), self.a.tobytes(), str(self.dtype))

    def run(self, x: np.ndarray, zi: np.ndarray, axis: int) -> Tuple[np.ndarray, np.ndarray]:
        return rnnlti.lfilter(self.b, self.a, x, axis=axis, zi=zi)

    def final_state(self, x: np.ndarray, zi: np.ndarray, axis: int) -> np.ndarray:
        """Only zf (pass 1): y goes to a reused per-thread buffer, sparing a fresh chunk's page faults."""
        out = _scratch(x.shape, self.dtype)
        return rnnlti.lfilter(self.b, self.a, x, axis=axis, zi=zi, out=out)[1]

    def zero_state(self, shape: Tuple[int, ...], axis: int) -> np.ndarray:
        return np.zeros(shape[:axis] + (self.size,) + shape[axis + 1 :], self.dtype)

    def to_vector(self, state: np.ndarray, axis: int) -> np.ndarray:
        return np.moveaxis(state, axis, -1)

    def from_vector(self, vector: np.ndarray, axis: int) -> np.ndarray:
        return np.moveaxis(vector, -1, axis)


class _SosState:
    """rnnlti.sosfilt: state ``(n_sections,) + x.shape`` with the time axis of length 2."""

    def __init__(self, sosfilt: Any, sos: np.ndarray, dtype: np.dtype) -> None:
        self.sosfilt, self.sos, self.dtype = sosfilt, sos, dtype
        self.sections = sos.shape[0]
        self.size = 2 * self.sections

    def __dask_tokenize__(self) -> Any:
        inner = f"{getattr(self.sosfilt, '__module__', '')}.{getattr(self.sosfilt, '__qualname__', '')}"
        return ("rnnlti.dask.sosfilt", inner, self.sos.tobytes(), self.sections, str(self.dtype))

    def run(self, x: np.ndarray, zi: np.ndarray, axis: int) -> Tuple[np.ndarray, np.ndarray]:
        return self.sosfilt(self.sos, x, axis=axis, zi=zi)

    def zero_state(self, shape: Tuple[int, ...], axis: int) -> np.ndarray:
        return np.zeros((self.sections,) + shape[:axis] + (2,) + shape[axis + 1 :], self.dtype)

    def to_vector(self, state: np.ndarray, axis: int) -> np.ndarray:
        v = np.moveaxis(state, (0, axis + 1), (-2, -1))
        return v.reshape(v.shape[:-2] + (self.size,))

    def from_vector(self, vector: np.ndarray, axis: int) -> np.ndarray:
        v = vector.reshape(vector.shape[:-1] + (self.sections, 2))
        return np.moveaxis(v, (-2, -1), (0, axis + 1))


def lfilter(b: Any, a: Any, x: Any, axis: int = -1, zi: Any = None) -> DaskResult:
    """`rnnlti.lfilter` on a Dask array: ``a[0] y[n] = sum_k b[k] x[n-k] - sum_{k>=1} a[k] y[n-k]``.

    Parameters
    ----------
    b, a : array_like
        One filter's numerator and denominator (1-D, non-empty, ``a[0] != 0``), as in `rnnlti.lfilter`.
    x : dask.array.Array
        Real input, any chunks along any axes.
    axis : int, optional
        The time axis. Default -1.
    zi : array_like or dask.array.Array, optional
        Initial state in scipy's layout: x's shape with the time axis of length
        ``max(len(a), len(b)) - 1``.

    Returns
    -------
    y : dask.array.Array
        Lazy, with x's shape and chunks; float32 for float32 input (and zi), else float64.
    zf : dask.array.Array
        Only when ``zi`` is given: the lazy final state, shaped like ``zi``.

    Notes
    -----
    The time axis is a two-pass chunked scan: every time chunk is filtered from zero state in
    parallel (final state ``zf0_k``), the states entering the chunks are carried forward in one
    small sequential task per channel chunk, ``s_{k+1} = zf0_k + T(L_k) s_k`` (``T(L)``: the state
    after L zero samples, one small matrix per chunk length), and every chunk is then corrected in
    parallel: ``y_k = y0_k + lfilter(b, a, 0, zi=s_k)``, computed as ``lfilter(b, a, x_k, zi=s_k)``
    (the same by linearity).  The work is about twice the in-memory filter's (the first time chunk
    is filtered once), spread over all the chunks.

    Examples
    --------
    >>> import dask.array as da, numpy as np, rnnlti.dask
    >>> x = da.ones((2, 6), chunks=(1, 2))
    >>> rnnlti.dask.lfilter([1.0], [1.0, -0.5], x).compute()[0]
    array([1.     , 1.5    , 1.75   , 1.875  , 1.9375 , 1.96875])
    """
    x, axis = _dask_signal(x, axis, "lfilter")
    if zi is not None and not isinstance(zi, da.Array):
        zi = _checks.real_array(zi, "zi")
    dtype = _checks.float_dtype(x, zi)
    b = _checks.coefficients(b, "b", dtype, allow_bank=False)
    a = _checks.coefficients(a, "a", dtype, allow_bank=False)
    rnnlti.lfilter(b, a, np.zeros(_probe_shape(x.ndim), dtype))  # the in-memory checks, now, not at compute
    filt = _LFilterState(b, a, dtype)
    state_shape = x.shape[:axis] + (filt.size,) + x.shape[axis + 1 :]
    state_chunks = _with_time(x.chunks, axis, filt.size)
    zi_d = None
    if zi is not None:
        zi_d = _state_input(zi, "zi", state_shape, state_chunks,
                            "x's shape with the filter axis of length max(len(a), len(b)) - 1", (axis,))
    if filt.size == 0:  # a pure gain: no state, every block alone
        y = x.map_blocks(lambda blk: rnnlti.lfilter(b, a, blk, axis=axis), dtype=dtype,
                         meta=np.empty((0,) * x.ndim, dtype))
        return y if zi_d is None else (y, zi_d.astype(dtype))
    y, zf = linear_scan(filt, x, axis, zi_d, lambda idx: idx, state_chunks, "lfilter")
    return y if zf is None else (y, zf)


def sosfilt(sos: Any, x: Any, axis: int = -1, zi: Any = None) -> DaskResult:
    """`rnnlti.sosfilt` on a Dask array (second-order sections, each ``[b0, b1, b2, a0, a1, a2]``).

    ``zi`` has shape ``(n_sections,) + x.shape`` with the time axis of length 2, as in scipy.
    Same chunked scan as `lfilter`, with a state of ``2 n_sections`` numbers per channel.
    Needs ``rnnlti.sosfilt`` (NotImplementedError in a build without it).
    """
    x, axis = _dask_signal(x, axis, "sosfilt")
    inner = getattr(rnnlti, "sosfilt", None)
    if inner is None:
        raise NotImplementedError("rnnlti.dask.sosfilt needs rnnlti.sosfilt, which this build of rnnlti lacks")
    if zi is not None and not isinstance(zi, da.Array):
        zi = _checks.real_array(zi, "zi")
    dtype = _checks.float_dtype(x, zi)
    sos = _checks.real_array(sos, "sos")
    if sos.ndim != 2 or sos.shape[0] == 0 or sos.shape[1] != 6:
        raise ValueError(f"sos must have shape (n_sections, 6) with n_sections >= 1, got {sos.shape}")
    sos = _checks.as_dtype(sos, dtype)
    inner(sos, np.zeros(_probe_shape(x.ndim), dtype))  # the in-memory checks, now
    filt = _SosState(inner, sos, dtype)
    state_shape = (filt.sections,) + x.shape[:axis] + (2,) + x.shape[axis + 1 :]
    state_chunks = ((filt.sections,),) + _with_time(x.chunks, axis, 2)
    zi_d = None
    if zi is not None:
        zi_d = _state_input(zi, "zi", state_shape, state_chunks,
                            "(n_sections,) + x's shape with the filter axis of length 2", (0, axis + 1))
    y, zf = linear_scan(filt, x, axis, zi_d, lambda idx: (0,) + idx, state_chunks, "sosfilt")
    return y if zf is None else (y, zf)


# ----------------------------------------------------------------------------------------------- FIR


def fir(h: Any, x: Any, axis: int = -1) -> da.Array:
    """`rnnlti.fir` on a Dask array: ``y[n] = sum_{m=0}^{K-1} h[m] x[n-m]``, zero initial state.

    Every chunk is filtered on its own, in parallel; its first ``K - 1`` outputs get the
    contribution of the ``K - 1`` samples before it (the tails of the chunks before: an overlap,
    which may span several chunks when they are shorter than ``K - 1``).  ``h`` is one 1-D filter.

    Examples
    --------
    >>> import dask.array as da, numpy as np, rnnlti.dask
    >>> rnnlti.dask.fir([0.5, 0.5], da.arange(6.0, chunks=2)).compute()
    array([0. , 0.5, 1.5, 2.5, 3.5, 4.5])
    """
    x, axis = _dask_signal(x, axis, "fir")
    dtype = _checks.float_dtype(x)
    h = _checks.coefficients(h, "h", dtype, allow_bank=False)
    rnnlti.fir(h, np.zeros(_probe_shape(x.ndim), dtype))
    return fir_overlap(rnnlti.fir, h, x, axis, dtype, "fir")


# ------------------------------------------------------------------------------------- nonlinear IIR


class _NonlinearIIRStep:
    """One chunk of rnnlti.nonlinear_iir, given the M outputs before it (looked up when it runs)."""

    def __init__(self, w: np.ndarray, activation: str) -> None:
        self.w, self.activation = w, activation

    def __dask_tokenize__(self) -> Any:
        return ("rnnlti.dask.nonlinear_iir", self.w.tobytes(), str(self.w.dtype), self.activation)

    def __call__(self, block: np.ndarray, history: Optional[np.ndarray], axis: int) -> np.ndarray:
        return rnnlti.nonlinear_iir(self.w, block, activation=self.activation, h0=history, axis=axis)


def nonlinear_iir(w: Any, x: Any, activation: str = "tanh", h0: Any = None, axis: int = -1) -> da.Array:
    """`rnnlti.nonlinear_iir` on a Dask array: ``h[n] = g(x[n] + sum_{m=1}^{M} w[m-1] h[n-m])``.

    A nonlinear recursion cannot be split by linearity: each time chunk starts from the last
    ``M = len(w)`` outputs of the chunk before, so the time chunks of one channel chunk run one after
    the other; different channel chunks run in parallel.  ``h0`` (optional, NumPy or Dask) holds the
    M outputs before the signal in time order: x's shape with the time axis of length M.
    Needs ``rnnlti.nonlinear_iir`` (NotImplementedError in a build without it).
    """
    x, axis = _dask_signal(x, axis, "nonlinear_iir")
    if not hasattr(rnnlti, "nonlinear_iir"):
        raise NotImplementedError("rnnlti.dask.nonlinear_iir needs rnnlti.nonlinear_iir, which this build lacks")
    activation = _checks.check_activation(activation)
    if h0 is not None and not isinstance(h0, da.Array):
        h0 = _checks.real_array(h0, "h0")
    dtype = _checks.float_dtype(x, h0)
    w = _checks.coefficients(w, "w", dtype, allow_bank=False)
    depth = w.shape[0]
    rnnlti.nonlinear_iir(w, np.zeros(_probe_shape(x.ndim), dtype), activation=activation)
    h0_d = None
    if h0 is not None:
        h0_d = _state_input(h0, "h0", x.shape[:axis] + (depth,) + x.shape[axis + 1 :],
                            _with_time(x.chunks, axis, depth), "x's shape with the time axis of length len(w)", (axis,))
    return sequential_carry(_NonlinearIIRStep(w, activation), depth, x, axis, h0_d, dtype, "nonlinear-iir")
