"""Benchmark group "nonlinear": the scalar RNN's forward + BPTT, lfilter's VJP, the 1-D CNN's back-prop.

Rows (issue 3):
* nonlinear_iir forward + backward, B = 64 sequences x T = 10,000, M = 2 and 8, float64 and float32,
  against a numba loop (parallel over sequences) and JAX (lax.scan + grad under jit); and at T = 1,000
  against torch autograd through a Python loop over time.
* lfilter_backward (orders 2, 4 and 8, B = 64 x T = 100,000) against one forward rnnlti.lfilter call,
  given y ("rnnlti") and without it ("rnnlti_no_y": da formed from x, one array fewer to read), and (order 4) at T = 1,000 against torch autograd of a torch lfilter (conv1d + a loop over time).
* nonlinear_fir forward + backward (K = 16, B = 64 x T = 10,000) against torch conv1d + tanh + autograd.
Every implementation computes the same thing: the forward pass and the gradients of
L = sum(c * output) with respect to the weights and the input.
"""
from __future__ import annotations

from typing import Callable, Dict, List

import numpy as np

GROUP = "nonlinear"

B = 64
T_LONG = 10_000
T_TORCH = 1_000
T_LFILTER = 100_000
K_FIR = 16
LFILTER_B = [0.0048, 0.0193, 0.0289, 0.0193, 0.0048]  # scipy.signal.butter(4, 0.2)
LFILTER_A = [1.0, -2.3695, 2.3140, -1.0547, 0.1874]
# The other orders of the lfilter_backward rows: scipy.signal.butter(2, 0.2) and butter(8, 0.2).
LFILTER_BA = {
    2: ([0.0674552738890719, 0.1349105477781438, 0.0674552738890719], [1.0, -1.1429805025399011, 0.41280159809618877]),
    4: (LFILTER_B, LFILTER_A),
    8: ([2.395964410377617e-05, 0.00019167715283020936, 0.0006708700349057328, 0.0013417400698114655,
         0.001677175087264332, 0.0013417400698114655, 0.0006708700349057328, 0.00019167715283020936,
         2.395964410377617e-05],
        [1.0, -4.784514894995809, 10.445041065534665, -13.457719890241556, 11.12933103916398, -6.025260397297651,
         2.0792738030118767, -0.4172171569897821, 0.03720010070484524]),
}


def _iir_cases(quick: bool) -> List[dict]:
    out = []
    T = 2_000 if quick else T_LONG
    Tt = 200 if quick else T_TORCH
    for M in (2, 8):
        for dt in ("f64", "f32"):
            item = 8 if dt == "f64" else 4
            # bytes: forward reads x, writes h; backward reads h, dh_partial, writes dh, dxi
            out.append({"name": f"iir_fwd_bwd_M{M}_{dt}", "sizes": f"B={B} T={T} M={M} {dt}",
                        "impls": ["rnnlti", "numba", "jax", "floor_3_copies"], "work": 6.0 * B * T * item,
                        "unit": "GB/s"})
        out.append({"name": f"iir_fwd_bwd_M{M}_f64_T{Tt}", "sizes": f"B={B} T={Tt} M={M} f64",
                    "impls": ["rnnlti", "torch"], "work": 6.0 * B * Tt * 8, "unit": "GB/s"})
    return out


def cases(quick: bool) -> List[dict]:
    Tl = 10_000 if quick else T_LFILTER
    Tt = 200 if quick else T_TORCH
    T = 2_000 if quick else T_LONG
    # bytes: reads x, y, dy, writes dx (target: <= 2.5x one forward lfilter call); without y, x and dy
    lfilter_rows = [
        {"name": f"lfilter_backward_order{order}", "sizes": f"B={B} T={Tl} order={order} f64",
         "impls": ["rnnlti", "rnnlti_no_y", "lfilter_forward"], "work": 4.0 * B * Tl * 8, "unit": "GB/s"}
        for order in (2, 4, 8)
    ]
    return _iir_cases(quick) + lfilter_rows + [
        {"name": f"lfilter_backward_order4_T{Tt}", "sizes": f"B={B} T={Tt} order=4 f64",
         "impls": ["rnnlti", "torch"], "work": 4.0 * B * Tt * 8, "unit": "GB/s"},
        # flops: forward K mult-adds, backward 2K (dx and dw), per sample
        {"name": "fir_fwd_bwd_tanh", "sizes": f"B={B} T={T} K={K_FIR} f64",
         "impls": ["rnnlti", "torch"], "work": 6.0 * K_FIR * B * T, "unit": "GFLOP/s"},
    ]


def _parse(case: str, quick: bool) -> Dict[str, object]:
    for c in cases(quick):
        if c["name"] == case:
            words = dict(w.split("=") for w in c["sizes"].split() if "=" in w)
            return {"B": int(words["B"]), "T": int(words["T"]),
                    "dtype": np.float32 if c["sizes"].endswith("f32") else np.float64, **c,
                    "M": int(words.get("M", 0))}
    raise KeyError(f"unknown case {case!r}")


# ----------------------------------------------------------------------------------------------------
# nonlinear_iir


def _iir_data(B: int, T: int, M: int, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((B, T)).astype(dtype)
    w = (rng.uniform(-0.6, 0.6, M) / M).astype(dtype)
    c = rng.standard_normal((B, T)).astype(dtype)
    return w, x, c


def _iir_rnnlti(w, x, c):
    import rnnlti

    def run():
        h = rnnlti.nonlinear_iir(w, x, "tanh")
        return rnnlti.nonlinear_iir_backward(w, h, c, "tanh")

    return run


def _iir_numba(w, x, c):
    import numba

    @numba.njit(parallel=True, fastmath=False, cache=False)
    def forward(w, x, h):
        B, T = x.shape
        M = w.shape[0]
        for b in numba.prange(B):
            for n in range(T):
                xi = x[b, n]
                for m in range(1, M + 1):
                    if n - m >= 0:
                        xi += w[m - 1] * h[b, n - m]
                h[b, n] = np.tanh(xi)

    @numba.njit(parallel=True, fastmath=False, cache=False)
    def backward(w, h, dhp, dh, dxi, dw_rows):
        B, T = h.shape
        M = w.shape[0]
        for b in numba.prange(B):
            for n in range(T - 1, -1, -1):
                g = dhp[b, n]
                for m in range(1, M + 1):
                    if n + m < T:
                        g += w[m - 1] * dxi[b, n + m]
                dh[b, n] = g
                d = g * (1.0 - h[b, n] * h[b, n])
                dxi[b, n] = d
                for m in range(1, M + 1):
                    if n - m >= 0:
                        dw_rows[b, m - 1] += d * h[b, n - m]

    def run():
        h = np.empty_like(x)
        forward(w, x, h)
        dh, dxi = np.empty_like(x), np.empty_like(x)
        dw_rows = np.zeros((x.shape[0], w.size), x.dtype)
        backward(w, h, c, dh, dxi, dw_rows)
        return dh, dxi, dw_rows.sum(axis=0)

    run()  # compile outside the timing
    return run


def _iir_jax(w, x, c):
    import jax
    import jax.numpy as jnp

    if x.dtype == np.float64:
        jax.config.update("jax_enable_x64", True)
    M = w.size

    def loss(w, x, c):
        def step(hist, xn):  # hist: (M, B), most recent first
            h = jnp.tanh(xn + jnp.tensordot(w, hist, axes=1))
            return jnp.concatenate([h[None], hist[:-1]], axis=0), h

        hist0 = jnp.zeros((M, x.shape[0]), x.dtype)
        _, hs = jax.lax.scan(step, hist0, x.T)
        return jnp.sum(hs.T * c)

    grad = jax.jit(jax.value_and_grad(loss, argnums=(0, 1)))
    wj, xj, cj = jnp.asarray(w), jnp.asarray(x), jnp.asarray(c)

    def run():
        out = grad(wj, xj, cj)
        jax.block_until_ready(out)
        return out

    run()
    return run


def _iir_torch(w, x, c):
    import torch

    wt = torch.tensor(w)
    xt = torch.tensor(x)
    ct = torch.tensor(c)
    M = w.size

    def run():
        wg = wt.clone().requires_grad_(True)
        xg = xt.clone().requires_grad_(True)
        hist = [torch.zeros(x.shape[0], dtype=xg.dtype)] * M
        for n in range(x.shape[1]):
            xi = xg[:, n]
            for m in range(1, M + 1):
                xi = xi + wg[m - 1] * hist[-m]
            hist.append(torch.tanh(xi))
        h = torch.stack(hist[M:], dim=1)
        (h * ct).sum().backward()
        return wg.grad, xg.grad

    return run


# ----------------------------------------------------------------------------------------------------
# lfilter_backward


def _lfilter_data(T: int, order: int = 4):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((B, T))
    c = rng.standard_normal((B, T))
    b, a = LFILTER_BA[order]
    return np.array(b), np.array(a), x, c


def _lfilter_torch(b, a, x, c):
    import torch

    order = len(a) - 1
    bt0, at0, xt0, ct = (torch.tensor(v) for v in (b, a, x, c))

    def run():
        bt, at, xt = (v.clone().requires_grad_(True) for v in (bt0, at0, xt0))
        bn, an = bt / at[0], at / at[0]
        xpad = torch.nn.functional.pad(xt[:, None, :], (order, 0))
        fir = torch.nn.functional.conv1d(xpad, bn.flip(0)[None, None, :])[:, 0]
        ys = []
        for n in range(x.shape[1]):
            v = fir[:, n]
            for k in range(1, order + 1):
                if n - k >= 0:
                    v = v - an[k] * ys[n - k]
            ys.append(v)
        (torch.stack(ys, dim=1) * ct).sum().backward()
        return bt.grad, at.grad, xt.grad

    return run


# ----------------------------------------------------------------------------------------------------
# nonlinear_fir


def _fir_torch(w, x, c):
    import torch

    wt0, xt0, ct = (torch.tensor(v) for v in (w, x, c))
    K = w.size

    def run():
        wt, xt = wt0.clone().requires_grad_(True), xt0.clone().requires_grad_(True)
        xi = torch.nn.functional.conv1d(torch.nn.functional.pad(xt[:, None, :], (K - 1, 0)), wt.flip(0)[None, None, :])
        (torch.tanh(xi[:, 0]) * ct).sum().backward()
        return wt.grad, xt.grad

    return run


def make(case: str, impl: str, quick: bool) -> Callable[[], object]:
    info = _parse(case, quick)
    Bn, T, dtype = info["B"], info["T"], info["dtype"]
    if case.startswith("iir_"):
        w, x, c = _iir_data(Bn, T, info["M"], dtype)
        if impl == "floor_3_copies":
            # The memory floor: forward + backward read three arrays (x; h, dh_partial) and write three
            # fresh ones (h; dh, dxi), as three allocating copies do, page faults included.
            return lambda: (x.copy(), c.copy(), x.copy())
        return {"rnnlti": _iir_rnnlti, "numba": _iir_numba, "jax": _iir_jax, "torch": _iir_torch}[impl](w, x, c)
    if case.startswith("lfilter_backward"):
        order = int(case.split("_order")[1].split("_")[0])
        b, a, x, c = _lfilter_data(T, order)
        if impl == "torch":
            return _lfilter_torch(b, a, x, c)
        import rnnlti

        if impl == "lfilter_forward":
            return lambda: rnnlti.lfilter(b, a, x)
        if impl == "rnnlti_no_y":
            return lambda: rnnlti.lfilter_backward(b, a, x, None, c)
        y = rnnlti.lfilter(b, a, x)
        return lambda: rnnlti.lfilter_backward(b, a, x, y, c)
    if case.startswith("fir_"):
        rng = np.random.default_rng(2)
        w = rng.standard_normal(K_FIR) / 4
        x, c = rng.standard_normal((Bn, T)), rng.standard_normal((Bn, T))
        if impl == "torch":
            return _fir_torch(w, x, c)
        import rnnlti

        def run():
            y = rnnlti.nonlinear_fir(w, x, "tanh")
            return rnnlti.nonlinear_fir_backward(w, x, y, c, "tanh")

        return run
    raise KeyError(f"unknown case {case!r}")
