"""The vector RNN against the lecture's loops (rnnlti.reference) and against finite differences.

Tolerances: float64 results agree with the loops to 1e-10 (relative to the largest value); float32 to
2e-4 of the float64 answer (states) and 2e-3 (gradients, which sum over B*T terms).
"""
import numpy as np
import pytest

import rnnlti
from rnnlti import reference as ref

ACTIVATIONS = ["tanh", "sigmoid", "relu", "identity"]


def problem(rng, B=3, T=9, D=4, N=6, M=2, K=3, scale=0.3):
    return dict(
        x=rng.standard_normal((B, T, D)),
        U=rng.standard_normal((N, D)) * 0.5,
        V=rng.standard_normal((M, N, N)) * scale / np.sqrt(M),
        b=rng.standard_normal(N) * 0.3,
        h0=rng.standard_normal((B, M, N)),
        W=rng.standard_normal((K, N)),
        y=rng.standard_normal((B, 1, K)),
        c=rng.standard_normal(K),
    )


def close(a, b, tol):
    scale = max(1.0, float(np.max(np.abs(b)))) if np.size(b) else 1.0
    np.testing.assert_allclose(a, b, rtol=0, atol=tol * scale)


def run_library(p, activation, dtype=np.float64):
    c = {k: np.asarray(v, dtype) for k, v in p.items()}
    h = rnnlti.rnn_forward(c["x"], c["U"], c["V"], c["b"], c["h0"], activation)
    ro = rnnlti.readout_loss(h, c["W"], c["y"], c["c"])
    g = rnnlti.rnn_backward(c["x"], h, c["U"], c["V"], ro.dh, c["b"], c["h0"], activation)
    return h, ro, g


def run_reference(p, activation):
    B = p["x"].shape[0]
    out = {k: [] for k in ("h", "dh", "dxi", "dx", "dh0")}
    sums = None
    loss = 0.0
    for i in range(B):
        h = ref.rnn_forward(p["x"][i], p["U"], p["V"], p["b"], p["h0"][i], activation)
        L, dhp, dW, dc = ref.readout_loss(h, p["W"], p["y"][i], p["c"])
        dh, dxi, dU, dV, db, dx, dh0 = ref.rnn_backward(p["x"][i], h, p["U"], p["V"], dhp, p["b"], p["h0"][i], activation)
        for k, v in zip(out, (h, dh, dxi, dx, dh0)):
            out[k].append(v)
        w = [dU, dV, db, dW, dc]
        sums = w if sums is None else [s + v for s, v in zip(sums, w)]
        loss += L
    res = {k: np.stack(v) for k, v in out.items()}
    res.update(zip(("dU", "dV", "db", "dW", "dc"), sums))
    res["loss"] = loss
    return res


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("M", [1, 2, 3])
@pytest.mark.parametrize("B, N", [(3, 21), (1, 21), (1, 70)])
def test_matches_reference_loops(rng, activation, M, B, N):
    # N = 21: a full and a partial SIMD packet of float64; B = 1 runs the single-sequence step kernel
    # (two FMA chains), whose sums over M*N = 21, 63, 70, 210 values end on an odd one or span panels
    p = problem(rng, B=B, M=M, N=N)
    h, ro, g = run_library(p, activation)
    r = run_reference(p, activation)
    close(h, r["h"], 1e-12)
    close(ro.loss, r["loss"], 1e-12)
    for name in ("dh", "dxi", "dx", "dh0"):
        close(getattr(g, name), r[name], 1e-10)
    for name in ("dU", "dV", "db"):
        close(getattr(g, name), r[name], 1e-10)
    close(ro.dW, r["dW"], 1e-10)
    close(ro.dc, r["dc"], 1e-10)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_float32_tolerances(rng, activation):
    p = problem(rng, M=2, N=37, T=30)
    h64, ro64, g64 = run_library(p, activation)
    h32, ro32, g32 = run_library(p, activation, np.float32)
    assert h32.dtype == g32.dV.dtype == ro32.dh.dtype == np.float32
    close(h32, h64, 2e-4)
    for name in RNN_GRADIENTS:
        close(getattr(g32, name), getattr(g64, name), 2e-3)
    close(ro32.loss, ro64.loss, 1e-5)


RNN_GRADIENTS = ("dh", "dxi", "dU", "dV", "db", "dx", "dh0")


def written_example_problem(rng, T=7, D=3, N=4, K=2):
    return dict(
        x=rng.standard_normal((T, D)),
        U=rng.standard_normal((N, D)) * 0.7,
        V1=rng.standard_normal((N, N)) * 0.5,
        V2=rng.standard_normal((N, N)) * 0.5,
        W=rng.standard_normal((K, N)),
        y=rng.standard_normal(K),  # no time index, as on the slide
    )


def test_written_example_against_reference(rng):
    e = written_example_problem(rng)
    h_ref, L_ref, grad_ref = ref.written_example(**e)
    h = rnnlti.rnn_forward(e["x"], e["U"], [e["V1"], e["V2"]])
    ro = rnnlti.readout_loss(h, e["W"], e["y"])
    g = rnnlti.rnn_backward(e["x"], h, e["U"], [e["V1"], e["V2"]], ro.dh)
    close(h, h_ref, 1e-13)
    close(ro.loss, L_ref, 1e-13)
    close(g.dh, grad_ref, 1e-12)


def written_example_loss_from(e, t, h_t):
    """L when h[t] is set to h_t and the recursion continues from there: the total derivative's L."""
    x, U, V1, V2, W, y = (e[k] for k in ("x", "U", "V1", "V2", "W", "y"))
    T, N = len(x), U.shape[0]
    h = np.zeros((T, N))
    for s in range(T):
        h1 = h[s - 1] if s >= 1 else np.zeros(N)
        h2 = h[s - 2] if s >= 2 else np.zeros(N)
        h[s] = h_t if s == t else np.tanh(U @ x[s] + V1 @ h1 + V2 @ h2)
    return 0.5 * sum(np.sum((y - W @ h[s]) ** 2) for s in range(T))


def test_written_example_grad_h_by_finite_differences(rng):
    e = written_example_problem(rng)
    h = rnnlti.rnn_forward(e["x"], e["U"], [e["V1"], e["V2"]])
    g = rnnlti.rnn_backward(e["x"], h, e["U"], [e["V1"], e["V2"]], rnnlti.readout_loss(h, e["W"], e["y"]).dh)
    eps = 1e-6
    fd = np.zeros_like(h)
    for t in range(h.shape[0]):
        for i in range(h.shape[1]):
            d = np.zeros(h.shape[1])
            d[i] = eps
            fd[t, i] = (written_example_loss_from(e, t, h[t] + d) - written_example_loss_from(e, t, h[t] - d)) / (2 * eps)
    close(g.dh, fd, 1e-7)


def total_loss(p, activation):
    h = rnnlti.rnn_forward(p["x"], p["U"], p["V"], p["b"], p["h0"], activation)
    return rnnlti.readout_loss(h, p["W"], p["y"], p["c"]).loss


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "identity"])
def test_every_gradient_by_finite_differences(rng, activation):
    p = problem(rng, B=2, T=6, D=3, N=4, M=2, K=2)
    h, ro, g = run_library(p, activation)
    grads = {"x": g.dx, "U": g.dU, "V": g.dV, "b": g.db, "h0": g.dh0, "W": ro.dW, "c": ro.dc}
    eps = 1e-6
    for name, grad in grads.items():
        fd = np.zeros_like(p[name])
        for idx in np.ndindex(p[name].shape):
            plus = {k: v.copy() for k, v in p.items()}
            minus = {k: v.copy() for k, v in p.items()}
            plus[name][idx] += eps
            minus[name][idx] -= eps
            fd[idx] = (total_loss(plus, activation) - total_loss(minus, activation)) / (2 * eps)
        close(grad, fd, 2e-7)
