"""nonlinear_fir and its back-prop against the lecture's loops, finite differences and torch; the
vectorised activations against NumPy's to a few ulp."""
import importlib
import numpy as np
import pytest

import rnnlti
from rnnlti import reference

from gradcheck import directional, rel_err

ACTIVATIONS = ["tanh", "sigmoid", "relu", "identity"]


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("K", [1, 2, 3, 5, 17, 300])
def test_matches_reference_loops(activation, K):
    rng = np.random.default_rng(K)
    T = 531  # three 256-sample tiles, the last partial
    w, x, dy = rng.standard_normal(K) / np.sqrt(K), rng.standard_normal(T), rng.standard_normal(T)
    y = rnnlti.nonlinear_fir(w, x, activation)
    y_ref = reference.nonlinear_fir(w, x, activation)
    np.testing.assert_allclose(y, y_ref, rtol=1e-13, atol=1e-14)
    g = rnnlti.nonlinear_fir_backward(w, x, y, dy, activation)
    dw, dx = reference.nonlinear_fir_backward(w, x, y_ref, dy, activation)
    np.testing.assert_allclose(g.dw, dw, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(g.dx, dx, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("K", [1, 2, 4])
@pytest.mark.parametrize("shape,axis", [((40,), -1), ((3, 33, 2), 1), ((31, 4), 0)])
def test_gradients_match_finite_differences(activation, K, shape, axis):
    rng = np.random.default_rng(K + len(shape))
    w, x, c = rng.standard_normal(K), rng.standard_normal(shape), rng.standard_normal(shape)

    def loss(w_, x_):
        return float(np.sum(c * rnnlti.nonlinear_fir(w_, x_, activation, axis=axis)))

    y = rnnlti.nonlinear_fir(w, x, activation, axis=axis)
    g = rnnlti.nonlinear_fir_backward(w, x, y, c, activation, axis=axis)
    eps = 1e-6 if activation == "relu" else 1e-3
    for m in range(K):
        e = np.zeros(K)
        e[m] = 1.0
        assert rel_err(g.dw[m], directional(lambda w_: loss(w_, x), w, e, eps)) <= 1e-7
    v = rng.standard_normal(shape)
    assert rel_err(np.sum(g.dx * v), directional(lambda x_: loss(w, x_), x, v, eps)) <= 1e-7


def test_batched_equals_one_by_one_and_layouts_agree():
    rng = np.random.default_rng(2)
    w, x, dy = rng.standard_normal(6), rng.standard_normal((3, 11, 400)), rng.standard_normal((3, 11, 400))
    y = rnnlti.nonlinear_fir(w, x)
    g = rnnlti.nonlinear_fir_backward(w, x, y, dy)
    dw = 0.0
    for i in range(3):
        for j in range(11):
            np.testing.assert_array_equal(y[i, j], rnnlti.nonlinear_fir(w, x[i, j]))
            gi = rnnlti.nonlinear_fir_backward(w, x[i, j], y[i, j], dy[i, j])
            np.testing.assert_array_equal(g.dx[i, j], gi.dx)
            dw = dw + gi.dw
    np.testing.assert_allclose(g.dw, dw, rtol=1e-12)
    xt, yt, dyt = (np.ascontiguousarray(np.moveaxis(a, -1, 0)) for a in (x, y, dy))
    np.testing.assert_array_equal(rnnlti.nonlinear_fir(w, xt, axis=0), yt)
    gt = rnnlti.nonlinear_fir_backward(w, xt, yt, dyt, axis=0)
    np.testing.assert_array_equal(gt.dx, np.moveaxis(g.dx, -1, 0))
    np.testing.assert_allclose(gt.dw, g.dw, rtol=1e-13)


@pytest.mark.parametrize("dtype,ulps", [(np.float64, 3), (np.float32, 3)])
@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_vectorised_activations_are_within_a_few_ulp(dtype, ulps, activation):
    # nonlinear_fir([1], x) is g(x) elementwise, computed by the kernels' own tanh / sigmoid.
    x = np.concatenate([np.linspace(-25, 25, 200_001), np.geomspace(1e-30, 40, 20_000), -np.geomspace(1e-30, 40, 20_000)])
    x = x.astype(dtype)
    got = rnnlti.nonlinear_fir([1.0], x, activation).astype(np.float64)
    x64 = x.astype(np.float64)
    exact = np.tanh(x64) if activation == "tanh" else np.where(x64 < 0, np.exp(x64) / (1 + np.exp(x64)), 1 / (1 + np.exp(-x64)))
    exact_rounded = exact.astype(dtype).astype(np.float64)
    # error in units of the last place of the result's dtype, measured against the float64 value
    err = np.abs(got - exact) / np.spacing(np.abs(exact_rounded).astype(dtype)).astype(np.float64)
    assert err.max() <= ulps
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan], dtype)
    out = rnnlti.nonlinear_fir([1.0], special, activation)
    ref = {"tanh": [0.0, -0.0, 1.0, -1.0], "sigmoid": [0.5, 0.5, 1.0, 0.0]}[activation]
    np.testing.assert_array_equal(out[:4], np.array(ref, dtype))
    assert np.isnan(out[4])


def test_float32_within_stated_tolerance():
    # float32: forward within 1e-5, gradients within 1e-4 of their largest magnitude.
    rng = np.random.default_rng(4)
    w, x, dy = rng.standard_normal(8) / 3, rng.standard_normal((4, 700)), rng.standard_normal((4, 700))
    y64 = rnnlti.nonlinear_fir(w, x, "sigmoid")
    y32 = rnnlti.nonlinear_fir(w, x.astype(np.float32), "sigmoid")
    assert y32.dtype == np.float32
    np.testing.assert_allclose(y32, y64, atol=1e-5)
    g64 = rnnlti.nonlinear_fir_backward(w, x, y64, dy, "sigmoid")
    g32 = rnnlti.nonlinear_fir_backward(w, x.astype(np.float32), y32, dy.astype(np.float32), "sigmoid")
    for a, b in zip(g32, g64):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, b, atol=1e-4 * np.abs(b).max())


def test_zero_length_and_out():
    assert rnnlti.nonlinear_fir([1.0, 2.0], np.zeros((3, 0))).shape == (3, 0)
    g = rnnlti.nonlinear_fir_backward([1.0, 2.0], np.zeros((3, 0)), np.zeros((3, 0)), np.zeros((3, 0)))
    np.testing.assert_array_equal(g.dw, [0.0, 0.0])
    x = np.random.default_rng(0).standard_normal((2, 50))
    out = np.empty_like(x)
    assert rnnlti.nonlinear_fir([0.5, 0.5], x, out=out) is out
    np.testing.assert_array_equal(out, rnnlti.nonlinear_fir([0.5, 0.5], x))


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_matches_torch_conv1d_autograd(activation):
    torch = importlib.import_module("torch")
    rng = np.random.default_rng(8)
    K, T = 5, 90
    w, x, c = rng.standard_normal(K), rng.standard_normal((6, T)), rng.standard_normal((6, T))
    g = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu, "identity": lambda v: v}[activation]
    wt = torch.tensor(w, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    # conv1d is a correlation: flip w, pad K-1 zeros in front (causal, zero initial state).
    xi = torch.nn.functional.conv1d(torch.nn.functional.pad(xt[:, None, :], (K - 1, 0)), wt.flip(0)[None, None, :])
    yt = g(xi[:, 0, :])
    (yt * torch.tensor(c)).sum().backward()
    y = rnnlti.nonlinear_fir(w, x, activation)
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-12, atol=1e-14)
    grads = rnnlti.nonlinear_fir_backward(w, x, y, c, activation)
    np.testing.assert_allclose(grads.dw, wt.grad.numpy(), rtol=1e-11)
    np.testing.assert_allclose(grads.dx, xt.grad.numpy(), rtol=1e-11, atol=1e-14)
