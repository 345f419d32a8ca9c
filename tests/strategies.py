"""Hypothesis building blocks for the property tests (test_properties.py, function_specs.py).

Arrays are drawn as (shape, dtype, memory layout, values): hypothesis draws the structure and a
seed, numpy's generator fills in the values (fast, and still reproducible).  Every array is a view
into buffers that the property test snapshots, so that any write into an input shows up.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Callable, List, Optional, Sequence, Tuple

import numpy as np
from hypothesis import strategies as st

# Real dtypes the public functions accept (float32 of either byte order stays float32, the rest
# is computed in float64) and dtypes they must refuse with a TypeError.
VALID_DTYPES = (
    "float64", "float32", ">f8", ">f4", "float16", "longdouble",
    "int8", "int16", "int32", "int64", "uint8", "uint16", "uint64", ">i4", "bool",
)
INVALID_DTYPES = ("complex128", "complex64", "object", "str", "datetime64[s]", "timedelta64[s]")

# Layouts of one array in memory: C, Fortran, permuted axes, every k-th element of a bigger buffer,
# reversed axes (negative strides), zero strides (np.broadcast_to), misaligned data pointer, read-only,
# and a nested Python list.
LAYOUTS = ("C", "F", "transposed", "strided", "reversed", "broadcast", "unaligned", "readonly", "list")

# Finite values: moderate magnitudes, so that no finite intermediate overflows in a short signal
# (overflow is tested on purpose in test_unstable_filters.py) and NaN/inf come only from the data.
FINITE = np.array([0.0, 1.0, -1.0, 0.5, -0.25, 2.0, -3.0, 0.125, 7.0, -1e3, 1e-3, 0.3])
SPECIAL = np.array([np.nan, np.inf, -np.inf])


@dataclasses.dataclass
class Arr:
    """One drawn array argument."""

    value: Any  # what the function receives (an ndarray view, or a list)
    values: np.ndarray  # the same values, a plain C-contiguous array of the given dtype
    buffers: List[np.ndarray]  # memory the value lives in: must be bit-identical after the call
    dtype: np.dtype  # np.asarray(value).dtype, the dtype the function sees

    def as_float(self, dtype: np.dtype) -> np.ndarray:
        """The values as the function should compute with them: cast to ``dtype``, then float64."""
        return self.values.astype(dtype).astype(np.float64)


def make_values(rng: np.random.Generator, shape: Sequence[int], dtype: str, specials: float) -> np.ndarray:
    """Values of ``shape`` in ``dtype``; a fraction ``specials`` of float entries is NaN or +-inf."""
    return np.asarray(_values(rng, tuple(shape), dtype, specials))  # a 0-d array, never a numpy scalar


def _values(rng: np.random.Generator, shape: Tuple[int, ...], dtype: str, specials: float):
    dt = np.dtype(dtype) if dtype not in ("object", "str") else None
    if dt is not None and dt.kind in "iu":
        lo = 0 if dt.kind == "u" else -4
        return rng.integers(lo, 8, size=shape).astype(dt)
    if dt is not None and dt.kind == "b":
        return rng.random(shape) < 0.5
    if dt is not None and dt.kind in "mM":
        return rng.integers(0, 100, size=shape).astype(dt)
    v = rng.choice(FINITE, size=shape) * rng.choice([1.0, 0.37, -1.7], size=shape)
    if specials:
        v = np.where(rng.random(shape) < specials, rng.choice(SPECIAL, size=shape), v)
    if dtype == "object":
        return v.astype(object)
    if dtype == "str":
        return v.astype(str)
    if dt.kind == "c":
        return (v + 0.5j).astype(dt)
    return v.astype(dt)


def lay_out(values: np.ndarray, layout: str, rng: np.random.Generator) -> Tuple[Any, List[np.ndarray]]:
    """``values`` (C-contiguous) placed in memory as ``layout``: (what to pass, buffers to guard)."""
    shape = values.shape
    if layout == "C" or values.ndim == 0 and layout in ("F", "transposed", "reversed", "broadcast"):
        buf = values.copy()
        return buf, [buf]
    if layout == "F":
        buf = np.asfortranarray(values)
        return buf, [buf]
    if layout == "transposed":
        perm = rng.permutation(values.ndim)
        buf = np.ascontiguousarray(values.transpose(perm))
        return buf.transpose(np.argsort(perm)), [buf]
    if layout == "strided":
        steps = rng.integers(1, 4, size=values.ndim)
        starts = rng.integers(0, 2, size=values.ndim)
        buf = make_values(rng, tuple(int(n * s + o) for n, s, o in zip(shape, steps, starts)), values.dtype.str
                          if values.dtype != object else "object", 0.1)
        index = tuple(slice(int(o), int(o + n * s), int(s)) for n, s, o in zip(shape, steps, starts))
        buf[index] = values
        return buf[index], [buf]
    if layout == "reversed":
        axes = tuple(int(a) for a in np.flatnonzero(rng.random(values.ndim) < 0.7)) or (0,)
        buf = np.ascontiguousarray(np.flip(values, axes))
        return np.flip(buf, axes), [buf]
    if layout == "broadcast":
        raise AssertionError("broadcast layouts are made by broadcast_values")
    if layout == "unaligned":
        if values.dtype.itemsize == 1 or values.dtype == object:
            return lay_out(values, "C", rng)
        raw = np.zeros(values.nbytes + 1, np.uint8)
        arr = np.frombuffer(raw, values.dtype, count=values.size, offset=1).reshape(shape)
        arr[...] = values
        return arr, [raw]
    if layout == "readonly":
        buf = values.copy()
        buf.flags.writeable = False
        return buf, [buf]
    if layout == "list":
        return values.tolist(), []
    raise ValueError(layout)


@st.composite
def arrays(
    draw: Callable,
    shape: Sequence[int],
    dtypes: Sequence[str] = VALID_DTYPES,
    layouts: Sequence[str] = LAYOUTS,
    specials: bool = True,
    values: Optional[Callable[[np.random.Generator, Tuple[int, ...], str], np.ndarray]] = None,
) -> Arr:
    """An array of ``shape`` with a drawn dtype, layout and values (NaN/inf in some examples)."""
    dtype = draw(st.sampled_from(list(dtypes)))
    layout = draw(st.sampled_from(list(layouts)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    fraction = draw(st.sampled_from([0.0, 0.0, 0.0, 0.05, 0.3])) if specials else 0.0
    vals = values(rng, tuple(shape), dtype) if values else make_values(rng, shape, dtype, fraction)
    size = int(np.prod(shape, dtype=np.int64))
    if layout == "list" and (size == 0 or dtype in ("object", "str") or vals.ndim == 0):
        layout = "C"  # a list would lose the empty shape or the dtype under test
    if layout == "broadcast" and vals.ndim > 0 and size > 0:
        # Zero strides: repeat the first entry along some axes.
        axes = [k for k in range(vals.ndim) if shape[k] > 1 and rng.random() < 0.6]
        small = vals[tuple(slice(0, 1) if k in axes else slice(None) for k in range(vals.ndim))].copy()
        view = np.broadcast_to(small, tuple(shape))
        return Arr(view, np.ascontiguousarray(view), [small], view.dtype)
    if layout == "broadcast":
        layout = "C"
    value, buffers = lay_out(vals, layout, rng)
    return Arr(value, vals, buffers, np.asarray(value).dtype)


def computation_dtype(*arrs: Optional[Arr]) -> np.dtype:
    """float32 when every given array is float32 (of either byte order), else float64."""
    given = [a for a in arrs if a is not None]
    if given and all(a.dtype.kind == "f" and a.dtype.itemsize == 4 for a in given):
        return np.dtype(np.float32)
    return np.dtype(np.float64)


@st.composite
def signal_shapes(draw: Callable, max_ndim: int = 5, max_size: int = 3000) -> Tuple[Tuple[int, ...], int]:
    """(shape, axis) of a signal: 1 to 5 dimensions, zero-length and size-1 axes, short and
    tile-crossing (256 samples) time axes, at most ``max_size`` elements."""
    ndim = draw(st.integers(1, max_ndim))
    shape = [draw(st.sampled_from([0, 1, 1, 2, 3, 3, 5])) for _ in range(ndim)]
    axis = draw(st.integers(-ndim, ndim - 1))
    shape[axis] = draw(st.one_of(st.integers(0, 40), st.sampled_from([0, 1, 255, 256, 257, 600])))
    channels = int(np.prod([n for k, n in enumerate(shape) if k != axis % ndim]))
    if channels * shape[axis] > max_size:
        shape[axis] = min(shape[axis], max_size // max(channels, 1))
    return tuple(shape), axis


@st.composite
def bank_shapes(draw: Callable, channel_shape: Tuple[int, ...]) -> Tuple[int, ...]:
    """The leading (batch) shape of a filter bank that broadcasts against ``channel_shape``:
    empty (one shared filter) in most examples, else a suffix of it with some dims set to 1."""
    if not channel_shape or draw(st.integers(0, 2)) > 0:
        return ()
    k = draw(st.integers(1, len(channel_shape)))
    return tuple(n if draw(st.booleans()) else 1 for n in channel_shape[-k:])


def move_time_last(values: np.ndarray, axis: int) -> np.ndarray:
    """(channels, time) float64 rows of an N-d array filtered along ``axis``."""
    moved = np.moveaxis(values, axis, -1)
    return moved.reshape(int(np.prod(moved.shape[:-1])), moved.shape[-1])


def bank_rows(coef: np.ndarray, channel_shape: Tuple[int, ...]) -> np.ndarray:
    """Coefficients (batch + (k,)) as one row per channel, (channels, k)."""
    full = np.broadcast_to(coef, tuple(channel_shape) + coef.shape[-1:])
    return full.reshape(int(np.prod(channel_shape)), coef.shape[-1])


def finite_or_zero(v: np.ndarray) -> np.ndarray:
    """|v| with NaN and inf replaced by 0: the magnitude of the finite part, for error bounds."""
    with np.errstate(invalid="ignore"):
        return np.where(np.isfinite(v), np.abs(v), 0.0)
