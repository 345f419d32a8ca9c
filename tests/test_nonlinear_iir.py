"""nonlinear_iir and its BPTT against the lecture's loops, finite differences and torch autograd."""
import importlib
import numpy as np
import pytest

import rnnlti
from rnnlti import reference

from gradcheck import directional, rel_err

ACTIVATIONS = ["tanh", "sigmoid", "relu", "identity"]


def weights(rng, M):
    return rng.uniform(-0.6, 0.6, M) / M  # sum |w| < 1: stable for every activation


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("M", [1, 2, 3, 4, 7, 9, 12])
@pytest.mark.parametrize("with_h0", [False, True])
def test_matches_reference_loops(activation, M, with_h0):
    rng = np.random.default_rng(M * 10 + with_h0)
    T = 300 if M < 9 else 520  # crosses a 256-sample tile boundary
    x = rng.standard_normal(T)
    w = weights(rng, M)
    h0 = rng.standard_normal(M) if with_h0 else None
    h = rnnlti.nonlinear_iir(w, x, activation, h0=h0)
    h_ref = reference.nonlinear_iir(w, x, activation, h0)
    np.testing.assert_allclose(h, h_ref, rtol=1e-13, atol=1e-14)
    y = rng.standard_normal(T)
    dhp = reference.synchronous_backprop(h_ref, y)
    g = rnnlti.nonlinear_iir_backward(w, h, h - y, activation, h0=h0)
    dh, dxi, dh0 = reference.bptt(w, h_ref, dhp, activation)
    dw = reference.weight_gradient(dxi, h_ref, M, h0)
    np.testing.assert_allclose(g.dh, dh, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(g.dxi, dxi, rtol=1e-12, atol=1e-13)
    assert g.dx is g.dxi
    np.testing.assert_allclose(g.dw, dw, rtol=1e-12, atol=1e-12)
    if with_h0:
        np.testing.assert_allclose(g.dh0, dh0, rtol=1e-12, atol=1e-13)
    else:
        assert g.dh0 is None


@pytest.mark.parametrize("T", [0, 1, 2, 3, 5])
def test_signals_shorter_than_the_order(T):
    rng = np.random.default_rng(T)
    M = 4
    w, x, h0, dhp = weights(rng, M), rng.standard_normal(T), rng.standard_normal(M), rng.standard_normal(T)
    h = rnnlti.nonlinear_iir(w, x, h0=h0)
    np.testing.assert_allclose(h, reference.nonlinear_iir(w, x, "tanh", h0), rtol=1e-14)
    g = rnnlti.nonlinear_iir_backward(w, h, dhp, h0=h0)
    dh, dxi, dh0 = reference.bptt(w, h, dhp)
    np.testing.assert_allclose(g.dh, dh, rtol=1e-13)
    np.testing.assert_allclose(g.dh0, dh0, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(g.dw, reference.weight_gradient(dxi, h, M, h0), rtol=1e-13, atol=1e-15)


def _loss_setup(rng, M, activation, with_h0, shape, axis):
    """L(w, x, h0) = sum(c * nonlinear_iir(w, x, h0)) along `axis`, and its analytic gradients."""
    x = rng.standard_normal(shape)
    w = weights(rng, M)
    state_shape = list(shape)
    state_shape[axis] = M
    h0 = rng.standard_normal(state_shape) if with_h0 else None
    c = rng.standard_normal(shape)

    def loss(w_, x_, h0_):
        return float(np.sum(c * rnnlti.nonlinear_iir(w_, x_, activation, h0=h0_, axis=axis)))

    h = rnnlti.nonlinear_iir(w, x, activation, h0=h0, axis=axis)
    grads = rnnlti.nonlinear_iir_backward(w, h, c, activation, h0=h0, axis=axis)
    return x, w, h0, loss, grads


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("M", [1, 2, 3, 4])
@pytest.mark.parametrize("with_h0", [False, True])
@pytest.mark.parametrize("shape,axis", [((40,), -1), ((3, 33, 2), 1), ((31, 4), 0)])
def test_gradients_match_finite_differences(activation, M, with_h0, shape, axis):
    rng = np.random.default_rng(M + 7 * with_h0 + len(shape))
    x, w, h0, loss, g = _loss_setup(rng, M, activation, with_h0, shape, axis)
    eps = 1e-6 if activation == "relu" else 1e-3  # small steps keep relu's kinks out of the stencil
    for m in range(M):  # every weight on its own
        e = np.zeros(M)
        e[m] = 1.0
        assert rel_err(g.dw[m], directional(lambda w_: loss(w_, x, h0), w, e, eps)) <= 1e-7
    v = rng.standard_normal(x.shape)
    assert rel_err(np.sum(g.dx * v), directional(lambda x_: loss(w, x_, h0), x, v, eps)) <= 1e-7
    if with_h0:
        v0 = rng.standard_normal(h0.shape)
        assert g.dh0.shape == h0.shape
        assert rel_err(np.sum(g.dh0 * v0), directional(lambda h_: loss(w, x, h_), h0, v0, eps)) <= 1e-7


def test_broadcast_h0_gets_summed_gradient():
    rng = np.random.default_rng(3)
    M = 2
    x, w = rng.standard_normal((3, 50)), weights(rng, M)
    h0 = rng.standard_normal((1, M))  # shared by the three channels
    c = rng.standard_normal(x.shape)
    h = rnnlti.nonlinear_iir(w, x, h0=h0)
    np.testing.assert_array_equal(h, rnnlti.nonlinear_iir(w, x, h0=np.repeat(h0, 3, axis=0)))
    g = rnnlti.nonlinear_iir_backward(w, h, c, h0=h0)
    full = rnnlti.nonlinear_iir_backward(w, h, c, h0=np.repeat(h0, 3, axis=0))
    assert g.dh0.shape == (1, M)
    np.testing.assert_allclose(g.dh0, full.dh0.sum(axis=0, keepdims=True), rtol=1e-14)


def test_batched_equals_one_by_one_in_any_layout():
    rng = np.random.default_rng(5)
    M = 3
    x = rng.standard_normal((2, 17, 300))
    w, h0, dhp = weights(rng, M), rng.standard_normal((2, 17, M)), rng.standard_normal(x.shape)
    h = rnnlti.nonlinear_iir(w, x, "sigmoid", h0=h0)
    g = rnnlti.nonlinear_iir_backward(w, h, dhp, "sigmoid", h0=h0)
    dw = 0.0
    for i in range(2):
        for j in range(17):
            one = rnnlti.nonlinear_iir(w, x[i, j], "sigmoid", h0=h0[i, j])
            np.testing.assert_array_equal(h[i, j], one)
            gi = rnnlti.nonlinear_iir_backward(w, one, dhp[i, j], "sigmoid", h0=h0[i, j])
            np.testing.assert_array_equal(g.dh[i, j], gi.dh)
            np.testing.assert_array_equal(g.dh0[i, j], gi.dh0)
            dw = dw + gi.dw
    np.testing.assert_allclose(g.dw, dw, rtol=1e-12)
    # Time first, channels contiguous (the SIMD-friendly layout), and a strided view: same values.
    xt = np.ascontiguousarray(np.moveaxis(x, -1, 0))
    h0t = np.ascontiguousarray(np.moveaxis(h0, -1, 0))
    np.testing.assert_array_equal(rnnlti.nonlinear_iir(w, xt, "sigmoid", h0=h0t, axis=0), np.moveaxis(h, -1, 0))
    gt = rnnlti.nonlinear_iir_backward(w, np.moveaxis(h, -1, 0), np.moveaxis(dhp, -1, 0), "sigmoid",
                                       h0=h0t, axis=0)
    np.testing.assert_array_equal(gt.dxi, np.moveaxis(g.dxi, -1, 0))
    np.testing.assert_allclose(gt.dw, g.dw, rtol=1e-13)
    np.testing.assert_array_equal(rnnlti.nonlinear_iir(w, x[:, ::2, ::-1], "sigmoid"),
                                  rnnlti.nonlinear_iir(w, np.ascontiguousarray(x[:, ::2, ::-1]), "sigmoid"))


def test_float32_stays_float32_within_stated_tolerance():
    # float32 tolerance: forward rtol 1e-5 / atol 1e-5; gradients within 1e-4 of their largest
    # magnitude (errors of the recursion add up over the 500 steps).
    rng = np.random.default_rng(11)
    M = 3
    x, w, h0, c = rng.standard_normal((5, 500)), weights(rng, M), rng.standard_normal((5, M)), rng.standard_normal((5, 500))
    h64 = rnnlti.nonlinear_iir(w, x, h0=h0)
    h32 = rnnlti.nonlinear_iir(w.astype(np.float32), x.astype(np.float32), h0=h0.astype(np.float32))
    assert h32.dtype == np.float32
    np.testing.assert_allclose(h32, h64, rtol=1e-5, atol=1e-5)
    g64 = rnnlti.nonlinear_iir_backward(w, h64, c, h0=h0)
    g32 = rnnlti.nonlinear_iir_backward(w, h32, c.astype(np.float32), h0=h0.astype(np.float32))
    for a, b in zip(g32, g64):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, b, atol=1e-4 * np.abs(b).max())


def test_mixed_dtypes_take_the_wider_type():
    x32 = np.ones((2, 5), np.float32)
    assert rnnlti.nonlinear_iir([0.5], x32).dtype == np.float32
    assert rnnlti.nonlinear_iir([0.5], x32, h0=np.zeros((2, 1))).dtype == np.float64
    assert rnnlti.nonlinear_iir([0.5], np.arange(5)).dtype == np.float64


def test_out_is_written_in_place():
    x = np.random.default_rng(0).standard_normal((4, 100))
    out = np.empty_like(x)
    assert rnnlti.nonlinear_iir([0.3, 0.2], x, out=out) is out
    np.testing.assert_array_equal(out, rnnlti.nonlinear_iir([0.3, 0.2], x))


def test_nan_propagates():
    x = np.array([0.0, np.nan, 0.0, 0.0])
    h = rnnlti.nonlinear_iir([0.5], x)
    assert h[0] == 0.0 and np.all(np.isnan(h[1:]))
    h = rnnlti.nonlinear_iir([0.5], x, "relu")
    assert np.all(np.isnan(h[1:]))


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("with_h0", [False, True])
def test_matches_torch_autograd(activation, with_h0):
    torch = importlib.import_module("torch")
    rng = np.random.default_rng(21)
    M, T = 3, 60
    x, w, c = rng.standard_normal((4, T)), weights(rng, M), rng.standard_normal((4, T))
    h0 = rng.standard_normal((4, M)) if with_h0 else np.zeros((4, M))
    g = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu, "identity": lambda v: v}[activation]
    xt = torch.tensor(x, requires_grad=True)
    wt = torch.tensor(w, requires_grad=True)
    h0t = torch.tensor(h0, requires_grad=True)
    hist = [h0t[:, j] for j in range(M)]  # h[-M], ..., h[-1]
    for n in range(T):
        xi = xt[:, n]
        for m in range(1, M + 1):
            xi = xi + wt[m - 1] * hist[-m]
        hist.append(g(xi))
    ht = torch.stack(hist[M:], dim=1)
    (ht * torch.tensor(c)).sum().backward()
    h = rnnlti.nonlinear_iir(w, x, activation, h0=h0 if with_h0 else None)
    np.testing.assert_allclose(h, ht.detach().numpy(), rtol=1e-12, atol=1e-14)
    grads = rnnlti.nonlinear_iir_backward(w, h, c, activation, h0=h0 if with_h0 else None)
    np.testing.assert_allclose(grads.dw, wt.grad.numpy(), rtol=1e-11)
    np.testing.assert_allclose(grads.dx, xt.grad.numpy(), rtol=1e-11, atol=1e-14)
    if with_h0:
        np.testing.assert_allclose(grads.dh0, h0t.grad.numpy(), rtol=1e-11, atol=1e-14)
