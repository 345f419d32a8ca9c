"""Benchmark group "frameworks": rnnlti inside PyTorch training code (issue 9), float32.

Rows:
- ``train-<size>``: one training step (zero_grad, forward, loss, backward, SGD step) of an RNN + a
  linear readout (K = D outputs, loss 1/2 sum ||y - yhat||^2), at the vector-RNN sizes of issue 4,
  (B, T, D, N) = (32, 256, 32, 32), (32, 256, 64, 128), (32, 256, 128, 512), (1, 4096, 16, 64):
  "rnnlti" is ``rnnlti.torch.RNN`` + ``nn.Linear``, "torch.nn.RNN" the same model with
  ``torch.nn.RNN`` (the one line changed), "rnnlti+readout" ``rnnlti.torch.RNN`` with
  ``rnnlti.torch.readout_loss`` (the readout on the kernel) instead of nn.Linear + the loss.
- ``overhead-rnn-n128`` / ``overhead-lfilter``: the cost of the autograd wrapper.  "rnnlti" is the bare
  NumPy kernels (rnn_forward + rnn_backward, or lfilter + lfilter_backward, with a fixed upstream
  gradient), "rnnlti.torch" the same through ``rnnlti.torch`` (forward, then ``backward(grad)``); the
  ratio minus one is the wrapper's overhead.
- ``lfilter-grad``: ``rnnlti.torch.lfilter`` forward + backward (gradients for b, a, x) of a
  Butterworth order-2 filter on 64 channels x 10,000 samples, against a torch lfilter written as
  conv1d (the numerator) + a Python loop over time (the recursion) under autograd ("torch-loop"), and
  torchaudio.functional.lfilter when it is installed (torchaudio has no build for torch 2.13 here, so
  that row reports skipped).
Each implementation runs in a process of its own (the runner's workers); torch uses 2 threads (or
``RNNLTI_BENCH_THREADS``), and so do rnnlti's kernels, as torch and rnnlti share one OpenMP runtime.
"""
from __future__ import annotations

import os
from typing import Callable, Dict, List, Tuple

import numpy as np

GROUP = "frameworks"

_SIZES = {"n32": (32, 256, 32, 32), "n128": (32, 256, 64, 128), "n512": (32, 256, 128, 512), "b1": (1, 4096, 16, 64)}
_QUICK_SIZES = {"n32": (8, 64, 32, 32), "n128": (8, 64, 64, 128), "n512": (4, 32, 128, 512), "b1": (1, 512, 16, 64)}
_LFILTER = {False: (64, 10_000), True: (16, 1_000)}


def _dims(size: str, quick: bool) -> Tuple[int, int, int, int]:
    return (_QUICK_SIZES if quick else _SIZES)[size]


def _train_flops(B: int, T: int, D: int, N: int) -> float:
    """Forward, BPTT and weight gradients of the RNN (M = 1) and of a K = D readout, 2 flops per FMA.
    x is data, so no dx = U^T dxi (neither torch.nn.RNN nor rnnlti.torch computes it)."""
    fwd = 2.0 * B * T * (D * N + N * N)
    return 3 * fwd - 2.0 * B * T * D * N + 3 * 2.0 * B * T * N * D


def cases(quick: bool) -> List[Dict]:
    out = []
    for size in _SIZES:
        B, T, D, N = _dims(size, quick)
        out.append({"name": f"train-{size}", "sizes": f"B={B} T={T} D={D} N={N} f32",
                    "impls": ["rnnlti", "torch.nn.RNN", "rnnlti+readout"],
                    "work": _train_flops(B, T, D, N), "unit": "GFLOP/s"})
    B, T, D, N = _dims("n128", quick)
    out.append({"name": "overhead-rnn-n128", "sizes": f"B={B} T={T} D={D} N={N} f32",
                "impls": ["rnnlti", "rnnlti.torch"], "work": None, "unit": None})
    C, L = _LFILTER[quick]
    out.append({"name": "overhead-lfilter", "sizes": f"({C}, {L}) iir2 f32",
                "impls": ["rnnlti", "rnnlti.torch"], "work": None, "unit": None})
    out.append({"name": "lfilter-grad", "sizes": f"({C}, {L}) iir2 f32",
                "impls": ["rnnlti", "torch-loop", "torchaudio"], "work": None, "unit": None})
    return out


def _torch():
    import torch

    torch.set_num_threads(int(os.environ.get("RNNLTI_BENCH_THREADS", "2")))
    return torch


# --- training steps --------------------------------------------------------------------------------

def _make_train(impl: str, size: str, quick: bool) -> Callable[[], object]:
    torch = _torch()
    B, T, D, N = _dims(size, quick)
    torch.manual_seed(0)
    x, y = torch.randn(B, T, D), torch.randn(B, T, D)
    if impl == "torch.nn.RNN":
        rnn = torch.nn.RNN(D, N, batch_first=True)
    else:
        import rnnlti.torch as rt

        rnn = rt.RNN(D, N)  # same seed, same initialisation as torch.nn.RNN
    readout = torch.nn.Linear(N, D)
    opt = torch.optim.SGD([*rnn.parameters(), *readout.parameters()], lr=1e-4)

    if impl == "rnnlti+readout":
        def step_kernel_readout():
            opt.zero_grad()
            out, _ = rnn(x)
            loss = rt.readout_loss(out, readout.weight, y, readout.bias)
            loss.backward()
            opt.step()
            return loss
        return step_kernel_readout

    def step():
        opt.zero_grad()
        out, _ = rnn(x)
        loss = 0.5 * ((y - readout(out)) ** 2).sum()
        loss.backward()
        opt.step()
        return loss
    return step


# --- wrapper overhead ------------------------------------------------------------------------------

def _make_overhead_rnn(impl: str, quick: bool) -> Callable[[], object]:
    B, T, D, N = _dims("n128", quick)
    rng = np.random.default_rng(0)
    f = np.float32
    x = rng.standard_normal((B, T, D)).astype(f)
    U = (rng.standard_normal((N, D)) / np.sqrt(D)).astype(f)
    V = (0.9 * rng.standard_normal((1, N, N)) / np.sqrt(N)).astype(f)
    b = (0.1 * rng.standard_normal(N)).astype(f)
    dh = rng.standard_normal((B, T, N)).astype(f)
    if impl == "rnnlti":
        import rnnlti

        def bare():
            h = rnnlti.rnn_forward(x, U, V, b)
            return rnnlti.rnn_backward(x, h, U, V, dh, b)
        return bare
    torch = _torch()
    import rnnlti.torch as rt

    xt, dht = torch.from_numpy(x).requires_grad_(), torch.from_numpy(dh)
    Ut, Vt, bt = (torch.from_numpy(v).requires_grad_() for v in (U, V, b))
    leaves = (xt, Ut, Vt, bt)

    def wrapped():
        for p in leaves:
            p.grad = None
        h = rt.rnn(xt, Ut, Vt, bt)
        h.backward(dht)
        return h
    return wrapped


def _lfilter_data(quick: bool):
    C, L = _LFILTER[quick]
    x = np.random.default_rng(0).standard_normal((C, L)).astype(np.float32)
    # scipy.signal.butter(2, 0.1), written out so that the group needs no scipy
    b = np.array([0.02008337, 0.04016673, 0.02008337], np.float32)
    a = np.array([1.0, -1.56101808, 0.64135154], np.float32)
    dy = np.random.default_rng(1).standard_normal((C, L)).astype(np.float32)
    return b, a, x, dy


def _make_overhead_lfilter(impl: str, quick: bool) -> Callable[[], object]:
    b, a, x, dy = _lfilter_data(quick)
    if impl == "rnnlti":
        import rnnlti

        def bare():
            y = rnnlti.lfilter(b, a, x)
            return rnnlti.lfilter_backward(b, a, x, y, dy)
        return bare
    return _make_lfilter_torch(b, a, x, dy)


def _make_lfilter_torch(b, a, x, dy) -> Callable[[], object]:
    torch = _torch()
    import rnnlti.torch as rt

    bt, at, xt = (torch.from_numpy(v).requires_grad_() for v in (b, a, x))
    dyt = torch.from_numpy(dy)

    def wrapped():
        for p in (bt, at, xt):
            p.grad = None
        y = rt.lfilter(bt, at, xt)
        y.backward(dyt)
        return y
    return wrapped


# --- lfilter with gradients against torch ----------------------------------------------------------

def _make_lfilter_grad(impl: str, quick: bool) -> Callable[[], object]:
    b, a, x, dy = _lfilter_data(quick)
    if impl == "rnnlti":
        return _make_lfilter_torch(b, a, x, dy)
    torch = _torch()
    if impl == "torchaudio":
        try:
            import torchaudio.functional as taf
        except ImportError as exc:
            raise ImportError(f"torchaudio is not installed (no build for torch {torch.__version__} here): {exc}") from None
        bt, at, xt = (torch.from_numpy(v).requires_grad_() for v in (b, a, x))
        dyt = torch.from_numpy(dy)

        def audio():
            for p in (bt, at, xt):
                p.grad = None
            y = taf.lfilter(xt, at, bt, clamp=False)
            y.backward(dyt)
            return y
        return audio

    bt, at, xt = (torch.from_numpy(v).requires_grad_() for v in (b, a, x))
    dyt = torch.from_numpy(dy)
    C, L = x.shape
    nb, na = len(b), len(a)

    def loop():
        for p in (bt, at, xt):
            p.grad = None
        # numerator as one causal conv1d, then the recursion y[n] = v[n] - sum_k a[k] y[n-k] over time
        v = torch.nn.functional.conv1d(torch.nn.functional.pad(xt, (nb - 1, 0))[:, None], bt.flip(0)[None, None])[:, 0] / at[0]
        an = at[1:] / at[0]
        ys = [torch.zeros(C) for _ in range(na - 1)]
        for n in range(L):
            yn = v[:, n]
            for k in range(1, na):
                yn = yn - an[k - 1] * ys[-k]
            ys.append(yn)
        y = torch.stack(ys[na - 1 :], 1)
        y.backward(dyt)
        return y
    return loop


def make(case: str, impl: str, quick: bool) -> Callable[[], object]:
    if case.startswith("train-"):
        return _make_train(impl, case.split("-", 1)[1], quick)
    if case == "overhead-rnn-n128":
        return _make_overhead_rnn(impl, quick)
    if case == "overhead-lfilter":
        return _make_overhead_lfilter(impl, quick)
    if case == "lfilter-grad":
        return _make_lfilter_grad(impl, quick)
    raise ValueError(f"unknown case {case!r}")
