"""Nonlinear filters and gradients: same bits for any thread count, and inputs never modified."""
import numpy as np
import pytest

import rnnlti

RNG = np.random.default_rng(17)
X = RNG.standard_normal((37, 1001))  # 37 channels: several SIMD blocks, the last one partial
XT = np.ascontiguousarray(X.T)        # time first, channels contiguous
C = RNG.standard_normal(X.shape)
W = np.array([0.3, -0.2, 0.1])
H0 = RNG.standard_normal((37, 3))
B, A = [0.2, 0.3, 0.1], [1.3, -0.5, 0.2]


def _iir_backward(x):
    h = rnnlti.nonlinear_iir(W, x, "tanh", h0=H0)
    return (h,) + tuple(rnnlti.nonlinear_iir_backward(W, h, C, "tanh", h0=H0))


def _fir_backward(x):
    y = rnnlti.nonlinear_fir(W, x, "sigmoid")
    return (y,) + tuple(rnnlti.nonlinear_fir_backward(W, x, y, C, "sigmoid"))


def _lfilter_backward(x):
    y = rnnlti.lfilter(B, A, x)
    return tuple(rnnlti.lfilter_backward(B, A, x, y, C)[:3])


def _iir_time_first(x):
    h = rnnlti.nonlinear_iir(W, XT, "relu", axis=0)
    return tuple(rnnlti.nonlinear_iir_backward(W, h, np.ascontiguousarray(C.T), "relu", axis=0)[:3])


CASES = {"iir": _iir_backward, "fir": _fir_backward, "lfilter_backward": _lfilter_backward,
         "iir_time_first": _iir_time_first}


@pytest.fixture
def restore_threads():
    yield
    rnnlti.set_num_threads(0)


@pytest.mark.parametrize("name", sorted(CASES))
def test_bitwise_identical_for_any_thread_count(name, restore_threads):
    results = []
    for n in (1, 2, 3, 4):
        rnnlti.set_num_threads(n)
        results.append(CASES[name](X))
    for r in results[1:]:
        for a, b in zip(r, results[0]):
            assert np.array_equal(a, b)


@pytest.mark.parametrize("name", sorted(CASES))
def test_inputs_are_not_modified(name):
    saved = [a.copy() for a in (X, XT, C, W, H0)]
    CASES[name](X)
    for a, b in zip((X, XT, C, W, H0), saved):
        assert np.array_equal(a, b)


def test_backward_inputs_are_not_modified():
    h = rnnlti.nonlinear_iir(W, X, h0=H0)
    y = rnnlti.nonlinear_fir(W, X)
    saved = [a.copy() for a in (h, y, C)]
    rnnlti.nonlinear_iir_backward(W, h, C, h0=H0)
    rnnlti.nonlinear_fir_backward(W, X, y, C)
    rnnlti.lfilter_backward(B, A, X, y, C)
    for a, b in zip((h, y, C), saved):
        assert np.array_equal(a, b)
