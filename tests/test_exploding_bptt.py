"""Exploding recursions and gradients (issue 7): nonlinear_iir / rnn_forward with an unbounded
activation and recurrent gain above 1 overflow to inf like IEEE arithmetic, and the backward
passes' gradients, multiplied by the recurrent weights at every step back in time, overflow too -
silently (no warning, no exception), never a crash, the same bits for any thread count, and the
same non-finite positions as the lecture's loops (rnnlti.reference) where those are exact."""
import warnings

import numpy as np
import pytest

import rnnlti
from rnnlti import reference as R


def no_warnings(call):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return call()


@pytest.mark.parametrize("dtype, first_inf", [(np.float64, 1023), (np.float32, 127)])
def test_nonlinear_iir_identity_gain_two_overflows_at_the_ieee_sample(dtype, first_inf):
    # h[n] = 1 + 2 h[n-1] = 2^(n+1) - 1 exactly, so the first inf is at a known sample.
    x = np.ones((3, 1500), dtype)
    h = no_warnings(lambda: rnnlti.nonlinear_iir([2.0], x, activation="identity"))
    assert h.dtype == dtype
    assert np.isfinite(h[:, :first_inf]).all() and np.isposinf(h[:, first_inf:]).all()


@pytest.mark.parametrize("activation, w", [("relu", [1.5, 1.0]), ("identity", [-1.0, -4.0])])
def test_nonlinear_iir_growth_matches_the_reference_loops(activation, w):
    # Roots of modulus 2: overflow within ~1100 samples; identity's growing oscillation meets
    # inf - inf = NaN, relu (non-negative h) grows to +inf.
    w = np.array(w)
    x = np.random.default_rng(0).standard_normal(1500)
    h = no_warnings(lambda: rnnlti.nonlinear_iir(w, x, activation=activation))
    with np.errstate(all="ignore"):
        ref = R.nonlinear_iir(w, x, activation)
    assert not np.isfinite(h[-1])
    np.testing.assert_array_equal(np.isfinite(h), np.isfinite(ref))


@pytest.mark.parametrize("activation", ["tanh", "identity"])
def test_nonlinear_iir_backward_gradient_explodes_to_inf(activation):
    # tanh'(0) = 1: with h = 0 everywhere and w = 3, dL/dh[n] = 3 dL/dh[n+1] + 1 grows by 3 per step
    # back in time and overflows; dw and dh0 sum overflowing terms.
    T = 1000
    h = np.zeros((2, T))
    out = no_warnings(lambda: rnnlti.nonlinear_iir_backward([3.0], h, np.ones((2, T)), activation=activation,
                                                            h0=np.zeros((2, 1))))
    assert np.isfinite(out.dh[:, -600:]).all() and np.isposinf(out.dh[:, :300]).all()
    assert np.isposinf(out.dh0).all()
    with np.errstate(all="ignore"):
        dh_ref, _, _ = R.bptt([3.0], h[0], np.ones(T), activation)
    np.testing.assert_array_equal(np.isposinf(out.dh[0]), np.isposinf(dh_ref))
    # dw = sum dxi[n] h[n-1] = sum inf * 0 somewhere: NaN, like the loops.
    assert np.isnan(out.dw).all()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_rnn_forward_and_backward_explode_without_crashing(dtype):
    rng = np.random.default_rng(1)
    B, T, D, N = 5, 1200, 3, 6
    x = rng.standard_normal((B, T, D)).astype(dtype)
    U = rng.standard_normal((N, D)).astype(dtype)
    V = (2.0 * np.eye(N))[None].astype(dtype)  # gain 2 per step
    h = no_warnings(lambda: rnnlti.rnn_forward(x, U, V, activation="identity"))
    assert h.dtype == dtype and not np.isfinite(h[:, -1]).any()
    assert np.isfinite(h[:, :50]).all()
    # Backward through tanh with h = 0 (derivative 1) and the same weights: the gradient doubles per
    # step back in time and overflows.
    g = no_warnings(lambda: rnnlti.rnn_backward(x, np.zeros((B, T, N), dtype), U, V, np.ones((B, T, N), dtype)))
    # (V^T dxi multiplies V's zeros by the infinite entries: NaN, as numpy's matmul would.)
    assert np.isfinite(g.dh[:, -50:]).all() and not np.isfinite(g.dh[:, :50]).any()
    assert not np.isfinite(g.dU).all() and not np.isfinite(g.dx[:, 0]).all()
    # The same bits whatever the thread count.
    try:
        rnnlti.set_num_threads(1)
        g1 = rnnlti.rnn_backward(x, np.zeros((B, T, N), dtype), U, V, np.ones((B, T, N), dtype))
    finally:
        rnnlti.set_num_threads(0)
    for a, b in zip(g, g1):
        if a is not None:
            assert a.tobytes() == b.tobytes()


def test_rnn_backward_explosion_matches_the_reference_loops():
    rng = np.random.default_rng(2)
    T, D, N = 1200, 2, 3
    x = rng.standard_normal((T, D))
    U = rng.standard_normal((N, D))
    V = np.stack([1.7 * np.eye(N), 0.6 * np.eye(N)])
    h = rnnlti.rnn_forward(x, U, V, activation="identity")
    dhp = rng.standard_normal((T, N))
    got = rnnlti.rnn_backward(x, h, U, V, dhp, activation="identity")
    with np.errstate(all="ignore"):
        ref = R.rnn_backward(x, h, U, V, dhp, activation="identity")
    assert not np.isfinite(got.dh[0]).all()
    for name, r in zip(got._fields, ref):
        if r is not None and name in ("dh", "dxi", "dx"):
            np.testing.assert_array_equal(np.isfinite(getattr(got, name)), np.isfinite(r), err_msg=name)
