"""The vector RNN against PyTorch: torch.nn.RNN for one delay, torch autograd of a loop for several.

In the loop, every h[t] and xi[t] keeps its gradient (retain_grad), so h[t].grad is the total
derivative grad_{h[t]} L that rnn_backward returns as dh.  float64 throughout (tolerance 1e-10).
"""
import importlib
import numpy as np
import pytest

import rnnlti

torch = importlib.import_module("torch")


def assert_close(a, b, tol=1e-10):
    b = b.detach().numpy() if isinstance(b, torch.Tensor) else b
    np.testing.assert_allclose(a, b, rtol=0, atol=tol * max(1.0, float(np.max(np.abs(b)))))


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_one_delay_matches_torch_nn_rnn(rng, nonlinearity):
    B, T, D, N, K = 4, 11, 5, 7, 3
    x = rng.standard_normal((B, T, D))
    U = rng.standard_normal((N, D)) * 0.5
    V = rng.standard_normal((1, N, N)) * 0.3
    b = rng.standard_normal(N) * 0.3
    h0 = rng.standard_normal((B, 1, N))
    W = rng.standard_normal((K, N))
    c = rng.standard_normal(K)
    y = rng.standard_normal((B, T, K))

    rnn = torch.nn.RNN(D, N, nonlinearity=nonlinearity, batch_first=True, dtype=torch.float64)
    readout = torch.nn.Linear(N, K, dtype=torch.float64)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.tensor(U))
        rnn.weight_hh_l0.copy_(torch.tensor(V[0]))
        rnn.bias_ih_l0.copy_(torch.tensor(b))
        rnn.bias_hh_l0.zero_()
        readout.weight.copy_(torch.tensor(W))
        readout.bias.copy_(torch.tensor(c))
    xt = torch.tensor(x, requires_grad=True)
    h0t = torch.tensor(h0.transpose(1, 0, 2).copy(), requires_grad=True)  # torch: (layers, B, N)
    out, _ = rnn(xt, h0t)
    out.retain_grad()
    loss = 0.5 * ((torch.tensor(y) - readout(out)) ** 2).sum()
    loss.backward()

    h = rnnlti.rnn_forward(x, U, V, b, h0, nonlinearity)
    ro = rnnlti.readout_loss(h, W, y, c)
    g = rnnlti.rnn_backward(x, h, U, V, ro.dh, b, h0, nonlinearity)
    assert_close(h, out)
    assert_close(ro.loss, loss)
    assert_close(ro.dh, out.grad)  # nn.RNN's output gradient is the synchronous partial
    assert_close(ro.dW, readout.weight.grad)
    assert_close(ro.dc, readout.bias.grad)
    assert_close(g.dU, rnn.weight_ih_l0.grad)
    assert_close(g.dV[0], rnn.weight_hh_l0.grad)
    assert_close(g.db, rnn.bias_ih_l0.grad)
    assert_close(g.db, rnn.bias_hh_l0.grad)  # both biases receive sum_t dxi[t]
    assert_close(g.dx, xt.grad)
    assert_close(g.dh0, h0t.grad.transpose(0, 1))


ACT = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu, "identity": lambda v: v}


def torch_loop(x, U, V, b, h0, W, c, y, activation):
    """The M-delay RNN written as a loop over t; returns the loss and the retained h[t], xi[t]."""
    B, T, _ = x.shape
    M = V.shape[0]
    past = [h0[:, j] for j in range(M)]  # h[-M] .. h[-1]
    hs, xis = [], []
    for t in range(T):
        xi = x[:, t] @ U.T + b
        for m in range(1, M + 1):
            xi = xi + past[-m] @ V[m - 1].T
        xi.retain_grad()
        h = ACT[activation](xi)
        h.retain_grad()
        hs.append(h)
        xis.append(xi)
        past.append(h)
    loss = sum(0.5 * ((y[:, t] - (hs[t] @ W.T + c)) ** 2).sum() for t in range(T))
    return loss, hs, xis


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu", "identity"])
@pytest.mark.parametrize("M", [1, 2, 3])
def test_several_delays_match_torch_autograd_of_a_loop(rng, M, activation):
    B, T, D, N, K = 3, 10, 4, 6, 2
    arrays = dict(
        x=rng.standard_normal((B, T, D)),
        U=rng.standard_normal((N, D)) * 0.5,
        V=rng.standard_normal((M, N, N)) * 0.3 / np.sqrt(M),
        b=rng.standard_normal(N) * 0.3,
        h0=rng.standard_normal((B, M, N)),
        W=rng.standard_normal((K, N)),
        c=rng.standard_normal(K),
        y=rng.standard_normal((B, 1, K)),
    )
    t = {k: torch.tensor(v, requires_grad=True) for k, v in arrays.items()}
    loss, hs, xis = torch_loop(t["x"], t["U"], t["V"], t["b"], t["h0"], t["W"], t["c"], t["y"][:, [0] * T], activation)
    loss.backward()

    a = arrays
    h = rnnlti.rnn_forward(a["x"], a["U"], a["V"], a["b"], a["h0"], activation)
    ro = rnnlti.readout_loss(h, a["W"], a["y"], a["c"])
    g = rnnlti.rnn_backward(a["x"], h, a["U"], a["V"], ro.dh, a["b"], a["h0"], activation)
    assert_close(h, torch.stack(hs, 1))
    assert_close(ro.loss, loss)
    assert_close(g.dh, torch.stack([v.grad for v in hs], 1))  # total derivative grad_{h[t]} L
    assert_close(g.dxi, torch.stack([v.grad for v in xis], 1))
    for name in ("U", "V", "b", "x", "h0"):
        assert_close(getattr(g, "d" + name), t[name].grad)
    assert_close(ro.dW, t["W"].grad)
    assert_close(ro.dc, t["c"].grad)
