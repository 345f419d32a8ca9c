"""The table of function specs driven by test_properties.py: for each public function, how to draw
valid and invalid calls and how to compute the reference answer.  Adding a function = writing one
`Spec` (a case strategy, a reference, a check) and appending it to SPECS.

A drawn `Case` is either valid (``error is None``: the call must return the reference's answer) or
carries one deliberate defect and the (exception type, argument name) it must raise.  A reference
may also raise `Expect` for data-dependent errors (e.g. a singular system), which the function must
then raise as a ValueError/TypeError naming the argument.

How results are compared (IEEE semantics, "compare sensibly"):
- The finite data are moderate (strategies.FINITE) and signals short, so no finite intermediate
  overflows.  Then where the result is NaN or +-inf depends only on which terms of each sum are
  non-finite, not on the order of the additions: inf + finite = inf, inf - inf = NaN, 0 * inf = NaN.
  So the positions of NaN, +inf and -inf must equal the reference's exactly.
- Finite values agree within a rounding-error bound computed elementwise: c * eps * m, where m is
  the same filter run on |coefficients| and |data| (NaN/inf taken as 0) - the classic bound for
  sums of products, which also covers the growth of an unstable recursion.
- Values that depend on an intermediate whose bound approaches the dtype's overflow threshold are
  not compared: there an FMA (not rounded to inf) and a separate multiply (rounded) differ, and in
  a recursion 0 * inf can carry the overflow to later samples (float32 filters over a few hundred
  samples do overflow).  test_unstable_filters.py checks overflow itself.
- The reference zero-pads b and a to a common length like rnnlti.reference (the lecture's loops)
  does, so that 0 * inf appears in the same terms; scipy's own FIR shortcut for len(a) == 1 would
  skip them.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np
import scipy.signal as ss
from hypothesis import strategies as st

import rnnlti
import strategies as S


class Expect(Exception):
    """Raised by a reference when the call must fail: ``exc`` naming argument ``name``."""

    def __init__(self, exc: type, name: str):
        super().__init__(f"{exc.__name__} naming {name!r}")
        self.exc, self.name = exc, name


@dataclasses.dataclass
class Case:
    args: Tuple[Any, ...]
    kwargs: Dict[str, Any]
    buffers: List[np.ndarray]  # input memory that must be unchanged after the call
    error: Optional[Tuple[type, str]] = None  # the defect's (exception, argument name), if any
    label: str = "valid"  # shown in hypothesis' statistics (--hypothesis-show-statistics)
    params: Dict[str, Any] = dataclasses.field(default_factory=dict)  # what the reference needs
    out_guard: Optional[Tuple[np.ndarray, Callable[[np.ndarray], np.ndarray]]] = None  # (buffer, view_of)
    # An error the call may raise instead of answering (e.g. an out= layout the kernels cannot
    # write in place is refused with a ValueError naming out).
    may_raise: Optional[Tuple[type, str]] = None


@dataclasses.dataclass
class Spec:
    name: str
    func: Callable[..., Any]
    cases: st.SearchStrategy  # of Case
    reference: Callable[[Case], Any]
    check: Callable[[Any, Any, Case], None]
    max_examples: int = 200


# --------------------------------------------------------------------------------------------------
# Comparison helpers


def overflow_threshold(dtype: np.dtype) -> float:
    """Magnitudes below which no float32/float64 intermediate can have overflowed."""
    return 1e30 if dtype == np.float32 else 1e290


def assert_ieee_close(got: np.ndarray, ref: np.ndarray, mag: np.ndarray, dtype: np.dtype, terms: int, what: str,
                      reach: Optional[np.ndarray] = None):
    """``got`` (computed in ``dtype``) against the float64 ``ref``: identical NaN/+inf/-inf positions,
    finite values within ``8 * (terms + 2) * eps * mag`` (see the module docstring).  Only where
    ``reach`` (default ``mag``), a bound on every intermediate the value depends on, stays below
    the overflow threshold."""
    got = np.asarray(got, dtype=np.float64)
    assert got.shape == ref.shape, f"{what}: shape {got.shape}, expected {ref.shape}"
    fi = np.finfo(dtype)
    with np.errstate(invalid="ignore"):
        safe = (mag if reach is None else reach) < overflow_threshold(dtype)
    for mask in (np.isnan, np.isposinf, np.isneginf):
        bad = (mask(got) != mask(ref)) & safe
        assert not bad.any(), (
            f"{what}: {mask.__name__} differs at {np.argwhere(bad)[:5].tolist()}: got {got[bad][:5]}, "
            f"expected {ref[bad][:5]}"
        )
    both = safe & np.isfinite(got) & np.isfinite(ref)
    err = np.abs(got - ref)[both]
    tol = 8 * (terms + 2) * fi.eps * mag[both] + 1e3 * fi.tiny
    worst = np.argmax(err - tol) if err.size else None
    assert not (err > tol).any(), (
        f"{what}: error {err[worst]:.3g} above the bound {tol[worst]:.3g} (got {got[both][worst]!r}, "
        f"expected {ref[both][worst]!r})"
    )


def assert_fresh_output(y: np.ndarray, shape: Tuple[int, ...], dtype: np.dtype, out: Optional[np.ndarray], what: str):
    assert isinstance(y, np.ndarray), f"{what} is {type(y).__name__}, not an ndarray"
    assert y.shape == tuple(shape) and y.dtype == dtype, f"{what}: {y.shape} {y.dtype}, expected {shape} {dtype}"
    if out is not None:
        assert y is out, f"{what} is not the out= array"
    else:
        assert y.flags.c_contiguous and y.flags.writeable, f"{what} is not a fresh C-contiguous array"


# --------------------------------------------------------------------------------------------------
# Shared pieces of the filter specs: the signal x, its axis, an optional out=, and their defects.


def _defect(draw, defects, valid_percent: int) -> str:
    """"none" in about ``valid_percent`` % of the examples, else one of ``defects``, uniformly."""
    if draw(st.integers(0, 99)) < valid_percent:
        return "none"
    return defects[draw(st.integers(0, len(defects) - 1))]


def _out_array(draw, shape, dtype) -> Tuple[Any, Optional[Tuple[np.ndarray, Callable]], Optional[Tuple[type, str]], str]:
    """An out= argument: None, a good array in some writable layout, or a defective one."""
    kind = _defect(draw, ["C", "F", "strided", "reversed", "bad", "bad"], 55)
    if kind == "none":
        return None, None, None, ""
    if kind == "bad":
        defect = _defect(draw, ["shape", "dtype", "readonly", "list", "unaligned", "big-endian"], 0)
        other = np.float32 if dtype == np.float64 else np.float64
        if defect == "shape":
            return np.zeros(tuple(shape) + (1,), dtype), None, (ValueError, "out"), "out shape"
        if defect == "dtype":
            return np.zeros(shape, other), None, (ValueError, "out"), "out dtype"
        if defect == "readonly":
            arr = np.zeros(shape, dtype)
            arr.flags.writeable = False
            return arr, None, (ValueError, "out"), "out read-only"
        if defect == "list":
            return np.zeros(shape, dtype).tolist(), None, (TypeError, "out"), "out list"
        if defect == "unaligned":
            if int(np.prod(shape)) == 0:
                return np.zeros(shape, other), None, (ValueError, "out"), "out dtype"
            raw = np.zeros(int(np.prod(shape)) * np.dtype(dtype).itemsize + 1, np.uint8)
            arr = np.frombuffer(raw, dtype, count=int(np.prod(shape)), offset=1).reshape(shape)
            return arr, None, (ValueError, "out"), "out unaligned"
        return np.zeros(shape, np.dtype(dtype).newbyteorder(">")), None, (ValueError, "out"), "out big-endian"
    # A good out=, a view into a guard buffer full of a marker value: the call may write the view's
    # elements only.
    ndim = len(shape)
    if kind == "C":
        def view_of(buf):
            return buf
        base = np.full(shape, 12345.0, dtype)
    elif kind == "F":
        def view_of(buf):
            return buf.T
        base = np.full(tuple(reversed(shape)), 12345.0, dtype)
    elif kind == "strided":
        def view_of(buf):
            return buf[(Ellipsis, slice(1, None, 2))] if ndim else buf
        base = np.full(tuple(shape[:-1]) + (2 * shape[-1] + 1,), 12345.0, dtype)
    else:
        def view_of(buf):
            return np.flip(buf)
        base = np.full(shape, 12345.0, dtype)
    return view_of(base), (base, view_of), None, f"out {kind}"


def _maybe_out(draw, kwargs, shape, dtype, error, label):
    """When the case has no defect yet, maybe an out= argument (put into kwargs), itself maybe the
    defect.  Returns the case's (error, label, out_guard)."""
    if error is not None:
        return error, label, None
    out, out_guard, out_err, out_label = _out_array(draw, shape, dtype)
    if out is not None:
        kwargs["out"] = out
        error = out_err
        label = out_label if out_err else label
    return error, label, out_guard


@st.composite
def _signal(draw, allow_defects: bool = True):
    """x (an Arr), axis, and optionally a defect of x or axis: (x, axis_arg, error, label)."""
    shape, axis = draw(S.signal_shapes())
    defect = _defect(draw, ["dtype", "0-d", "ragged", "axis range", "axis type"], 80) if allow_defects else "none"
    if defect == "dtype":
        x = draw(S.arrays(shape, dtypes=S.INVALID_DTYPES))
        return x, axis, (TypeError, "x"), f"x {x.dtype.kind}"
    if defect == "0-d":
        x = draw(S.arrays((), dtypes=("float64", "float32", "int64")))
        return x, -1, (ValueError, "x"), "x 0-d"
    if defect == "ragged":
        ragged = S.Arr([[1.0, 2.0], [3.0]], np.zeros(0), [], np.dtype(object))
        return ragged, -1, (TypeError, "x"), "x ragged"
    x = draw(S.arrays(shape))
    if defect == "axis range":
        bad = draw(st.sampled_from([len(shape), -len(shape) - 1, 7]))
        return x, bad, (ValueError, "axis"), "axis range"
    if defect == "axis type":
        return x, draw(st.sampled_from([0.0, "0", None, [0]])), (TypeError, "axis"), "axis type"
    # numpy integers are integers too
    return x, draw(st.sampled_from([axis, axis, np.int64(axis)])), None, "valid"


@st.composite
def _coefficients(draw, name: str, channel_shape, dtype_defects=True, first_nonzero=False):
    """A coefficient vector or bank (an Arr) and possibly a defect: (arr, error, label)."""
    defect = _defect(draw, ["empty", "0-d", "dtype", "bank"], 88) if dtype_defects else "none"
    k = draw(st.integers(1, 12))
    if defect == "empty":
        batch = draw(S.bank_shapes(channel_shape))
        return draw(S.arrays(batch + (0,), layouts=("C", "F"))), (ValueError, name), f"{name} empty"
    if defect == "0-d":
        return draw(S.arrays((), dtypes=("float64",), layouts=("C",))), (ValueError, name), f"{name} 0-d"
    if defect == "dtype":
        return draw(S.arrays((k,), dtypes=S.INVALID_DTYPES)), (TypeError, name), f"{name} dtype"
    if defect == "bank":
        # A batch shape that cannot broadcast to the channels, or would enlarge them.
        batch = tuple(channel_shape[-1:]) and (channel_shape[-1] + 2,)
        batch = batch or (2,)
        return draw(S.arrays(batch + (k,), dtypes=("float64",))), (ValueError, name), f"{name} bank"
    batch = draw(S.bank_shapes(channel_shape))
    fraction = draw(st.sampled_from([0.0, 0.0, 0.0, 0.1]))  # of NaN/inf coefficients

    def values(rng, shape, dtype):
        v = S.make_values(rng, shape, dtype, fraction)
        if first_nonzero and v.size and v.dtype.kind in "fiu":
            v[..., 0] = np.where(v[..., 0] == 0, 1, v[..., 0])
        elif first_nonzero and v.size and v.dtype.kind == "b":
            v[..., 0] = True
        return v

    dtypes = ("float64", "float64", "float32", "int64", ">f8", "bool")
    return draw(S.arrays(batch + (k,), dtypes=dtypes, values=values)), None, "valid"


def _channel_shape(shape, axis):
    axis = axis % len(shape)
    return tuple(shape[:axis]) + tuple(shape[axis + 1:])


# --------------------------------------------------------------------------------------------------
# lfilter (with and without zi, filter banks)


@st.composite
def lfilter_cases(draw) -> Case:
    x, axis, error, label = draw(_signal())
    valid_signal = error is None
    ch = _channel_shape(x.values.shape, axis) if valid_signal else ()
    b, b_err, b_label = draw(_coefficients("b", ch, dtype_defects=valid_signal))
    a, a_err, a_label = draw(_coefficients("a", ch, dtype_defects=valid_signal and b_err is None, first_nonzero=True))
    error = error or b_err or a_err
    label = label if label != "valid" else (b_label if b_err else a_label)
    kwargs: Dict[str, Any] = {"axis": axis}
    buffers = x.buffers + b.buffers + a.buffers
    zi = None
    if error is None and draw(st.booleans()):
        # Zero a[0] in one filter of the bank: the only invalid coefficient *value*.
        if draw(st.integers(0, 9)) == 0 and a.values.size:
            zero = a.values.copy()
            zero.reshape(-1, zero.shape[-1])[-1, 0] = 0
            a = S.Arr(zero, zero, [], zero.dtype)
            error, label = (ValueError, "a"), "a[0] == 0"
    order = max(a.values.shape[-1], b.values.shape[-1]) - 1 if error is None else 0
    if error is None and draw(st.booleans()):
        state = list(x.values.shape)
        state[axis] = order
        zdefect = _defect(draw, ["length", "ndim", "dtype", "channel"], 70)
        zshape = [1 if (k != axis % len(state) and draw(st.integers(0, 3)) == 0) else n for k, n in enumerate(state)]
        if zdefect == "length":
            zshape[axis] = order + draw(st.sampled_from([1, 2])) if order != 1 else 2
            error, label = (ValueError, "zi"), "zi length"
        elif zdefect == "ndim":
            zshape = zshape + [1]
            error, label = (ValueError, "zi"), "zi ndim"
        elif zdefect == "channel" and len(zshape) > 1:
            k = (axis + 1) % len(zshape)
            zshape[k] = state[k] + 2
            error, label = (ValueError, "zi"), "zi channel"
        zdtypes = S.INVALID_DTYPES if zdefect == "dtype" else ("float64", "float32", "float32", "int32")
        if zdefect == "dtype":
            error, label = (TypeError, "zi"), "zi dtype"
        zi = draw(S.arrays(tuple(zshape), dtypes=zdtypes))
        kwargs["zi"] = zi.value
        buffers += zi.buffers
        if error is None:
            label = "valid zi"
    dtype = S.computation_dtype(x, zi)
    error, label, out_guard = _maybe_out(draw, kwargs, x.values.shape, dtype, error, label)
    return Case(
        (b.value, a.value, x.value), kwargs, buffers, error, label,
        dict(x=x, b=b, a=a, zi=zi, axis=axis, dtype=dtype, order=order), out_guard,
        (ValueError, "out") if out_guard else None,
    )


def _lfilter_rows(b, a, x, zi):
    """scipy on each channel (row), coefficients zero-padded to order + 1: (y, zf)."""
    order = max(a.shape[-1], b.shape[-1]) - 1
    y = np.empty_like(x)
    zf = np.empty((x.shape[0], order))
    for c in range(x.shape[0]):
        bc = np.pad(b[c], (0, order + 1 - b.shape[-1]))
        ac = np.pad(a[c], (0, order + 1 - a.shape[-1]))
        zc = zi[c] if zi is not None else np.zeros(order)
        if x.shape[1] == 0:
            zf[c] = zc
        else:
            y[c], zf[c] = ss.lfilter(bc, ac, x[c], zi=zc)
    return y, zf


def lfilter_reference(case: Case):
    p = case.params
    dt, axis, x = p["dtype"], p["axis"], p["x"]
    shape = x.values.shape
    ch = _channel_shape(shape, axis)
    xs = S.move_time_last(x.as_float(dt), axis)
    b = S.bank_rows(p["b"].as_float(dt), ch)
    a = S.bank_rows(p["a"].as_float(dt), ch)
    order = p["order"]
    state = list(shape)
    state[axis] = order
    zi = None
    if p["zi"] is not None:
        zi = S.move_time_last(np.broadcast_to(p["zi"].as_float(dt), state), axis)
    with np.errstate(all="ignore"):
        y, zf = _lfilter_rows(b, a, xs, zi)
        # The error bound: the filter on |b/a0|, feedback +|a/a0|, |x|, |zi| (finite parts only).
        a0 = a[:, :1]
        mb, ma = S.finite_or_zero(b / a0), -S.finite_or_zero(a / a0)
        ma[:, 0] = 1.0
        my, mzf = _lfilter_rows(mb, ma, S.finite_or_zero(xs), None if zi is None else S.finite_or_zero(zi))
        # A recursive filter's output depends on every earlier intermediate: once one overflows
        # (in float32, typically), 0 * inf = NaN can reach later samples and the final state even
        # where their own bound is small.  reach: the largest bound up to the last intermediate
        # each value depends on (the state at t bounds y up to t + order, and zf).
        T = xs.shape[1]
        zmax = np.max(mzf, axis=1, initial=0.0)[:, None]
        if T:
            seen = np.maximum.accumulate(my, axis=1)
            last = np.arange(T) + order
            ry = seen[:, np.minimum(last, T - 1)]
            ry = np.where(last >= T - 1, np.maximum(ry, zmax), ry)
            rzf = np.broadcast_to(np.maximum(seen[:, -1:], zmax), mzf.shape)
        else:
            ry, rzf = my, mzf

    def back(rows, length):
        moved = list(np.moveaxis(np.empty(shape), axis, -1).shape)
        moved[-1] = length
        return np.moveaxis(rows.reshape(moved), -1, axis)

    return dict(y=back(y, shape[axis]), zf=back(zf, order), my=back(my, shape[axis]), mzf=back(mzf, order),
                ry=back(ry, shape[axis]), rzf=back(rzf, order))


def lfilter_check(got, ref, case: Case):
    p = case.params
    terms = p["order"] + 1
    out = case.kwargs.get("out")
    if p["zi"] is None:
        y = got
    else:
        assert isinstance(got, tuple) and len(got) == 2, "lfilter with zi must return (y, zf)"
        y, zf = got
        assert_fresh_output(zf, ref["zf"].shape, p["dtype"], None, "zf")
        assert_ieee_close(zf, ref["zf"], ref["mzf"], p["dtype"], terms, "zf", ref["rzf"])
    assert_fresh_output(y, ref["y"].shape, p["dtype"], out, "y")
    assert_ieee_close(y, ref["y"], ref["my"], p["dtype"], terms, "y", ref["ry"])


# --------------------------------------------------------------------------------------------------
# fir (filter banks too)


@st.composite
def fir_cases(draw) -> Case:
    x, axis, error, label = draw(_signal())
    ch = _channel_shape(x.values.shape, axis) if error is None else ()
    h, h_err, h_label = draw(_coefficients("h", ch, dtype_defects=error is None))
    if error is None and h_err:
        error, label = h_err, h_label
    kwargs: Dict[str, Any] = {"axis": axis}
    dtype = S.computation_dtype(x)
    error, label, out_guard = _maybe_out(draw, kwargs, x.values.shape, dtype, error, label)
    return Case((h.value, x.value), kwargs, x.buffers + h.buffers, error, label,
                dict(x=x, h=h, axis=axis, dtype=dtype), out_guard, (ValueError, "out") if out_guard else None)


def fir_reference(case: Case):
    p = case.params
    dt, axis, x = p["dtype"], p["axis"], p["x"]
    shape = x.values.shape
    xs = S.move_time_last(x.as_float(dt), axis)
    h = S.bank_rows(p["h"].as_float(dt), _channel_shape(shape, axis))
    T = xs.shape[1]
    y, mag = np.empty_like(xs), np.empty_like(xs)
    with np.errstate(all="ignore"):
        for c in range(xs.shape[0]):
            if T:  # the lecture's sum over n - m >= 0 only, as np.convolve's full mode
                y[c] = np.convolve(h[c], xs[c])[:T]
                mag[c] = np.convolve(S.finite_or_zero(h[c]), S.finite_or_zero(xs[c]))[:T]
    moved = np.moveaxis(np.empty(shape), axis, -1).shape
    return dict(y=np.moveaxis(y.reshape(moved), -1, axis), my=np.moveaxis(mag.reshape(moved), -1, axis),
                K=h.shape[-1])


def fir_check(got, ref, case: Case):
    assert_fresh_output(got, ref["y"].shape, case.params["dtype"], case.kwargs.get("out"), "y")
    assert_ieee_close(got, ref["y"], ref["my"], case.params["dtype"], ref["K"], "y")


# --------------------------------------------------------------------------------------------------
# lfilter_zi


@st.composite
def lfilter_zi_cases(draw) -> Case:
    defect = _defect(draw, ["b 2-d", "a 2-d", "b empty", "a zero", "b dtype", "a dtype"], 65)

    def coef(name, first_nonzero):
        k = draw(st.integers(1, 8))
        if defect == f"{name} 2-d":
            return draw(S.arrays((2, k), dtypes=("float64",))), (ValueError, name)
        if defect == f"{name} empty":
            return draw(S.arrays((0,), dtypes=("float64",))), (ValueError, name)
        if defect == f"{name} zero":
            return draw(S.arrays((k,), dtypes=("float64",), values=lambda r, s, d: np.zeros(s))), (ValueError, name)
        if defect == f"{name} dtype":
            return draw(S.arrays((k,), dtypes=S.INVALID_DTYPES)), (TypeError, name)
        # Also exactly singular systems (a pole at z = 1: sum(a) == 0), which must raise.
        if name == "a" and draw(st.integers(0, 7)) == 7:
            fixed = draw(st.sampled_from([[1.0, -1.0], [1.0, -0.5, -0.5], [2.0, -1.0, -1.0, 0.0]]))
            return S.Arr(fixed, np.array(fixed), [], np.dtype(np.float64)), None

        fraction = draw(st.sampled_from([0.0, 0.0, 0.0, 0.1]))

        def values(rng, shape, dtype):
            v = S.make_values(rng, shape, dtype, fraction)
            if first_nonzero and v.dtype.kind in "fiu" and v[0] == 0:
                v[0] = 1
            return v
        return draw(S.arrays((k,), dtypes=("float64", "float32", "int64", ">f8"), values=values)), None

    b, b_err = coef("b", False)
    a, a_err = coef("a", True)
    return Case((b.value, a.value), {}, b.buffers + a.buffers, b_err or a_err,
                defect if defect != "none" else "valid", dict(b=b, a=a))


def lfilter_zi_reference(case: Case):
    b, a = case.params["b"].values.astype(np.float64), case.params["a"].values.astype(np.float64)
    a = np.trim_zeros(a, "f")
    if max(b.size, a.size) == 1:
        return np.zeros(0)  # an order-0 filter has no state (scipy's companion() refuses size 1)
    try:
        with np.errstate(all="ignore"):
            # Normalise by a[0] first, and set a[0] = 1 as lfilter does: scipy's companion() would
            # divide by the normalised a[0] again, a NaN when a[0] is infinite.
            b, a = b / a[0], a / a[0]
            a[0] = 1.0
            return ss.lfilter_zi(b, a)
    except np.linalg.LinAlgError:
        raise Expect(ValueError, "a") from None


def lfilter_zi_check(got, ref, case: Case):
    assert isinstance(got, np.ndarray) and got.shape == ref.shape, f"zi: {np.shape(got)}, expected {ref.shape}"
    scale = max(1.0, float(np.max(S.finite_or_zero(ref), initial=0.0)))
    np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-12 * scale, equal_nan=True)


# --------------------------------------------------------------------------------------------------
# freqz


@st.composite
def freqz_cases(draw) -> Case:
    defect = _defect(draw, ["b 2-d", "b dtype", "a dtype", "worN negative", "fs"], 70)
    b = draw(S.arrays((draw(st.integers(1, 10)),), dtypes=("float64", "float32", "int64") if defect != "b dtype"
                      else S.INVALID_DTYPES))
    if defect == "b 2-d":
        b = draw(S.arrays((2, 3), dtypes=("float64",)))
    kind = draw(st.sampled_from(["default", "scalar", "vector"])) if defect != "a dtype" else "vector"
    a = None
    if kind == "scalar":
        a = S.Arr(draw(st.sampled_from([1, 2.0, -0.5, 0.0])), np.zeros(0), [], np.dtype(float))
    elif kind == "vector" or defect == "a dtype":
        a = draw(S.arrays((draw(st.integers(1, 6)),), dtypes=("float64", "int64") if defect != "a dtype"
                          else ("complex128", "object")))
    kwargs: Dict[str, Any] = {}
    worN = draw(st.one_of(st.integers(0, 600), st.just(512), st.sampled_from([np.int64(7), 1.5, 0.25]),
                          st.lists(st.floats(-4, 4), min_size=0, max_size=20).map(np.array)))
    if defect == "worN negative":
        worN = draw(st.sampled_from([-1, -512]))
    kwargs["worN"] = worN
    kwargs["whole"] = draw(st.booleans())
    if draw(st.booleans()) or defect == "fs":
        kwargs["fs"] = draw(st.sampled_from([1.0, 1000, 2 * np.pi, 44100.0])) if defect != "fs" else \
            draw(st.sampled_from([0.0, -1.0, np.nan, np.inf, "x", [1.0, 2.0]]))
    errors = {"b 2-d": (ValueError, "b"), "b dtype": (TypeError, "b"), "a dtype": (TypeError, "a"),
              "worN negative": (ValueError, "worN"), "fs": (ValueError, "fs")}
    args = (b.value,) if a is None else (b.value, a.value)
    buffers = b.buffers + ([] if a is None else a.buffers)
    return Case(args, kwargs, buffers, errors.get(defect), defect if defect != "none" else f"valid a={kind}",
                dict(b=b, a=a))


def freqz_reference(case: Case):
    b = case.params["b"].values.astype(np.float64)
    a = case.params["a"]
    a = np.atleast_1d(np.asarray(a.value if a.values.size == 0 else a.values, dtype=np.float64)) if a else np.ones(1)
    with np.errstate(all="ignore"):
        w, h = ss.freqz(b, a, **case.kwargs)
        # |A(e^jw)| evaluated directly, to know where the ratio is well conditioned.
        wr = 2 * np.pi * w / case.kwargs.get("fs", 2 * np.pi)
        z = np.exp(-1j * np.multiply.outer(wr, np.arange(a.size)))
        a_abs = np.abs(z @ a) if a.size else np.abs(wr)
    return dict(w=w, h=h, a_abs=a_abs, sb=np.abs(b).sum(), sa=np.abs(a).sum(), finite=np.isfinite(b).all() and np.isfinite(a).all())


def freqz_check(got, ref, case: Case):
    w, h = got
    assert w.shape == ref["w"].shape and h.shape == ref["h"].shape, f"w, h: {w.shape}, {h.shape}"
    np.testing.assert_allclose(w, ref["w"], rtol=1e-12, atol=1e-12 * case.kwargs.get("fs", 2 * np.pi))
    # Non-finite coefficients or a zero of A on the circle: inf / NaN wherever scipy has them (the
    # split between inf and NaN differs between scipy's FFT and direct evaluation, so compare
    # finiteness only); elsewhere the values within a bound for evaluating the two polynomials.
    assert np.array_equal(np.isfinite(h), np.isfinite(ref["h"])), "freqz: finite positions differ"
    if ref["finite"]:
        ok = (ref["a_abs"] > 1e-6 * ref["sa"]) & np.isfinite(ref["h"])
        tol = 1e-10 * (ref["sb"] + np.abs(ref["h"]) * ref["sa"]) / np.where(ok, ref["a_abs"], 1.0)
        err = np.abs(h - ref["h"])
        assert not (err > tol)[ok].any(), f"freqz: error {np.max((err - tol)[ok]):.3g} above the bound"


# --------------------------------------------------------------------------------------------------

SPECS = [
    Spec("fir", rnnlti.fir, fir_cases(), fir_reference, fir_check, max_examples=600),
    Spec("lfilter", rnnlti.lfilter, lfilter_cases(), lfilter_reference, lfilter_check, max_examples=800),
    Spec("lfilter_zi", rnnlti.lfilter_zi, lfilter_zi_cases(), lfilter_zi_reference, lfilter_zi_check, max_examples=300),
    Spec("freqz", rnnlti.freqz, freqz_cases(), freqz_reference, freqz_check, max_examples=300),
]
