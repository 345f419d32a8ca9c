"""Property specs (see function_specs.py) for the nonlinear filters, the vector RNN, the gradients
and the rest of scipy's filtering family.  The same rules as function_specs.py, adapted:

- Each case is valid, or carries one defect (a non-real dtype -> TypeError, a wrong shape, axis or
  activation -> ValueError, naming the argument).
- Recursive weights (nonlinear_iir's w, the RNN's V, the denominators) are drawn contractive, and
  states/activations moderate, so no finite intermediate overflows: then which outputs are finite
  does not depend on the order of the additions, and it must equal the reference's exactly (NaN and
  inf in the data and the weights propagate like IEEE arithmetic in the lecture's loops).
- Finite values agree within a norm-wise bound: rtol * (|ref| + max |ref| of that output).
- References: rnnlti.reference's loops (written from the lecture), or scipy for its namesakes.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

import numpy as np
import scipy.signal as ss
from hypothesis import strategies as st

import rnnlti
import rnnlti.reference as R
import strategies as S
from function_specs import Case, Expect, Spec

ACTIVATIONS = ("tanh", "sigmoid", "relu", "identity")
COEF_DTYPES = ("float64", "float64", "float32", "int64", ">f8")
# Layouts that keep every value (no zero-stride repeats): for coefficients whose values matter (stable a, sos).
FIXED_LAYOUTS = tuple(k for k in S.LAYOUTS if k != "broadcast")
DATA_DTYPES = ("float64", "float64", "float32", "float32", ">f4", "int32", "float16", "bool")


def _uniform(scale: float, lo: float = -1.0, specials: Optional[float] = None):
    """A values(rng, shape, dtype) filler: uniform in [lo, 1) * scale, a fraction of NaN/inf."""
    def values(rng, shape, dtype):
        frac = rng.choice([0.0, 0.0, 0.0, 0.05]) if specials is None else specials
        v = rng.uniform(lo, 1.0, size=shape) * scale
        v = np.where(rng.random(shape) < frac, rng.choice(S.SPECIAL, size=shape), v)
        dt = np.dtype(dtype)
        if dt.kind in "iu":
            return np.round(np.nan_to_num(v, nan=0.0, posinf=1.0, neginf=-1.0)).astype(dt)
        if dt.kind == "b":
            return v > 0
        return np.asarray(v.astype(dt))
    return values


def _rtol(dtype) -> float:
    return 1e-9 if dtype == np.float64 else 2e-3


def assert_close(got, ref, dtype, what: str, scale: float = 0.0):
    """Same shape and dtype, the same finite positions, finite values within the norm-wise bound
    (relative to the largest of max |ref| and ``scale``, e.g. the input's magnitude where the
    output may cancel to far below it)."""
    assert isinstance(got, np.ndarray), f"{what} is {type(got).__name__}, not an ndarray"
    assert got.dtype == dtype, f"{what}: dtype {got.dtype}, expected {dtype}"
    ref = np.asarray(ref, np.float64)
    assert got.shape == ref.shape, f"{what}: shape {got.shape}, expected {ref.shape}"
    g = got.astype(np.float64)
    bad = np.isfinite(g) != np.isfinite(ref)
    assert not bad.any(), (f"{what}: finiteness differs at {np.argwhere(bad)[:5].tolist()}: got {g[bad][:5]}, "
                           f"expected {ref[bad][:5]}")
    both = np.isfinite(ref)
    if both.any():
        scale = max(np.max(np.abs(ref[both])), scale)
        err = np.abs(g - ref)[both]
        # Plus an absolute floor at the dtype's smallest normal number: subnormal results carry fewer
        # significant bits (a relative bound cannot hold there).
        tol = _rtol(dtype) * (np.abs(ref[both]) + scale) + 64 * np.finfo(dtype).smallest_normal
        worst = int(np.argmax(err - tol))
        assert not (err > tol).any(), f"{what}: error {err[worst]:.3g} above {tol[worst]:.3g}"


def _rows(arr: np.ndarray, axis: int) -> np.ndarray:
    return S.move_time_last(arr, axis)


def _back(rows: np.ndarray, shape, axis: int, length: int) -> np.ndarray:
    moved = list(np.moveaxis(np.empty(shape), axis, -1).shape)
    moved[-1] = length
    return np.moveaxis(rows.reshape(moved), -1, axis)


def _state_shape(shape, axis, length):
    s = list(shape)
    s[axis] = length
    return tuple(s)


@st.composite
def _case(draw, build, shape_names=(), activation=False, axis_arg=False, defects=True) -> Case:
    """A Case from ``build(draw) -> (names, arrs, kwargs, params)``: ``arrs[name]`` an S.Arr (or
    None: not passed), ``names`` the positional arguments in order; then maybe one defect."""
    names, arrs, kwargs, params = build(draw)
    error, label = None, "valid"
    kinds = ["dtype"] + (["shape"] if shape_names else []) + (["activation"] if activation else []) \
        + (["axis"] if axis_arg else [])
    defect = S_defect(draw, kinds) if defects else "none"
    given = [n for n in arrs if arrs[n] is not None]
    if defect == "dtype":
        name = draw(st.sampled_from(given))
        arrs[name] = draw(S.arrays(np.shape(arrs[name].values), dtypes=S.INVALID_DTYPES, layouts=("C", "F", "strided")))
        error, label = (TypeError, name), f"{name} dtype"
    elif defect == "shape":
        name = draw(st.sampled_from([n for n in shape_names if arrs.get(n) is not None] or [None]))
        if name is not None:
            shape = list(np.shape(arrs[name].values))
            shape[-1] += 2
            arrs[name] = draw(S.arrays(tuple(shape), dtypes=("float64",), layouts=("C",)))
            error, label = (ValueError, name), f"{name} shape"
    elif defect == "activation":
        kwargs["activation"] = draw(st.sampled_from(["gelu", "Tanh", None, 3]))
        error, label = (ValueError, "activation"), "activation"
    elif defect == "axis":
        kwargs["axis"] = draw(st.sampled_from([7, -8, 2.0, "0"]))
        error = (TypeError, "axis") if not isinstance(kwargs["axis"], int) else (ValueError, "axis")
        label = "axis"
    args = tuple(arrs[n].value if arrs[n] is not None else None for n in names)
    for n, a in arrs.items():
        if n not in names and a is not None:
            kwargs[n] = a.value
    buffers = [b for a in arrs.values() if a is not None for b in a.buffers]
    params = dict(params, arrs=arrs)
    return Case(args, kwargs, buffers, error, label, params)


def S_defect(draw, kinds: List[str]) -> str:
    if draw(st.integers(0, 99)) < 75:
        return "none"
    return draw(st.sampled_from(kinds))


def _dtype_of(case: Case, *names) -> np.dtype:
    return S.computation_dtype(*(case.params["arrs"].get(n) for n in names))


def _f(case: Case, name: str, dt) -> Optional[np.ndarray]:
    a = case.params["arrs"].get(name)
    return None if a is None else a.as_float(dt)


# --------------------------------------------------------------------------------------------------
# nonlinear_fir, nonlinear_fir_backward


def _signal_shape(draw, max_size=300):
    return draw(S.signal_shapes(max_ndim=4, max_size=max_size))


def _nfir_build(draw):
    shape, axis = _signal_shape(draw)
    x = draw(S.arrays(shape, dtypes=DATA_DTYPES))
    w = draw(S.arrays((draw(st.integers(1, 8)),), dtypes=COEF_DTYPES))
    act = draw(st.sampled_from(ACTIVATIONS))
    return ["w", "x"], {"w": w, "x": x}, {"activation": act, "axis": axis}, dict(axis=axis, act=act, shape=shape)


def nonlinear_fir_reference(case: Case):
    p = case.params
    dt = _dtype_of(case, "x")
    w, xs = _f(case, "w", dt), _rows(_f(case, "x", dt), p["axis"])
    with np.errstate(all="ignore"):
        y = np.array([R.nonlinear_fir(w, r, p["act"]) for r in xs]).reshape(xs.shape)
    return dict(y=_back(y, p["shape"], p["axis"], xs.shape[1]), dtype=dt)


def nonlinear_fir_check(got, ref, case):
    assert_close(got, ref["y"], ref["dtype"], "yhat")


def _nfir_back_build(draw):
    names, arrs, kwargs, params = _nfir_build(draw)
    shape, act = params["shape"], params["act"]
    arrs["yhat"] = draw(S.arrays(shape, dtypes=DATA_DTYPES, values=_uniform(0.99)))
    arrs["dyhat"] = draw(S.arrays(shape, dtypes=DATA_DTYPES, values=_uniform(2.0)))
    return names + ["yhat", "dyhat"], arrs, kwargs, params


def nonlinear_fir_backward_reference(case: Case):
    p = case.params
    dt = _dtype_of(case, "x", "yhat", "dyhat")
    w = _f(case, "w", dt)
    xs, ys, ds = (_rows(_f(case, n, dt), p["axis"]) for n in ("x", "yhat", "dyhat"))
    dw = np.zeros(w.size)
    dx = np.zeros(xs.shape)
    with np.errstate(all="ignore"):
        for c in range(xs.shape[0]):
            dwc, dx[c] = R.nonlinear_fir_backward(w, xs[c], ys[c], ds[c], p["act"])
            dw = dw + dwc
    return dict(dw=dw, dx=_back(dx, p["shape"], p["axis"], xs.shape[1]), dtype=dt)


def nonlinear_fir_backward_check(got, ref, case):
    dw, dx = got
    assert_close(dw, ref["dw"], ref["dtype"], "dw")
    assert_close(dx, ref["dx"], ref["dtype"], "dx")


# --------------------------------------------------------------------------------------------------
# nonlinear_iir, nonlinear_iir_backward: contractive w (sum |w| < 1), moderate states


def _niir_build(draw, backward=False):
    shape, axis = _signal_shape(draw)
    M = draw(st.integers(1, 4))
    w = draw(S.arrays((M,), dtypes=COEF_DTYPES[:3] + (">f8",), values=_uniform(0.9 / M)))
    act = draw(st.sampled_from(ACTIVATIONS))
    lo = 0.0 if act == "sigmoid" else -1.0
    arrs: Dict[str, Any] = {"w": w}
    if backward:
        arrs["h"] = draw(S.arrays(shape, dtypes=DATA_DTYPES, values=_uniform(0.99, lo)))
        arrs["dh_partial"] = draw(S.arrays(shape, dtypes=DATA_DTYPES, values=_uniform(2.0)))
    else:
        arrs["x"] = draw(S.arrays(shape, dtypes=DATA_DTYPES, values=_uniform(3.0)))
    arrs["h0"] = draw(S.arrays(_state_shape(shape, axis, M), dtypes=DATA_DTYPES, values=_uniform(0.99, lo))) \
        if draw(st.booleans()) else None
    names = ["w", "h", "dh_partial"] if backward else ["w", "x"]
    return names, arrs, {"activation": act, "axis": axis}, dict(axis=axis, act=act, shape=shape, M=M)


def nonlinear_iir_reference(case: Case):
    p = case.params
    dt = _dtype_of(case, "x", "h0")
    w, xs = _f(case, "w", dt), _rows(_f(case, "x", dt), p["axis"])
    h0 = _f(case, "h0", dt)
    h0s = None if h0 is None else _rows(h0, p["axis"])
    with np.errstate(all="ignore"):
        y = np.array([R.nonlinear_iir(w, r, p["act"], None if h0s is None else h0s[c])
                      for c, r in enumerate(xs)]).reshape(xs.shape)
    return dict(y=_back(y, p["shape"], p["axis"], xs.shape[1]), dtype=dt)


def nonlinear_iir_check(got, ref, case):
    assert_close(got, ref["y"], ref["dtype"], "h")


def nonlinear_iir_backward_reference(case: Case):
    p = case.params
    dt = _dtype_of(case, "h", "dh_partial", "h0")
    w = _f(case, "w", dt)
    hs, ds = (_rows(_f(case, n, dt), p["axis"]) for n in ("h", "dh_partial"))
    h0 = _f(case, "h0", dt)
    h0s = None if h0 is None else _rows(h0, p["axis"])
    M, T = p["M"], hs.shape[1]
    dh, dxi = np.zeros(hs.shape), np.zeros(hs.shape)
    dh0 = np.zeros((hs.shape[0], M))
    dw = np.zeros(M)
    with np.errstate(all="ignore"):
        for c in range(hs.shape[0]):
            dh[c], dxi[c], dh0[c] = R.bptt(w, hs[c], ds[c], p["act"])
            dw = dw + R.weight_gradient(dxi[c], hs[c], M, None if h0s is None else h0s[c])
    back = lambda r, n: _back(r, p["shape"], p["axis"], n)  # noqa: E731
    return dict(dh=back(dh, T), dxi=back(dxi, T), dw=dw, dx=back(dxi, T),
                dh0=None if h0 is None else back(dh0, M), dtype=dt)


def nonlinear_iir_backward_check(got, ref, case):
    for name in ("dh", "dxi", "dw", "dx"):
        assert_close(getattr(got, name), ref[name], ref["dtype"], name)
    if ref["dh0"] is None:
        assert got.dh0 is None, "dh0 must be None when h0 is not given"
    else:
        assert_close(got.dh0, ref["dh0"], ref["dtype"], "dh0")


# --------------------------------------------------------------------------------------------------
# lfilter_backward: stable denominators


def _stable_a(draw, order):
    """[1, a1..] with |roots| < 0.9 (a product of first-order factors), or a pure gain."""
    poles = draw(st.lists(st.floats(-0.9, 0.9), min_size=order, max_size=order))
    a = np.poly(poles) if order else np.ones(1)
    return a * draw(st.sampled_from([1.0, 1.0, 2.0, -0.5]))


def _lfb_build(draw):
    shape, axis = _signal_shape(draw)
    b = draw(S.arrays((draw(st.integers(1, 5)),), dtypes=COEF_DTYPES))
    av = _stable_a(draw, draw(st.integers(0, 4)))
    a = draw(S.arrays(av.shape, dtypes=("float64", ">f8"), values=lambda r, s, d: av.astype(d), specials=False,
                      layouts=FIXED_LAYOUTS))
    arrs = {"b": b, "a": a}
    # y given (any values: da is formed from it), or None: then da is formed from x, and the reference
    # from y = lfilter(b, a, x, zi); finite values only there, since the two formulas meet infinities
    # in different products (inf - inf = NaN in one, inf in the other).
    given_y = draw(st.booleans())
    sp = None if given_y else 0.0
    for n, sc in (("x", 3.0), ("y", 3.0), ("dy", 2.0)):
        arrs[n] = draw(S.arrays(shape, dtypes=DATA_DTYPES, values=_uniform(sc, specials=sp)))
    if not given_y:
        arrs["y"] = None
    order = max(av.size, b.values.size) - 1
    arrs["zi"] = draw(S.arrays(_state_shape(shape, axis, order), dtypes=DATA_DTYPES,
                               values=_uniform(1.0, specials=sp))) if draw(st.booleans()) else None
    return ["b", "a", "x", "y", "dy"], arrs, {"axis": axis}, dict(axis=axis, shape=shape, order=order)


def lfilter_backward_reference(case: Case):
    p = case.params
    dt = _dtype_of(case, "x", "y", "dy", "zi")
    b, a = _f(case, "b", dt), _f(case, "a", dt)
    xs, ds = (_rows(_f(case, n, dt), p["axis"]) for n in ("x", "dy"))
    zi = _f(case, "zi", dt)
    if p["arrs"]["y"] is not None:
        ys = _rows(_f(case, "y", dt), p["axis"])
    else:  # the forward output, zi's response included
        zs = np.zeros(xs.shape[:1] + (p["order"],)) if zi is None else \
            _rows(np.broadcast_to(zi, _state_shape(p["shape"], p["axis"], p["order"])), p["axis"])
        ys = np.zeros(xs.shape)
        with np.errstate(all="ignore"):
            for c in range(xs.shape[0]):
                ys[c] = R.lfilter(b, a, xs[c], zs[c])[0]
    db, da = np.zeros(b.size), np.zeros(a.size)
    dx, dzi = np.zeros(xs.shape), np.zeros((xs.shape[0], p["order"]))
    with np.errstate(all="ignore"):
        for c in range(xs.shape[0]):
            dbc, dac, dx[c], dzc = R.lfilter_backward(b, a, xs[c], ys[c], ds[c])
            db, da = db + dbc, da + dac
            dzi[c, : dzc.size] = dzc
    T = xs.shape[1]
    return dict(db=db, da=da, dx=_back(dx, p["shape"], p["axis"], T),
                dzi=None if zi is None else _back(dzi, p["shape"], p["axis"], p["order"]), dtype=dt)


def lfilter_backward_check(got, ref, case):
    for name in ("db", "da", "dx"):
        assert_close(getattr(got, name), ref[name], ref["dtype"], name)
    if ref["dzi"] is None:
        assert got.dzi is None
    else:
        assert_close(got.dzi, ref["dzi"], ref["dtype"], "dzi")


# --------------------------------------------------------------------------------------------------
# The vector RNN: rnn_forward, rnn_backward, readout_loss


def _rnn_build(draw, backward=False):
    batched = draw(st.booleans())
    B = draw(st.sampled_from([0, 1, 2, 3, 17])) if batched else None
    T = draw(st.sampled_from([0, 1, 2, 5, 30]))
    D, N, M = draw(st.integers(1, 5)), draw(st.integers(1, 9)), draw(st.integers(1, 3))
    lead = (B,) if batched else ()
    act = draw(st.sampled_from(ACTIVATIONS))
    lo = 0.0 if act == "sigmoid" else -1.0
    # Without h0, the kernels leave the V h[t-m] terms of the first M steps out (there is no state),
    # while the reference loops multiply a zero state (inf * 0 = NaN): the two agree except with
    # NaN/inf, so NaN/inf are drawn only in the examples with an explicit h0.
    with_h0 = draw(st.booleans())
    sp = None if with_h0 else 0.0
    arrs: Dict[str, Any] = {"x": draw(S.arrays(lead + (T, D), dtypes=DATA_DTYPES, values=_uniform(2.0, specials=sp)))}
    if backward:
        arrs["h"] = draw(S.arrays(lead + (T, N), dtypes=DATA_DTYPES, values=_uniform(0.99, lo, sp)))
    arrs["U"] = draw(S.arrays((N, D), dtypes=COEF_DTYPES, values=_uniform(1.0 / D, specials=sp)))
    arrs["V"] = draw(S.arrays((M, N, N), dtypes=COEF_DTYPES, values=_uniform(0.9 / (M * N), specials=sp)))
    if backward:
        arrs["dh_partial"] = draw(S.arrays(lead + (T, N), dtypes=DATA_DTYPES, values=_uniform(2.0, specials=sp)))
    arrs["b"] = draw(S.arrays((N,), dtypes=COEF_DTYPES, values=_uniform(0.5, specials=sp))) if draw(st.booleans()) else None
    arrs["h0"] = draw(S.arrays(lead + (M, N), dtypes=DATA_DTYPES, values=_uniform(0.99, lo))) if with_h0 else None
    names = ["x", "h", "U", "V", "dh_partial"] if backward else ["x", "U", "V"]
    return names, arrs, {"activation": act}, dict(batched=batched, act=act, M=M, N=N)


def _rnn_seqs(case, dt, names):
    """Per-sequence float64 arrays: {name: list over sequences or None}."""
    out = {}
    for n in names:
        v = _f(case, n, dt)
        out[n] = None if v is None else (list(v) if case.params["batched"] else [v])
    return out


def rnn_forward_reference(case: Case):
    p = case.params
    dt = _dtype_of(case, "x", "U", "V", "b", "h0")
    s = _rnn_seqs(case, dt, ["x", "h0"])
    U, V, b = _f(case, "U", dt), _f(case, "V", dt), _f(case, "b", dt)
    with np.errstate(all="ignore"):
        hs = [R.rnn_forward(x, U, V, b, None if s["h0"] is None else s["h0"][i], p["act"]) for i, x in enumerate(s["x"])]
    x = _f(case, "x", dt)
    h = np.array(hs).reshape(x.shape[:-1] + (p["N"],)) if p["batched"] else hs[0]
    return dict(h=h, dtype=dt)


def rnn_forward_check(got, ref, case):
    assert_close(got, ref["h"], ref["dtype"], "h")


def rnn_backward_reference(case: Case):
    p = case.params
    dt = _dtype_of(case, "x", "h", "U", "V", "dh_partial", "b", "h0")
    s = _rnn_seqs(case, dt, ["x", "h", "dh_partial", "h0"])
    U, V, b = _f(case, "U", dt), _f(case, "V", dt), _f(case, "b", dt)
    per = {k: [] for k in ("dh", "dxi", "dx", "dh0")}
    dU, dV, db = np.zeros(U.shape), np.zeros(V.shape), np.zeros(U.shape[0])
    with np.errstate(all="ignore"):
        for i in range(len(s["x"])):
            h0 = None if s["h0"] is None else s["h0"][i]
            dh, dxi, dUi, dVi, dbi, dx, dh0 = R.rnn_backward(s["x"][i], s["h"][i], U, V, s["dh_partial"][i],
                                                             b, h0, p["act"])
            for k, v in zip(("dh", "dxi", "dx", "dh0"), (dh, dxi, dx, dh0)):
                per[k].append(v)
            dU, dV = dU + dUi, dV + dVi
            db = db + (dbi if dbi is not None else 0.0)
    x, h = _f(case, "x", dt), _f(case, "h", dt)
    M, N = V.shape[0], U.shape[0]

    def stack(k, shape):
        return np.array(per[k]).reshape(shape) if p["batched"] else per[k][0]
    return dict(dh=stack("dh", h.shape), dxi=stack("dxi", h.shape), dx=stack("dx", x.shape),
                dh0=None if s["h0"] is None else stack("dh0", x.shape[:-2] + (M, N)),
                dU=dU, dV=dV, db=None if b is None else db, dtype=dt)


def rnn_backward_check(got, ref, case):
    for name in ("dh", "dxi", "dU", "dV", "dx"):
        assert_close(getattr(got, name), ref[name], ref["dtype"], name)
    for name in ("db", "dh0"):
        if ref[name] is None:
            assert getattr(got, name) is None, f"{name} must be None when its input is not given"
        else:
            assert_close(getattr(got, name), ref[name], ref["dtype"], name)


def _readout_build(draw):
    batched = draw(st.booleans())
    lead = (draw(st.sampled_from([0, 1, 2, 7])),) if batched else ()
    T, N, K = draw(st.sampled_from([0, 1, 3, 20])), draw(st.integers(1, 8)), draw(st.integers(1, 4))
    arrs: Dict[str, Any] = {"h": draw(S.arrays(lead + (T, N), dtypes=DATA_DTYPES, values=_uniform(1.0)))}
    arrs["W"] = draw(S.arrays((K, N), dtypes=COEF_DTYPES, values=_uniform(1.0)))
    yshape = draw(st.sampled_from([(K,), (1, K), (T, K), lead + (T, K)]))
    arrs["y"] = draw(S.arrays(yshape, dtypes=DATA_DTYPES, values=_uniform(2.0)))
    arrs["c"] = draw(S.arrays((K,), dtypes=COEF_DTYPES, values=_uniform(1.0))) if draw(st.booleans()) else None
    return ["h", "W", "y"], arrs, {}, dict(batched=batched, K=K)


def readout_loss_reference(case: Case):
    p = case.params
    dt = _dtype_of(case, "h", "W", "y", "c")
    h, W, c = _f(case, "h", dt), _f(case, "W", dt), _f(case, "c", dt)
    y = np.broadcast_to(_f(case, "y", dt), h.shape[:-1] + (p["K"],))
    hs, ys = (list(h), list(y)) if p["batched"] else ([h], [y])
    L, dW, dc, dh = 0.0, np.zeros(W.shape), np.zeros(p["K"]), []
    with np.errstate(all="ignore"):
        for hi, yi in zip(hs, ys):
            Li, dhi, dWi, dci = R.readout_loss(hi, W, yi, c)
            L, dW = L + Li, dW + dWi
            dc = dc + (dci if dci is not None else 0.0)
            dh.append(dhi)
    dh = np.array(dh).reshape(h.shape) if p["batched"] else dh[0]
    return dict(loss=np.asarray(L), dh=dh, dW=dW, dc=None if c is None else dc, dtype=dt)


def readout_loss_check(got, ref, case):
    loss = np.asarray(got.loss)
    assert loss.shape == () and np.isfinite(loss) == np.isfinite(ref["loss"]), f"loss {loss}, expected {ref['loss']}"
    if np.isfinite(ref["loss"]):
        assert abs(float(loss) - float(ref["loss"])) <= 1e2 * _rtol(ref["dtype"]) * (abs(float(ref["loss"])) + 1)
    for name in ("dh", "dW"):
        assert_close(getattr(got, name), ref[name], ref["dtype"], name)
    if ref["dc"] is None:
        assert got.dc is None
    else:
        assert_close(got.dc, ref["dc"], ref["dtype"], "dc")


# --------------------------------------------------------------------------------------------------
# sosfilt, sosfilt_zi, sosfilt_backward, sosfiltfilt: stable sections


def _sos_values(draw, n):
    rows = []
    for _ in range(n):
        p1, p2 = draw(st.floats(-0.9, 0.9)), draw(st.floats(-0.9, 0.9))
        bs = [draw(st.floats(-2, 2)) for _ in range(3)]
        rows.append(bs + [1.0, -(p1 + p2), p1 * p2])
    return np.array(rows)


def _sos_arr(draw, specials=True):
    sv = _sos_values(draw, draw(st.integers(1, 4)))
    if specials and draw(st.integers(0, 9)) == 0:  # NaN/inf in b (a0 must stay 1)
        sv[draw(st.integers(0, len(sv) - 1)), draw(st.integers(0, 2))] = draw(st.sampled_from(list(S.SPECIAL)))
    return draw(S.arrays(sv.shape, dtypes=("float64", "float64", "float32", ">f8"), layouts=FIXED_LAYOUTS,
                         values=lambda r, s, d: sv.astype(d), specials=False))


def _sosfilt_build(draw, backward=False):
    shape, axis = _signal_shape(draw)
    sos = _sos_arr(draw)
    n = sos.values.shape[0]
    arrs: Dict[str, Any] = {"sos": sos, "x": draw(S.arrays(shape, dtypes=DATA_DTYPES, values=_uniform(3.0)))}
    if backward:
        arrs["dy"] = draw(S.arrays(shape, dtypes=DATA_DTYPES, values=_uniform(2.0)))
    arrs["zi"] = draw(S.arrays((n,) + _state_shape(shape, axis, 2), dtypes=DATA_DTYPES, values=_uniform(1.0))) \
        if draw(st.booleans()) else None
    names = ["sos", "x", "dy"] if backward else ["sos", "x"]
    return names, arrs, {"axis": axis}, dict(axis=axis, shape=shape, n=n)


def _zi_rows(zi, axis):
    """(n, ...x with time 2...) -> (channels, n, 2)."""
    return np.stack([_rows(z, axis) for z in zi], axis=1)


def _zi_back(rows, shape, axis):
    return np.stack([_back(rows[:, s], shape, axis, 2) for s in range(rows.shape[1])])


def sosfilt_reference(case: Case):
    p = case.params
    dt = _dtype_of(case, "x", "zi")
    sos, xs = _f(case, "sos", dt), _rows(_f(case, "x", dt), p["axis"])
    zi = _f(case, "zi", dt)
    zis = None if zi is None else _zi_rows(zi, p["axis"])
    y, zf = np.zeros(xs.shape), np.zeros((xs.shape[0], p["n"], 2))
    with np.errstate(all="ignore"):
        for c in range(xs.shape[0]):
            y[c], zf[c] = R.sosfilt(sos, xs[c], None if zis is None else zis[c])
    return dict(y=_back(y, p["shape"], p["axis"], xs.shape[1]),
                zf=None if zi is None else _zi_back(zf, p["shape"], p["axis"]), dtype=dt)


def sosfilt_check(got, ref, case):
    if ref["zf"] is None:
        assert_close(got, ref["y"], ref["dtype"], "y")
    else:
        y, zf = got
        assert_close(y, ref["y"], ref["dtype"], "y")
        assert_close(zf, ref["zf"], ref["dtype"], "zf")


def sosfilt_backward_reference(case: Case):
    """The cascade's VJP as the chain of each section's lfilter VJP (rnnlti.reference.lfilter_backward)."""
    p = case.params
    dt = _dtype_of(case, "x", "dy", "zi")
    sos = _f(case, "sos", dt)
    xs, ds = _rows(_f(case, "x", dt), p["axis"]), _rows(_f(case, "dy", dt), p["axis"])
    zi = _f(case, "zi", dt)
    zis = None if zi is None else _zi_rows(zi, p["axis"])
    n = p["n"]
    dsos = np.zeros((n, 6))
    dx, dzi = np.zeros(xs.shape), np.zeros((xs.shape[0], n, 2))
    with np.errstate(all="ignore"):
        for c in range(xs.shape[0]):
            ins = [xs[c]]
            for s in range(n):
                z = np.zeros(2) if zis is None else zis[c, s]
                ins.append(R.lfilter(sos[s, :3], sos[s, 3:], ins[-1], z)[0])
            g = ds[c]
            for s in reversed(range(n)):
                db, da, g, dz = R.lfilter_backward(sos[s, :3], sos[s, 3:], ins[s], ins[s + 1], g)
                dsos[s] += np.concatenate([db, da])
                dzi[c, s, : dz.size] = dz
            dx[c] = g
    return dict(dsos=dsos, dx=_back(dx, p["shape"], p["axis"], xs.shape[1]),
                dzi=None if zi is None else _zi_back(dzi, p["shape"], p["axis"]), dtype=dt)


def sosfilt_backward_check(got, ref, case):
    # Column 3 (a0, fixed at 1) is not a free parameter: compare the other five.
    cols = [0, 1, 2, 4, 5]
    assert got.dsos.shape == ref["dsos"].shape, f"dsos: {got.dsos.shape}"
    assert_close(np.ascontiguousarray(got.dsos[:, cols]), ref["dsos"][:, cols], ref["dtype"], "dsos")
    assert_close(got.dx, ref["dx"], ref["dtype"], "dx")
    if ref["dzi"] is None:
        assert got.dzi is None
    else:
        assert_close(got.dzi, ref["dzi"], ref["dtype"], "dzi")


@st.composite
def sosfilt_zi_cases(draw) -> Case:
    defect = S_defect(draw, ["dtype", "shape"])
    sos = _sos_arr(draw, specials=False)
    if defect == "dtype":
        sos = draw(S.arrays(sos.values.shape, dtypes=S.INVALID_DTYPES, layouts=("C",)))
        return Case((sos.value,), {}, sos.buffers, (TypeError, "sos"), "sos dtype", {})
    if defect == "shape":
        sos = draw(S.arrays((sos.values.shape[0], 5), dtypes=("float64",), layouts=("C",)))
        return Case((sos.value,), {}, sos.buffers, (ValueError, "sos"), "sos shape", {})
    return Case((sos.value,), {}, sos.buffers, None, "valid", dict(sos=sos))


def sosfilt_zi_reference(case: Case):
    sos = case.params["sos"]
    return dict(zi=ss.sosfilt_zi(sos.values.astype(np.float64)), dtype=S.computation_dtype(sos))


def sosfilt_zi_check(got, ref, case):
    assert isinstance(got, np.ndarray) and got.shape == ref["zi"].shape, f"zi: {np.shape(got)}"
    np.testing.assert_allclose(got, ref["zi"], rtol=1e-4 if ref["dtype"] == np.float32 else 1e-9,
                               atol=1e-5 if ref["dtype"] == np.float32 else 1e-12)


# --------------------------------------------------------------------------------------------------
# filtfilt, sosfiltfilt, lfiltic (scipy's namesakes are the reference)


def _pad_kwargs(draw, kwargs):
    kwargs["padtype"] = draw(st.sampled_from(["odd", "even", "constant", None]))
    kwargs["padlen"] = draw(st.sampled_from([None, None, 0, 1, 3, 7]))


def _filtfilt_build(draw):
    shape, axis = _signal_shape(draw)
    b = draw(S.arrays((draw(st.integers(1, 5)),), dtypes=COEF_DTYPES, specials=False))
    av = _stable_a(draw, draw(st.integers(0, 3)))
    a = draw(S.arrays(av.shape, dtypes=("float64",), values=lambda r, s, d: av.astype(d), specials=False,
                      layouts=FIXED_LAYOUTS))
    x = draw(S.arrays(shape, dtypes=DATA_DTYPES, values=_uniform(3.0)))
    kwargs: Dict[str, Any] = {"axis": axis}
    _pad_kwargs(draw, kwargs)
    return ["b", "a", "x"], {"b": b, "a": a, "x": x}, kwargs, dict(axis=axis)


def _scipy_or_expect(func, *args, **kwargs):
    try:
        with np.errstate(all="ignore"):
            return func(*args, **kwargs)
    except ValueError as e:
        if "padlen" in str(e):
            raise Expect(ValueError, "padlen") from None
        raise


def _one_channel_if_empty(func, x, axis, **kw):
    """scipy cannot filter zero channels; rnnlti returns an empty output (after the same padlen check)."""
    if x.size or x.shape[axis] == 0:
        return None
    probe = np.zeros(_state_shape((1,) * x.ndim, axis, x.shape[axis]))
    func(probe, axis=axis, **kw)  # raises Expect where scipy refuses the length
    return np.zeros(x.shape)


def filtfilt_reference(case: Case):
    dt = _dtype_of(case, "x")
    b, a, x = (_f(case, n, dt) for n in ("b", "a", "x"))
    kw = {k: v for k, v in case.kwargs.items() if k in ("padtype", "padlen")}
    axis = case.kwargs["axis"]
    if max(a.size, b.size) == 1:
        # An order-0 filter, a gain (scipy's lfilter_zi refuses it): padlen's rule, then the gain twice.
        edge = 0 if kw["padtype"] is None else (3 if kw["padlen"] is None else kw["padlen"])
        if x.shape[axis] <= edge:
            raise Expect(ValueError, "padlen")
        return dict(y=x * (b[0] / a[0]) * (b[0] / a[0]), dtype=dt)

    # Zero-padded to a common length, as rnnlti (and function_specs' lfilter reference) does:
    # scipy's FIR shortcut for len(a) == 1 would skip the 0 * NaN feedback terms.
    n = max(a.size, b.size)
    b, a = np.pad(b, (0, n - b.size)), np.pad(a, (0, n - a.size))

    def run(v, axis):
        return _scipy_or_expect(ss.filtfilt, b, a, v, axis=axis, **kw)
    empty = _one_channel_if_empty(run, x, axis)
    return dict(y=run(x, axis) if empty is None else empty, dtype=dt)


def filtfilt_check(got, ref, case):
    # Zero-phase filtering can cancel to far below the input (e.g. a zero at DC on a constant
    # signal): the bound is relative to the input's magnitude too.
    x = np.asarray(case.params["arrs"]["x"].values, np.float64)
    xs = float(np.max(S.finite_or_zero(x), initial=0.0))
    assert_close(got, ref["y"], ref["dtype"], "y", xs)


def _sosfiltfilt_build(draw):
    shape, axis = _signal_shape(draw)
    x = draw(S.arrays(shape, dtypes=DATA_DTYPES, values=_uniform(3.0)))
    kwargs: Dict[str, Any] = {"axis": axis}
    _pad_kwargs(draw, kwargs)
    return ["sos", "x"], {"sos": _sos_arr(draw, specials=False), "x": x}, kwargs, dict(axis=axis)


def sosfiltfilt_reference(case: Case):
    dt = _dtype_of(case, "x")
    sos, x = _f(case, "sos", dt), _f(case, "x", dt)
    kw = {k: v for k, v in case.kwargs.items() if k in ("padtype", "padlen")}
    axis = case.kwargs["axis"]
    if kw["padlen"] is None and kw["padtype"] is not None:
        # scipy's default padlen counts the zero b2/a2 of the sos as given (a tiny float64 a2 that
        # the float32 cast flushes to 0 still counts as nonzero), as rnnlti does.
        raw = np.asarray(case.params["arrs"]["sos"].values, np.float64)
        n = raw.shape[0]
        kw["padlen"] = 3 * (2 * n + 1 - min(int((raw[:, 2] == 0).sum()), int((raw[:, 5] == 0).sum())))

    def run(v, axis):
        return _scipy_or_expect(ss.sosfiltfilt, sos, v, axis=axis, **kw)
    empty = _one_channel_if_empty(run, x, axis)
    return dict(y=run(x, axis) if empty is None else empty, dtype=dt)


def _lfiltic_build(draw):
    b = draw(S.arrays((draw(st.integers(1, 5)),), dtypes=COEF_DTYPES))
    a = draw(S.arrays((draw(st.integers(1, 5)),), dtypes=COEF_DTYPES,
                      values=lambda r, s, d: np.concatenate([[1.0], r.uniform(-0.5, 0.5, s[0] - 1)]).astype(d)))
    arrs = {"b": b, "a": a, "y": draw(S.arrays((draw(st.integers(0, 6)),), dtypes=DATA_DTYPES))}
    arrs["x"] = draw(S.arrays((draw(st.integers(0, 6)),), dtypes=DATA_DTYPES)) if draw(st.booleans()) else None
    return ["b", "a", "y", "x"], arrs, {}, {}


def lfiltic_reference(case: Case):
    dt = _dtype_of(case, "b", "a", "y", "x")
    b, a, y, x = (_f(case, n, dt) for n in ("b", "a", "y", "x"))
    with np.errstate(all="ignore"):
        return dict(zi=ss.lfiltic(b, a, y, x), dtype=dt)


def lfiltic_check(got, ref, case):
    assert isinstance(got, np.ndarray) and got.shape == ref["zi"].shape, f"zi: {np.shape(got)}, expected {ref['zi'].shape}"
    assert_close(got.astype(ref["dtype"]) if got.dtype != ref["dtype"] else got, ref["zi"], ref["dtype"], "zi")


def _spec(name, build, ref, check, n, **kw):
    return Spec(name, getattr(rnnlti, name), _case(build, **kw), ref, check, max_examples=n)


SIGNAL = dict(axis_arg=True)
MORE_SPECS = [
    _spec("nonlinear_fir", _nfir_build, nonlinear_fir_reference, nonlinear_fir_check, 400, activation=True, **SIGNAL),
    _spec("nonlinear_fir_backward", _nfir_back_build, nonlinear_fir_backward_reference, nonlinear_fir_backward_check,
          100, shape_names=("yhat", "dyhat"), activation=True, **SIGNAL),
    _spec("nonlinear_iir", _niir_build, nonlinear_iir_reference, nonlinear_iir_check, 400,
          shape_names=("h0",), activation=True, **SIGNAL),
    _spec("nonlinear_iir_backward", lambda d: _niir_build(d, backward=True), nonlinear_iir_backward_reference,
          nonlinear_iir_backward_check, 300, shape_names=("dh_partial", "h0"), activation=True, **SIGNAL),
    _spec("lfilter_backward", _lfb_build, lfilter_backward_reference, lfilter_backward_check, 300,
          shape_names=("y", "dy", "zi"), **SIGNAL),
    _spec("rnn_forward", _rnn_build, rnn_forward_reference, rnn_forward_check, 400,
          shape_names=("U", "V", "b", "h0"), activation=True),
    _spec("rnn_backward", lambda d: _rnn_build(d, backward=True), rnn_backward_reference, rnn_backward_check, 300,
          shape_names=("h", "dh_partial", "U", "V", "b", "h0"), activation=True),
    _spec("readout_loss", _readout_build, readout_loss_reference, readout_loss_check, 400, shape_names=("W", "c")),
    _spec("sosfilt", _sosfilt_build, sosfilt_reference, sosfilt_check, 400, shape_names=("sos", "zi"), **SIGNAL),
    _spec("sosfilt_backward", lambda d: _sosfilt_build(d, backward=True), sosfilt_backward_reference,
          sosfilt_backward_check, 300, shape_names=("sos", "dy", "zi"), **SIGNAL),
    Spec("sosfilt_zi", rnnlti.sosfilt_zi, sosfilt_zi_cases(), sosfilt_zi_reference, sosfilt_zi_check, max_examples=300),
    _spec("filtfilt", _filtfilt_build, filtfilt_reference, filtfilt_check, 400, **SIGNAL),
    _spec("sosfiltfilt", _sosfiltfilt_build, sosfiltfilt_reference, filtfilt_check, 400, shape_names=("sos",), **SIGNAL),
    _spec("lfiltic", _lfiltic_build, lfiltic_reference, lfiltic_check, 400),
]
