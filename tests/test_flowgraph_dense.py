"""The fully-connected network of section 5: dense_forward / dense_backward against the reference loops,
finite differences, the flow graph of the same network, PyTorch autograd and the RNN's linear readout."""
import importlib
import numpy as np
import pytest

import rnnlti
from rnnlti import flowgraph as fg
from rnnlti import reference

ACTIVATIONS = ["tanh", "sigmoid", "relu", "identity"]
D, N, K = 3, 5, 2


def params(rng, batch=(4,)):
    return dict(
        x=rng.standard_normal(batch + (D,)), W1=rng.standard_normal((N, D)), b1=rng.standard_normal(N),
        W2=rng.standard_normal((K, N)), b2=rng.standard_normal(K), y=rng.standard_normal(batch + (K,)),
    )


def loss_and_grads(p, activation, output_activation=None):
    """L = 1/2 sum ||yhat - y||^2 and every gradient, through rnnlti.dense_*."""
    fwd = rnnlti.dense_forward(p["x"], p["W1"], p["W2"], p["b1"], p["b2"], activation, output_activation)
    dyhat = fwd.yhat - p["y"]
    grads = rnnlti.dense_backward(p["x"], p["W1"], p["W2"], fwd.h, fwd.yhat, dyhat, activation, output_activation)
    return 0.5 * np.sum(dyhat**2), fwd, grads


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_against_reference_loops(rng, activation):
    p = params(rng)
    _, fwd, grads = loss_and_grads(p, activation)
    dW1 = np.zeros((N, D))
    dW2 = np.zeros((K, N))
    for b in range(4):
        h, yhat = reference.dense_forward(p["x"][b], p["W1"], p["b1"], p["W2"], p["b2"], activation)
        np.testing.assert_allclose(fwd.h[b], h, rtol=1e-13, atol=1e-14)
        np.testing.assert_allclose(fwd.yhat[b], yhat, rtol=1e-13, atol=1e-14)
        dh, dW1_b, dxi1, dW2_b, dxi2, dx = reference.dense_backward(
            p["x"][b], p["W1"], p["W2"], h, yhat, yhat - p["y"][b], activation)
        np.testing.assert_allclose(grads.dh[b], dh, rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(grads.dxi1[b], dxi1, rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(grads.dxi2[b], dxi2, rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(grads.dx[b], dx, rtol=1e-12, atol=1e-13)
        dW1 += dW1_b
        dW2 += dW2_b
    np.testing.assert_allclose(grads.dW1, dW1, rtol=1e-12, atol=1e-13)  # summed over the batch
    np.testing.assert_allclose(grads.dW2, dW2, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(grads.db1, grads.dxi1.sum(0), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(grads.db2, grads.dxi2.sum(0), rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("output_activation", [None, "identity"])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_gradients_against_finite_differences(rng, activation, output_activation):
    p = params(rng, batch=(2, 3))
    _, fwd, grads = loss_and_grads(p, activation, output_activation)
    for name, grad in [("x", grads.dx), ("W1", grads.dW1), ("b1", grads.db1), ("W2", grads.dW2), ("b2", grads.db2)]:
        numeric = np.zeros_like(p[name])
        for idx in np.ndindex(*p[name].shape):
            values = []
            for sign in (1, -1):
                q = dict(p)
                q[name] = p[name].copy()
                q[name][idx] += sign * 1e-6
                values.append(loss_and_grads(q, activation, output_activation)[0])
            numeric[idx] = (values[0] - values[1]) / 2e-6
        np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-7, err_msg=name)
    # dL/dh: perturb the hidden layer itself, the second layer following it
    numeric = np.zeros_like(fwd.h)
    for idx in np.ndindex(*fwd.h.shape):
        values = []
        for sign in (1, -1):
            h = fwd.h.copy()
            h[idx] += sign * 1e-6
            g2 = rnnlti.flowgraph.ACTIVATIONS[output_activation or activation]
            values.append(0.5 * np.sum((g2(h @ p["W2"].T + p["b2"]) - p["y"]) ** 2))
        numeric[idx] = (values[0] - values[1]) / 2e-6
    np.testing.assert_allclose(grads.dh, numeric, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_against_the_flow_graph_of_the_same_network(rng, activation):
    p = params(rng, batch=())
    _, fwd, grads = loss_and_grads(p, activation)
    at = fg.dense_graph(activation).evaluate(p)
    np.testing.assert_allclose(at["h"], fwd.h, rtol=1e-14)
    np.testing.assert_allclose(at["yhat"], fwd.yhat, rtol=1e-14)
    for v, expected in [("h", grads.dh), ("W1", grads.dW1), ("b1", grads.db1), ("W2", grads.dW2),
                        ("b2", grads.db2), ("x", grads.dx), ("xi1", grads.dxi1), ("xi2", grads.dxi2)]:
        np.testing.assert_allclose(at.total("L", v), expected, rtol=1e-12, atol=1e-13, err_msg=v)
    # dL/dh_j = sum_k dL/dyhat_k ∂yhat_k/∂h_j: the gradient w.r.t. the layer is a vector of partials
    # that hold the other h_j only, i.e. the total derivative
    np.testing.assert_allclose(at.partial("L", "h", hold=["x", "W1", "b1", "xi1"]), grads.dh, rtol=1e-12)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_against_torch_autograd(rng, activation):
    torch = importlib.import_module("torch")
    p = params(rng, batch=(6,))
    _, fwd, grads = loss_and_grads(p, activation)
    t = {k: torch.tensor(v, requires_grad=k != "y") for k, v in p.items()}
    g = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu, "identity": lambda z: z}[activation]
    h = g(t["x"] @ t["W1"].T + t["b1"])
    h.retain_grad()
    yhat = g(h @ t["W2"].T + t["b2"])
    (0.5 * ((yhat - t["y"]) ** 2).sum()).backward()
    for name, ours in [("x", grads.dx), ("W1", grads.dW1), ("b1", grads.db1), ("W2", grads.dW2), ("b2", grads.db2)]:
        np.testing.assert_allclose(ours, t[name].grad.numpy(), rtol=1e-12, atol=1e-13, err_msg=name)
    np.testing.assert_allclose(grads.dh, h.grad.numpy(), rtol=1e-12, atol=1e-13)


def test_against_the_rnn_readout_gradients(rng):
    """With identity activation the output layer is the vector RNN's readout yhat[t] = W h[t] + c, and
    L = 1/2 sum_t ||y - yhat[t]||^2: dL/dh and dL/dW must be readout_loss's dh and dW."""
    T = 7
    p = params(rng, batch=(T,))
    p["y"] = rng.standard_normal(K)  # the written example's y has no time index
    loss, fwd, grads = loss_and_grads(p, "tanh", output_activation="identity")
    out = rnnlti.readout_loss(fwd.h, p["W2"], p["y"], c=p["b2"])
    np.testing.assert_allclose(out.loss, loss, rtol=1e-12)
    np.testing.assert_allclose(out.dh, grads.dh, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(out.dW, grads.dW2, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(out.dc, grads.db2, rtol=1e-12, atol=1e-13)


def test_dtypes_shapes_and_no_mutation(rng):
    p = params(rng, batch=(2, 3))
    copies = {k: v.copy() for k, v in p.items()}
    _, fwd, grads = loss_and_grads(p, "sigmoid")
    for k in p:
        assert np.array_equal(p[k], copies[k])
    assert fwd.h.shape == (2, 3, N) and fwd.yhat.shape == (2, 3, K)
    assert grads.dW1.shape == (N, D) and grads.dW2.shape == (K, N) and grads.dx.shape == (2, 3, D)
    p32 = {k: v.astype(np.float32) for k, v in p.items()}
    _, fwd32, grads32 = loss_and_grads(p32, "sigmoid")
    assert fwd32.h.dtype == np.float32 and all(g.dtype == np.float32 for g in grads32)
    np.testing.assert_allclose(grads32.dW1, grads.dW1, rtol=1e-3, atol=1e-4)
    # one sample, no bias
    one = rnnlti.dense_forward(p["x"][0, 0], p["W1"], p["W2"])
    h, yhat = reference.dense_forward(p["x"][0, 0], p["W1"], np.zeros(N), p["W2"], np.zeros(K))
    np.testing.assert_allclose(one.yhat, yhat, rtol=1e-13)
    # large excitations: the sigmoid does not overflow
    big = rnnlti.dense_forward(np.array([800.0, -800.0, 0.0]), np.eye(N, D), np.ones((K, N)), activation="sigmoid")
    assert np.all(np.isfinite(big.h)) and np.allclose(big.h[:3], [1.0, 0.0, 0.5])
