"""Benchmark group "rnn": the vector RNN (issue 4) next to PyTorch and JAX, and the GEMM peak.

Rows, float32, at (B, T, D, N) = (32, 256, 32, 32), (32, 256, 64, 128), (32, 256, 128, 512) and
(1, 4096, 16, 64), readout size K = D:
- ``fwd``: h = rnn_forward(x, U, V, b) only;
- ``fwdbwd``: the forward, the readout loss L = 1/2 sum ||y - W h[t] - c||^2 and every gradient
  (x, U, V, b, W, c);
for M = 1 delay against torch.nn.RNN + nn.Linear + autograd ("torch") and for M = 2 against torch
autograd of a loop over t ("torch-loop"); JAX lax.scan (+ jax.grad) under jit for both ("jax").
The ``gemm`` rows give the machine's GEMM throughput: rnnlti's own kernel, on which the RNN's big
products run (small_gemm.hpp, the right operand packed once; "rnnlti"), Eigen's GEMM routine ("eigen"),
both on row blocks of 256 over the OpenMP threads, and numpy's matmul (its BLAS, "numpy"), at 2048^3
and at the input projection's shape (B*T x D) x (D x N) of each size.  Work is counted in flops (2 per
multiply-add).
"""
from __future__ import annotations

import os
from typing import Callable, Dict, List, Tuple

import numpy as np

GROUP = "rnn"

# Threads given to every implementation (the targets are for 2); RNNLTI_BENCH_THREADS=1 compares single
# cores, which a machine shared with other jobs measures far more steadily.
_THREADS = int(os.environ.get("RNNLTI_BENCH_THREADS", "2"))

_SIZES = {"n32": (32, 256, 32, 32), "n128": (32, 256, 64, 128), "n512": (32, 256, 128, 512), "b1": (1, 4096, 16, 64)}
_QUICK_SIZES = {"n32": (8, 64, 32, 32), "n128": (8, 64, 64, 128), "n512": (4, 32, 128, 512), "b1": (1, 512, 16, 64)}


def _dims(size: str, quick: bool) -> Tuple[int, int, int, int]:
    return (_QUICK_SIZES if quick else _SIZES)[size]


def _flops(kind: str, B: int, T: int, D: int, N: int, M: int) -> float:
    K = D
    fwd = 2.0 * B * T * (D * N + M * N * N)
    if kind == "fwd":
        return fwd
    # forward + readout (yhat, dh, dW) + sweep (M N^2) + dV (M N^2) + dU, dx (D N each)
    return 3 * fwd + 3 * 2.0 * B * T * N * K


def cases(quick: bool) -> List[Dict]:
    out = []
    for size in _SIZES:
        B, T, D, N = _dims(size, quick)
        for M in (1, 2):
            for kind in ("fwd", "fwdbwd"):
                peers = ["torch", "jax"] if M == 1 else ["torch-loop", "jax"]
                out.append({"name": f"{kind}-M{M}-{size}", "sizes": f"B={B} T={T} D={D} N={N} M={M} K={D} f32",
                            "impls": ["rnnlti"] + peers, "work": _flops(kind, B, T, D, N, M), "unit": "GFLOP/s"})
    for name, (m, k, n) in _gemm_shapes(quick).items():
        out.append({"name": name, "sizes": f"({m} x {k}) x ({k} x {n}) f32", "impls": ["rnnlti", "eigen", "numpy"],
                    "work": 2.0 * m * k * n, "unit": "GFLOP/s"})
    return out


def _gemm_shapes(quick: bool) -> Dict[str, Tuple[int, int, int]]:
    """(m, k, n) of each GEMM row: 2048^3 and the input projections (B*T x D) x (D x N)."""
    shapes = {"gemm-2048": (1024, 1024, 1024) if quick else (2048, 2048, 2048)}
    for size in _SIZES:
        B, T, D, N = _dims(size, quick)
        shapes[f"gemm-{size}"] = (B * T, D, N)
    return shapes


def _data(size: str, M: int, quick: bool) -> Dict[str, np.ndarray]:
    B, T, D, N = _dims(size, quick)
    rng = np.random.default_rng(0)
    f = np.float32
    return dict(
        x=rng.standard_normal((B, T, D)).astype(f),
        U=(rng.standard_normal((N, D)) / np.sqrt(D)).astype(f),
        V=(0.9 * rng.standard_normal((M, N, N)) / np.sqrt(M * N)).astype(f),
        b=(0.1 * rng.standard_normal(N)).astype(f),
        W=(rng.standard_normal((D, N)) / np.sqrt(N)).astype(f),
        c=np.zeros(D, f),
        y=rng.standard_normal((B, T, D)).astype(f),
    )


def _make_rnnlti(kind: str, a: Dict[str, np.ndarray]) -> Callable[[], object]:
    import rnnlti

    rnnlti.set_num_threads(_THREADS)
    x, U, V, b, W, c, y = (a[k] for k in ("x", "U", "V", "b", "W", "c", "y"))
    if kind == "fwd":
        return lambda: rnnlti.rnn_forward(x, U, V, b)

    def step():
        h = rnnlti.rnn_forward(x, U, V, b)
        ro = rnnlti.readout_loss(h, W, y, c)
        return rnnlti.rnn_backward(x, h, U, V, ro.dh, b), ro

    return step


def _make_torch(kind: str, a: Dict[str, np.ndarray], M: int) -> Callable[[], object]:
    import torch

    torch.set_num_threads(_THREADS)
    B, T, D = a["x"].shape
    N = a["U"].shape[0]
    t = {k: torch.from_numpy(v) for k, v in a.items()}
    if M == 1:
        rnn = torch.nn.RNN(D, N, batch_first=True)
        lin = torch.nn.Linear(N, D)
        with torch.no_grad():
            rnn.weight_ih_l0.copy_(t["U"])
            rnn.weight_hh_l0.copy_(t["V"][0])
            rnn.bias_ih_l0.copy_(t["b"])
            rnn.bias_hh_l0.zero_()
            lin.weight.copy_(t["W"])
            lin.bias.copy_(t["c"])
        if kind == "fwd":
            def fwd():
                with torch.no_grad():
                    return rnn(t["x"])[0]
            return fwd
        x = t["x"].clone().requires_grad_(True)
        params = list(rnn.parameters()) + list(lin.parameters()) + [x]

        def fwdbwd():
            for p in params:
                p.grad = None
            out, _ = rnn(x)
            loss = 0.5 * ((t["y"] - lin(out)) ** 2).sum()
            loss.backward()
            return loss
        return fwdbwd

    # M delays: autograd of a loop over t (torch has no multi-delay RNN)
    leaves = {k: t[k].clone().requires_grad_(kind == "fwdbwd") for k in ("x", "U", "V", "b", "W", "c")}

    def loop():
        x, U, V, b = leaves["x"], leaves["U"], leaves["V"], leaves["b"]
        xu = x @ U.T + b  # the input projection for all t at once, as a fair loop would do
        past = [x.new_zeros(B, N) for _ in range(M)]
        hs = []
        for s in range(T):
            xi = xu[:, s]
            for m in range(1, M + 1):
                xi = xi + past[-m] @ V[m - 1].T
            h = torch.tanh(xi)
            hs.append(h)
            past = past[1:] + [h]
        return torch.stack(hs, 1)

    if kind == "fwd":
        def fwd_loop():
            with torch.no_grad():
                return loop()
        return fwd_loop

    def fwdbwd_loop():
        for p in leaves.values():
            p.grad = None
        h = loop()
        loss = 0.5 * ((t["y"] - (h @ leaves["W"].T + leaves["c"])) ** 2).sum()
        loss.backward()
        return loss
    return fwdbwd_loop


def _make_jax(kind: str, a: Dict[str, np.ndarray], M: int) -> Callable[[], object]:
    if _THREADS == 1 and "XLA_FLAGS" not in os.environ:
        os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
    import jax
    import jax.numpy as jnp

    B, T, D = a["x"].shape
    N = a["U"].shape[0]
    arrs = {k: jnp.asarray(v) for k, v in a.items()}

    def forward(x, U, V, b):
        xu = jnp.einsum("btd,nd->tbn", x, U) + b  # time-major for the scan

        def step(past, xi):  # past: (M, B, N), past[M-1] = h[t-1]
            for m in range(1, M + 1):
                xi = xi + past[M - m] @ V[m - 1].T
            h = jnp.tanh(xi)
            return jnp.concatenate([past[1:], h[None]], 0), h

        _, hs = jax.lax.scan(step, jnp.zeros((M, B, N), x.dtype), xu)
        return jnp.swapaxes(hs, 0, 1)

    if kind == "fwd":
        f = jax.jit(forward)
        return lambda: f(arrs["x"], arrs["U"], arrs["V"], arrs["b"]).block_until_ready()

    def loss(x, U, V, b, W, c, y):
        h = forward(x, U, V, b)
        return 0.5 * jnp.sum((y - (h @ W.T + c)) ** 2)

    g = jax.jit(jax.value_and_grad(loss, argnums=(0, 1, 2, 3, 4, 5)))
    args = [arrs[k] for k in ("x", "U", "V", "b", "W", "c", "y")]
    return lambda: jax.block_until_ready(g(*args))


def _make_gemm(name: str, impl: str, quick: bool) -> Callable[[], object]:
    m, k, n = _gemm_shapes(quick)[name]
    rng = np.random.default_rng(0)
    A = rng.standard_normal((m, k)).astype(np.float32)
    Bm = rng.standard_normal((k, n)).astype(np.float32)
    if impl == "numpy":
        return lambda: A @ Bm  # numpy's BLAS: cap it with OPENBLAS_NUM_THREADS
    import rnnlti
    from rnnlti import _core

    rnnlti.set_num_threads(_THREADS)
    C = np.empty((m, n), np.float32)
    return lambda: _core.gemm_benchmark(A, Bm, C, impl)


def make(case: str, impl: str, quick: bool) -> Callable[[], object]:
    if case.startswith("gemm-"):
        return _make_gemm(case, impl, quick)
    kind, m, size = case.split("-")
    M = int(m[1:])
    a = _data(size, M, quick)
    if impl == "rnnlti":
        return _make_rnnlti(kind, a)
    if impl in ("torch", "torch-loop"):
        return _make_torch(kind, a, M)
    if impl == "jax":
        return _make_jax(kind, a, M)
    raise ValueError(f"unknown implementation {impl!r} for case {case!r}")
