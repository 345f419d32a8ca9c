"""rnnlti demo: the lecture end to end on a built-in, deterministic system-identification task.

Coloured noise (white noise through an IIR low-pass) drives two unknown systems:
  1. a nonlinear resonator h[n] = tanh(x[n] + w1 h[n-1] + w2 h[n-2]): a NonlinearIIR is fitted to it by
     BPTT and recovers w1, w2;
  2. a saturating "amp" (a resonant IIR filter followed by tanh): the lecture's written example, a vector
     RNN with two delays and a linear readout, learns to imitate it (train and held-out errors).
Then the lecture's chain-rule example is solved on a flow graph, and plots (loss curves, held-out
predictions, |H(w)| of the linearised systems, the flow graph) are written to --out.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Dict, NamedTuple

import numpy as np

W_TRUE = np.array([1.6, -0.8])  # the resonator: linearised poles at radius 0.89, angle 0.46 rad
AMP_POLE, AMP_ANGLE, AMP_DRIVE = 0.9, 0.35, 1.5  # the amp: resonant low-pass, then tanh(drive * v)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, default=0, help="seed of the task and of the models (default 0)")
    parser.add_argument("--quick", action="store_true", help="small sizes and few epochs (a few seconds)")
    parser.add_argument("--out", default="rnnlti-demo", help="output folder for the plots (default ./rnnlti-demo/)")
    parser.add_argument("--no-plots", action="store_true", help="do not write PNG files (matplotlib not needed)")


class Sizes(NamedTuple):
    train: int  # sequences
    test: int
    length: int  # time steps per sequence
    iir_epochs: int
    rnn_hidden: int
    rnn_epochs: int
    rnn_batch: int
    rnn_window: int  # truncated BPTT window
    max_test_error: float  # RNN held-out normalised squared error that counts as success


FULL = Sizes(32, 8, 1000, 300, 8, 90, 16, 100, 0.02)
QUICK = Sizes(8, 2, 200, 300, 8, 30, 4, 50, 0.1)


def amp_filter():
    """(b, a) of the amp's resonant low-pass (unit gain at DC)."""
    r, th = AMP_POLE, AMP_ANGLE
    a = np.array([1.0, -2 * r * np.cos(th), r * r])
    return np.array([a.sum()]), a


def make_task(seed: int, sizes: Sizes) -> Dict[str, np.ndarray]:
    """Deterministic data: x (B, T) coloured noise, the resonator's output h and the amp's output y."""
    from . import lfilter, nonlinear_iir

    rng = np.random.default_rng(seed)
    white = rng.standard_normal((sizes.train + sizes.test, sizes.length))
    x = lfilter([0.4], [1.0, -0.6], white)  # one-pole low-pass: coloured noise, std 0.5
    b, a = amp_filter()
    v = lfilter(b, a, x)
    return {
        "white": white,
        "x": x,
        "h": nonlinear_iir(W_TRUE, x, "tanh"),
        "y": np.tanh(AMP_DRIVE * v),
    }


def nmse(pred: np.ndarray, target: np.ndarray) -> float:
    """sum (pred - target)^2 / sum (target - mean)^2: 0 is perfect, 1 is as bad as predicting the mean."""
    return float(np.sum((pred - target) ** 2) / np.sum((target - target.mean()) ** 2))


def chain_rule_example(x: float = 0.7):
    """The lecture's example h0 = cos x, h1 = (h0^3 + sin x)/sqrt 2, yhat = sqrt(h0^2 + h1^2) as a flow
    graph; returns (graph evaluated at x, dyhat/dx by the graph, dyhat/dx by the lecture's formula)."""
    from . import flowgraph as fg

    g = fg.FlowGraph()
    g.input("x")
    g.node("h0", lambda x: np.cos(x))
    g.node("h1", lambda h0, x: (h0**3 + np.sin(x)) / np.sqrt(2))
    g.node("yhat", lambda h0, h1: np.sqrt(h0**2 + h1**2))
    at = g.evaluate(x=x)
    h0, h1, yhat = at["h0"], at["h1"], at["yhat"]
    lecture = (h1 / yhat) * (np.cos(x) / np.sqrt(2)) - ((h0 + 3 / np.sqrt(2) * h0**2 * h1) / yhat) * np.sin(x)
    return at, float(at.total("yhat", "x")), float(lecture)


def run(args: argparse.Namespace) -> int:
    from . import RNN, NonlinearIIR, reference
    from .optim import Adam

    start = time.perf_counter()
    sizes = QUICK if args.quick else FULL
    if not args.no_plots:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            print("rnnlti demo: matplotlib is not installed: pip install 'rnnlti[demo]', or pass --no-plots",
                  file=sys.stderr)
            return 2
    print(f"rnnlti demo ({'quick' if args.quick else 'full'}, seed {args.seed}): system identification, "
          f"{sizes.train} training + {sizes.test} held-out sequences of {sizes.length} samples")
    data = make_task(args.seed, sizes)
    tr, te = slice(0, sizes.train), slice(sizes.train, None)
    x_ref, _ = reference.lfilter([0.4], [1.0, -0.6], data["white"][0, :300])
    print(f"input: white noise through the IIR low-pass 0.4 / (1 - 0.6 z^-1) by rnnlti.lfilter "
          f"(max |diff| vs the lecture's loop {np.abs(data['x'][0, :300] - x_ref).max():.1e})")

    # 1. NonlinearIIR: recover the resonator's weights -------------------------------------------
    print(f"\n1. NonlinearIIR(order=2): fit h[n] = tanh(x[n] + w1 h[n-1] + w2 h[n-2]) to the resonator")
    iir = NonlinearIIR(2, "tanh", seed=args.seed)
    x_tr, h_tr = data["x"][tr], data["h"][tr]
    _, grads = iir.loss_and_grads(x_tr, h_tr)
    eps, fd = 1e-6, []
    for m in range(2):  # the BPTT gradient next to central finite differences, as in the lecture's check
        w, keep = iir.parameters["w"], iir.parameters["w"][m]
        w[m] = keep + eps
        up = iir.loss_and_grads(x_tr, h_tr)[0]
        w[m] = keep - eps
        down = iir.loss_and_grads(x_tr, h_tr)[0]
        w[m] = keep
        fd.append((up - down) / (2 * eps))
    rel = np.max(np.abs(grads["w"] - fd)) / np.max(np.abs(fd))
    print(f"   BPTT dL/dw = {np.array2string(grads['w'], precision=6)}, finite differences agree to {rel:.1e}")
    iir_loss = iir.fit(x_tr, h_tr, epochs=sizes.iir_epochs, lr=0.05, progress=False)
    learned = iir.parameters["w"]
    w_err = float(np.max(np.abs(learned - W_TRUE)))
    print(f"   {'':8}{'true':>10}{'learned':>14}")
    for m in range(2):
        print(f"   w{m + 1:<7}{W_TRUE[m]:>10.6f}{learned[m]:>14.8f}")
    iir_test = nmse(iir.forward(data["x"][te]), data["h"][te])
    print(f"   max |error| = {w_err:.2e} after {sizes.iir_epochs} epochs (Adam); loss "
          f"{iir_loss[0]:.3g} -> {iir_loss[-1]:.3g}; held-out error {iir_test:.2e}")

    # 2. The written example's RNN imitates the amp ------------------------------------------------
    N, M = sizes.rnn_hidden, 2
    print(f"\n2. RNN (the written example, M = {M} delays, N = {N} hidden, readout W, c): imitate the amp "
          f"y = tanh({AMP_DRIVE} * resonant_lowpass(x))")
    print(f"   Adam (lr 0.02, then 0.005 for the last third), minibatches of {sizes.rnn_batch} sequences,")
    print(f"   truncated BPTT over windows of {sizes.rnn_window} steps, gradients clipped at global norm 10")
    rnn = RNN(1, N, 1, delays=M, seed=args.seed)
    X, Y = data["x"][..., None], data["y"][..., None]
    adam = Adam(0.02)

    def slow_down(model, epoch, loss):  # a smaller step for the last third: one bar, one optimiser state
        if epoch + 1 == sizes.rnn_epochs * 2 // 3:
            adam.lr = 0.005

    rnn_loss = rnn.fit(X[tr], Y[tr], epochs=sizes.rnn_epochs, lr=adam.lr, optimizer=adam, batch_size=sizes.rnn_batch,
                       truncate=sizes.rnn_window, clip=10.0, progress=True, callback=slow_down)
    pred_tr, pred_te = rnn.forward(X[tr]), rnn.forward(X[te])
    err_tr, err_te = nmse(pred_tr, Y[tr]), nmse(pred_te, Y[te])
    print(f"   loss {rnn_loss[0]:.4g} -> {rnn_loss[-1]:.4g}; normalised squared error: train {err_tr:.2e}, "
          f"held-out {err_te:.2e}")

    # 3. The chain rule on a flow graph ------------------------------------------------------------
    at, by_graph, by_lecture = chain_rule_example()
    print("\n3. The lecture's chain-rule example on a flow graph (rnnlti.flowgraph), at x = 0.7:")
    print("   " + str(at.chain_rule("yhat", "x")).replace("\n", "\n   "))
    print(f"   the lecture's closed form gives {by_lecture:.12f} (|diff| {abs(by_graph - by_lecture):.1e})")

    # 4. Plots and summary ---------------------------------------------------------------------------
    files = []
    if not args.no_plots:
        from ._demo_plots import write_plots

        files = write_plots(args.out, data, sizes, iir, rnn, iir_loss, rnn_loss, at)
        print(f"\n4. plots in {os.path.abspath(args.out)}{os.sep}:")
        for path in files:
            print(f"   {os.path.basename(path)}")
    ok = w_err < 1e-3 and err_te < sizes.max_test_error and abs(by_graph - by_lecture) < 1e-12
    took = time.perf_counter() - start
    verdict = "OK" if ok else "FAILED"
    print(f"\nrnnlti demo {verdict}: NonlinearIIR weights recovered to {w_err:.1e}, RNN held-out error "
          f"{err_te:.2e}, chain rule exact, {len(files)} plots, {took:.1f} s")
    return 0 if ok else 1
