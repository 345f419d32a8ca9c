"""rnnlti.torch's autograd functions: parity with the NumPy API, torch.autograd.gradcheck in float64 on
every function, float32, zero-copy hand-over, error messages, no mutation, lazy import."""
import subprocess
import sys

import numpy as np
import pytest
import torch

import rnnlti
import rnnlti.torch as rt
from rnnlti import _torch_autograd

ACTIVATIONS = ["tanh", "sigmoid", "relu", "identity"]
F64 = torch.float64


@pytest.fixture(autouse=True)
def one_thread():
    """gradcheck makes hundreds of tiny calls; an OpenMP barrier per call costs a scheduler quantum on a
    loaded machine.  Results do not depend on the thread count (checked at the end of this file)."""
    rnnlti.set_num_threads(1)
    yield
    rnnlti.set_num_threads(0)


def rand(*shape, seed=0, scale=1.0, dtype=F64, grad=True):
    g = torch.Generator().manual_seed(seed)
    return (scale * torch.randn(*shape, generator=g, dtype=dtype)).requires_grad_(grad)


def gradcheck(fn, inputs):
    """Central finite differences against the full analytical Jacobian."""
    assert torch.autograd.gradcheck(fn, inputs, eps=1e-6, atol=1e-7, rtol=1e-6)


# --- lazy imports --------------------------------------------------------------------------------

def _run(code):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)


def test_import_rnnlti_does_not_import_torch_or_jax():
    r = _run("import sys, rnnlti; print('torch' in sys.modules, 'jax' in sys.modules)")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["False", "False"]


@pytest.mark.parametrize("front, extra", [("torch", "rnnlti[torch]"), ("jax", "rnnlti[jax]")])
def test_front_end_without_its_framework_says_what_to_install(front, extra):
    r = _run(f"import sys; sys.modules['{front}'] = None\nimport rnnlti.{front}")
    assert r.returncode != 0
    assert "ImportError" in r.stderr and extra in r.stderr and "pip install" in r.stderr


def test_the_real_torch_is_imported():
    assert _torch_autograd.torch is torch and hasattr(torch, "autograd")
    assert rt.__name__ == "rnnlti.torch" and torch.__name__ == "torch"


# --- lfilter -------------------------------------------------------------------------------------

def test_lfilter_matches_numpy_api_with_zi_and_axis():
    b, a = rand(3, seed=1), rand(3, seed=2)
    with torch.no_grad():
        a[0] = 1.3
    x = rand(4, 30, 2, seed=3)
    zi = rand(4, 2, 2, seed=4)
    y, zf = rt.lfilter(b, a, x, axis=1, zi=zi)
    y_np, zf_np = rnnlti.lfilter(b.detach().numpy(), a.detach().numpy(), x.detach().numpy(), axis=1, zi=zi.detach().numpy())
    np.testing.assert_allclose(y.detach().numpy(), y_np, rtol=0, atol=1e-14)
    np.testing.assert_allclose(zf.detach().numpy(), zf_np, rtol=0, atol=1e-13)
    assert zf.shape == zi.shape


@pytest.mark.parametrize("T", [0, 1, 2, 25])
def test_lfilter_gradcheck_b_a_x_zi(T):
    b, a = rand(3, seed=1), rand(4, seed=2, scale=0.3)
    with torch.no_grad():
        a[0] = 1.5  # a[0] != 1: the normalisation is differentiated too
    x = rand(3, T, seed=3)
    zi = rand(3, 3, seed=4)
    y, zf = rt.lfilter(b, a, x, zi=zi)  # zf reaches back into zi when T < order
    y_np, zf_np = rnnlti.lfilter(*(t.detach().numpy() for t in (b, a, x)), zi=zi.detach().numpy())
    np.testing.assert_allclose(y.detach().numpy(), y_np, rtol=0, atol=1e-14)
    np.testing.assert_allclose(zf.detach().numpy(), zf_np, rtol=0, atol=1e-13)
    gradcheck(lambda b, a, x, zi: rt.lfilter(b, a, x, zi=zi), (b, a, x, zi))
    if T:
        gradcheck(lambda b, a, x: rt.lfilter(b, a, x), (b, a, x))


def test_lfilter_gradcheck_axis0_bank_and_broadcast_zi():
    b, a = rand(2, 3, seed=5), rand(2, 2, seed=6, scale=0.3)  # one filter per channel
    with torch.no_grad():
        a[:, 0] = 1.0
    x = rand(12, 2, seed=7)
    zi = rand(2, 1, seed=8)  # expected (order, channels) = (2, 2); a size-1 channel axis broadcasts
    gradcheck(lambda b, a, x, zi: rt.lfilter(b, a, x, axis=0, zi=zi), (b, a, x, zi))


def test_lfilter_zf_feeds_the_next_chunk():
    b, a = torch.tensor([0.2, 0.1], dtype=F64), torch.tensor([1.0, -0.7], dtype=F64)
    x = rand(2, 40, seed=9)
    y_full = rt.lfilter(b, a, x)
    y1, zf = rt.lfilter(b, a, x[:, :17], zi=torch.zeros(2, 1, dtype=F64))
    y2, _ = rt.lfilter(b, a, x[:, 17:], zi=zf)
    torch.testing.assert_close(torch.cat([y1, y2], 1), y_full, rtol=0, atol=1e-14)
    # ... and the gradient through zf (truncated BPTT over chunks) is the full one.
    g_full = torch.autograd.grad(y_full.square().sum(), x)[0]
    g_chunks = torch.autograd.grad(y1.square().sum() + y2.square().sum(), x)[0]
    torch.testing.assert_close(g_chunks, g_full, rtol=0, atol=1e-13)


def test_lfilter_list_coefficients_are_constants():
    x = rand(2, 10, seed=10)
    y = rt.lfilter([1.0, 0.5], [1, -0.5], x)
    y.sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), rnnlti.lfilter([1.0, 0.5], [1, -0.5], x.detach().numpy()), atol=1e-15)
    assert x.grad is not None and x.grad.shape == x.shape


def test_fir_matches_and_gradcheck():
    h, x = rand(5, seed=11), rand(3, 20, 2, seed=12)
    y = rt.fir(h, x, axis=1)
    np.testing.assert_allclose(y.detach().numpy(), rnnlti.fir(h.detach().numpy(), x.detach().numpy(), axis=1), atol=1e-14)
    gradcheck(lambda h, x: rt.fir(h, x, axis=1), (h, x))


# --- nonlinear filters ---------------------------------------------------------------------------

@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_nonlinear_fir_matches_and_gradcheck(activation):
    w, x = rand(4, seed=13, scale=0.5), rand(3, 25, seed=14)
    yhat = rt.nonlinear_fir(w, x, activation)
    np.testing.assert_allclose(
        yhat.detach().numpy(), rnnlti.nonlinear_fir(w.detach().numpy(), x.detach().numpy(), activation), atol=1e-14
    )
    gradcheck(lambda w, x: rt.nonlinear_fir(w, x, activation), (w, x))
    xt = rand(25, 3, seed=15)
    gradcheck(lambda w, x: rt.nonlinear_fir(w, x, activation, axis=0), (w, xt))


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("M", [1, 3])
def test_nonlinear_iir_matches_and_gradcheck(activation, M):
    w, x = rand(M, seed=16, scale=0.3), rand(2, 20, seed=17)
    h0 = rand(2, M, seed=18)
    h = rt.nonlinear_iir(w, x, activation, h0=h0)
    np.testing.assert_allclose(
        h.detach().numpy(),
        rnnlti.nonlinear_iir(w.detach().numpy(), x.detach().numpy(), activation, h0=h0.detach().numpy()),
        atol=1e-14,
    )
    gradcheck(lambda w, x, h0: rt.nonlinear_iir(w, x, activation, h0=h0), (w, x, h0))
    gradcheck(lambda w, x: rt.nonlinear_iir(w, x, activation, axis=0), (w, rand(20, 2, seed=19)))


# --- the vector RNN and the readout loss ----------------------------------------------------------

def rnn_inputs(B=2, T=6, D=2, N=3, M=2, seed=20, dtype=F64):
    x = rand(B, T, D, seed=seed, dtype=dtype) if B else rand(T, D, seed=seed, dtype=dtype)
    U = rand(N, D, seed=seed + 1, scale=0.5, dtype=dtype)
    V = rand(M, N, N, seed=seed + 2, scale=0.3, dtype=dtype)
    b = rand(N, seed=seed + 3, scale=0.2, dtype=dtype)
    h0 = rand(B, M, N, seed=seed + 4, dtype=dtype) if B else rand(M, N, seed=seed + 4, dtype=dtype)
    return x, U, V, b, h0


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("M", [1, 2, 3])
def test_rnn_matches_and_gradcheck(activation, M):
    x, U, V, b, h0 = rnn_inputs(M=M)
    h = rt.rnn(x, U, V, b, h0, activation)
    np.testing.assert_allclose(
        h.detach().numpy(),
        rnnlti.rnn_forward(*(t.detach().numpy() for t in (x, U, V, b, h0)), activation=activation),
        atol=1e-13,
    )
    gradcheck(lambda *a: rt.rnn(*a, activation=activation), (x, U, V, b, h0))


def test_rnn_gradcheck_without_bias_or_h0_and_unbatched():
    x, U, V, b, h0 = rnn_inputs(M=2)
    gradcheck(lambda x, U, V: rt.rnn(x, U, V), (x, U, V))
    x, U, V, b, h0 = rnn_inputs(B=0, M=2)
    gradcheck(lambda *a: rt.rnn(*a), (x, U, V, b, h0))
    x, U, V, b, _ = rnn_inputs(M=2)
    shared_h0 = rand(2, 3, seed=30)  # one (M, N) h0 for every sequence: its gradient sums the batch
    gradcheck(lambda x, U, V, h0: rt.rnn(x, U, V, None, h0), (x, U, V, shared_h0))


def test_rnn_with_x_as_data_skips_dx_and_gives_the_same_weight_gradients(monkeypatch):
    x, U, V, b, h0 = rnn_inputs(M=2)
    wanted = []
    backward = _torch_autograd._rnn_backward
    monkeypatch.setattr(_torch_autograd, "_rnn_backward", lambda *a: wanted.append(a[-2:]) or backward(*a))
    grads = {}
    for x_needs_grad in (True, False):
        leaves = [t.detach().clone().requires_grad_() for t in (U, V, b, h0)]
        xx = x.detach().clone().requires_grad_(x_needs_grad)
        (rt.rnn(xx, *leaves[:2], *leaves[2:]) ** 2).sum().backward()
        grads[x_needs_grad] = [t.grad for t in leaves]
        assert (xx.grad is not None) == x_needs_grad
    assert wanted == [(True, False), (False, False)]  # (want_dx, want_dh): autograd never needs dh
    for with_x, without_x in zip(grads[True], grads[False]):
        assert torch.equal(with_x, without_x)


def test_rnn_takes_a_list_of_delay_matrices_and_keeps_their_gradients():
    x, U, V, b, h0 = rnn_inputs(M=2)
    V1, V2 = (v.detach().clone().requires_grad_() for v in V)
    torch.testing.assert_close(rt.rnn(x, U, [V1, V2], b, h0), rt.rnn(x, U, V, b, h0))
    gradcheck(lambda V1, V2: rt.rnn(x, U, [V1, V2], b, h0), (V1, V2))


@pytest.mark.parametrize("with_c", [True, False])
def test_readout_loss_matches_and_gradcheck(with_c):
    h, W, c = rand(2, 7, 4, seed=40), rand(3, 4, seed=41), rand(3, seed=42)
    c = c if with_c else None
    y = torch.randn(2, 1, 3, dtype=F64)  # one target per sequence, broadcast over time
    loss = rt.readout_loss(h, W, y, c)
    ref = 0.5 * ((y - (h @ W.T + (0 if c is None else c))) ** 2).sum()
    torch.testing.assert_close(loss, ref, rtol=1e-13, atol=0)
    args = (h, W, c) if with_c else (h, W)
    gradcheck(lambda h, W, *c: rt.readout_loss(h, W, y, *c), args)


def test_readout_loss_refuses_targets_that_require_grad():
    with pytest.raises(ValueError, match="y"):
        rt.readout_loss(rand(2, 3, 4), rand(1, 4), rand(1))


# --- float32 -------------------------------------------------------------------------------------

def test_float32_stays_float32_and_agrees_with_float64():
    x, U, V, b, h0 = rnn_inputs(M=2, dtype=torch.float32)
    h = rt.rnn(x, U, V, b, h0)
    assert h.dtype == torch.float32
    h.square().sum().backward()
    x64, U64, V64, b64, h064 = (t.detach().double().requires_grad_() for t in (x, U, V, b, h0))
    rt.rnn(x64, U64, V64, b64, h064).square().sum().backward()
    for t32, t64 in zip((x, U, V, b, h0), (x64, U64, V64, b64, h064)):
        assert t32.grad.dtype == torch.float32
        np.testing.assert_allclose(t32.grad.numpy(), t64.grad.numpy(), rtol=1e-4, atol=1e-5)  # float32 tolerance
    bf, af, xf = rand(3, dtype=torch.float32), torch.tensor([1.0, -0.5], requires_grad=True), rand(2, 50, dtype=torch.float32)
    y = rt.lfilter(bf, af, xf)
    y.sum().backward()
    assert y.dtype == bf.grad.dtype == af.grad.dtype == xf.grad.dtype == torch.float32


# --- zero copy -----------------------------------------------------------------------------------

def test_tensors_reach_the_kernels_without_a_copy(monkeypatch):
    seen = {}
    real = _torch_autograd._lfilter

    def spy(b, a, x, axis=-1, zi=None):
        seen["x"] = x
        seen["y"] = real(b, a, x, axis=axis, zi=zi)
        return seen["y"]

    monkeypatch.setattr(_torch_autograd, "_lfilter", spy)
    x = rand(6, 64, seed=50).detach()[:, ::2].t()  # a strided, transposed view
    y = rt.lfilter(torch.tensor([1.0, 0.5], dtype=F64), torch.tensor([1.0], dtype=F64), x, axis=0)
    assert seen["x"].ctypes.data == x.data_ptr() and seen["x"].strides == tuple(s * 8 for s in x.stride())
    assert y.data_ptr() == seen["y"].ctypes.data  # the kernel's output is the tensor


def test_rnn_hands_contiguous_tensors_over_without_a_copy(monkeypatch):
    seen = {}
    real = _torch_autograd._rnn_forward

    def spy(x, U, V, b, h0, activation):
        seen["x"], seen["U"] = x, U
        return real(x, U, V, b, h0, activation)

    monkeypatch.setattr(_torch_autograd, "_rnn_forward", spy)
    x, U, V, b, h0 = rnn_inputs()
    rt.rnn(x, U, V, b, h0)
    assert seen["x"].ctypes.data == x.data_ptr() and seen["U"].ctypes.data == U.data_ptr()


# --- bad input -----------------------------------------------------------------------------------

X64 = torch.zeros(2, 8, dtype=F64)
META = torch.zeros(2, 8, dtype=F64, device="meta")  # a non-CPU device that exists on every machine

BAD = [
    ("lfilter x on another device", lambda: rt.lfilter([1.0], [1.0], META), TypeError, "x is a meta tensor"),
    ("lfilter b on another device", lambda: rt.lfilter(torch.ones(1, device="meta"), [1.0], X64), TypeError, "b.cpu()"),
    ("lfilter float16 x", lambda: rt.lfilter([1.0], [1.0], X64.half()), TypeError, "x has dtype torch.float16"),
    ("lfilter int64 x", lambda: rt.lfilter([1.0], [1.0], X64.long()), TypeError, "x has dtype torch.int64"),
    ("lfilter complex x", lambda: rt.lfilter([1.0], [1.0], X64.to(torch.complex128)), TypeError, "x has dtype"),
    ("lfilter mixed dtypes", lambda: rt.lfilter(torch.ones(1), [1.0], X64), TypeError, "b: torch.float32, x: torch.float64"),
    ("lfilter complex list", lambda: rt.lfilter([1j], [1.0], X64), TypeError, "b"),
    ("lfilter 0-d x", lambda: rt.lfilter([1.0], [1.0], torch.tensor(1.0, dtype=F64)), ValueError, "x"),
    ("lfilter zi shape", lambda: rt.lfilter([1.0, 1.0], [1.0], X64, zi=torch.zeros(2, 3, dtype=F64)), ValueError, "zi"),
    ("lfilter axis", lambda: rt.lfilter([1.0], [1.0], X64, axis=2), ValueError, "axis"),
    ("lfilter a[0] = 0", lambda: rt.lfilter([1.0], [0.0, 1.0], X64), ValueError, "a[0]"),
    ("fir sparse x", lambda: rt.fir([1.0], X64.to_sparse()), TypeError, "x has layout"),
    ("nonlinear_fir activation", lambda: rt.nonlinear_fir([1.0], X64, "softplus"), ValueError, "activation"),
    ("nonlinear_iir h0 shape", lambda: rt.nonlinear_iir([0.5], X64, h0=torch.zeros(2, 2, dtype=F64)), ValueError, "h0"),
    ("nonlinear_iir bool x", lambda: rt.nonlinear_iir([0.5], X64.bool()), TypeError, "x has dtype torch.bool"),
    ("rnn U shape", lambda: rt.rnn(torch.zeros(2, 5, 3), torch.zeros(4, 2), torch.zeros(1, 4, 4)), ValueError, "U"),
    ("rnn V on another device", lambda: rt.rnn(torch.zeros(2, 5, 3), torch.zeros(4, 3), torch.zeros(1, 4, 4, device="meta")), TypeError, "V"),
    ("rnn activation", lambda: rt.rnn(torch.zeros(2, 5, 3), torch.zeros(4, 3), torch.zeros(1, 4, 4), activation="gelu"), ValueError, "activation"),
    ("readout W shape", lambda: rt.readout_loss(torch.zeros(2, 5, 3), torch.zeros(1, 4), torch.zeros(1)), ValueError, "W"),
]


@pytest.mark.parametrize("name, call, error, text", BAD, ids=[row[0] for row in BAD])
def test_bad_input(name, call, error, text):
    with pytest.raises(error) as info:
        call()
    assert text in str(info.value)


# --- inputs untouched, threads ---------------------------------------------------------------------

def test_no_input_is_mutated_and_results_do_not_depend_on_threads():
    x, U, V, b, h0 = rnn_inputs(B=5, T=30, D=3, N=6, M=2)
    before = [t.detach().clone() for t in (x, U, V, b, h0)]
    results = []
    try:
        for n in (1, 2, 3, 4):
            rnnlti.set_num_threads(n)
            for t in (x, U, V, b, h0):
                t.grad = None
            h = rt.rnn(x, U, V, b, h0)
            h.square().sum().backward()
            results.append([h.detach().clone()] + [t.grad.clone() for t in (x, U, V, b, h0)])
    finally:
        rnnlti.set_num_threads(0)
    for t, t0 in zip((x, U, V, b, h0), before):
        assert torch.equal(t.detach(), t0)
    for other in results[1:]:
        assert all(torch.equal(p, q) for p, q in zip(results[0], other))
