"""The demo's figures (matplotlib, imported only here; no pyplot, so no global state or GUI backend)."""
from __future__ import annotations

import os
from typing import List

import numpy as np


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=110, layout="constrained")


def rnn_linearised_response(rnn, worN: int = 512):
    """|H(w)| of the RNN linearised about its resting state h* (the response to x = 0):
    dh[t] = D (U dx[t] + V1 dh[t-1] + V2 dh[t-2]), D = diag g'(xi*), so
    H(z) = W (I - sum_m D V_m z^-m)^-1 D U.  Returns (w, H) with H of shape (worN, K, D)."""
    p = rnn.parameters
    rest = rnn.hidden(np.zeros((1, 400, rnn.input_size)))[0, -1]  # the kernel runs to the fixed point
    gdot = {"tanh": 1 - rest**2, "sigmoid": rest * (1 - rest), "relu": (rest > 0) * 1.0,
            "identity": np.ones_like(rest)}[rnn.activation]
    w = np.linspace(0, np.pi, worN, endpoint=False)
    zinv = np.exp(-1j * w)[:, None, None]
    A = np.eye(rnn.hidden_size) - sum(gdot[:, None] * p["V"][m] * zinv ** (m + 1) for m in range(rnn.delays))
    return w, p["W"] @ np.linalg.solve(A, gdot[:, None] * p["U"])


def write_plots(out, data, sizes, iir, rnn, iir_loss, rnn_loss, flow) -> List[str]:
    from . import freqz
    from .demo import AMP_DRIVE, W_TRUE, amp_filter

    os.makedirs(out, exist_ok=True)
    paths = []

    def save(fig, name):
        path = os.path.join(out, name)
        fig.savefig(path)
        paths.append(path)

    # Loss curves: mean squared error per sample, so that both models share a scale.
    fig = _figure(9, 3.6)
    samples = sizes.train * sizes.length
    axes = fig.subplots(1, 2)
    for ax, loss, title in zip(axes, [iir_loss, rnn_loss],
                               ["NonlinearIIR (order 2) on the resonator", "RNN (M = 2) on the amp"]):
        ax.semilogy(np.arange(1, len(loss) + 1), 2 * np.asarray(loss) / samples)
        ax.set(title=title, xlabel="epoch", ylabel="loss per sample, 2 L / (B T)")
        ax.grid(True, which="both", alpha=0.3)
    axes[1].axvline(sizes.rnn_epochs * 2 // 3 + 0.5, color="0.5", ls=":", label="Adam lr 0.02 -> 0.005")
    axes[1].legend(fontsize=8)
    save(fig, "loss.png")

    # Held-out predictions.
    te, n = sizes.train, min(400, sizes.length)
    t = np.arange(n)
    fig = _figure(9, 6)
    ax0, ax1, ax2 = fig.subplots(3, 1, sharex=True)
    ax0.plot(t, data["x"][te, :n], color="0.4", lw=0.8)
    ax0.set(title="held-out input x[n] (coloured noise)", ylabel="x")
    ax1.plot(t, data["h"][te, :n], lw=2.2, color="tab:blue", label="resonator h[n]")
    ax1.plot(t, iir.forward(data["x"][te])[:n], "--", lw=1.2, color="tab:orange", label="fitted NonlinearIIR")
    ax1.set(title="1. nonlinear resonator vs the fitted NonlinearIIR", ylabel="h")
    ax2.plot(t, data["y"][te, :n], lw=2.2, color="tab:blue", label="amp y[n]")
    ax2.plot(t, rnn.forward(data["x"][te, :, None])[:n, 0], "--", lw=1.2, color="tab:red", label="RNN prediction")
    ax2.set(title="2. saturating amp vs the trained RNN", xlabel="n (samples)", ylabel="y")
    for ax in (ax1, ax2):
        ax.legend(loc="upper right", fontsize=8)
    for ax in (ax0, ax1, ax2):
        ax.grid(True, alpha=0.3)
    save(fig, "prediction.png")

    # |H(w)| of the linearised systems (small-signal responses about their resting states).
    fig = _figure(9, 3.8)
    ax0, ax1 = fig.subplots(1, 2)
    db = lambda h: 20 * np.log10(np.maximum(np.abs(h), 1e-12))
    for w_iir, style, label in [(W_TRUE, "-", "true w"), (iir.parameters["w"], "--", "learned w")]:
        w, h = freqz([1.0], [1.0, -w_iir[0], -w_iir[1]], worN=512)
        ax0.plot(w / np.pi, db(h), style, lw=2.2 if style == "-" else 1.2, label=label)
    ax0.set(title="resonator linearised at h = 0: 1 / (1 - w1 z^-1 - w2 z^-2)")
    b, a = amp_filter()
    w, h = freqz(AMP_DRIVE * b, a, worN=512)
    ax1.plot(w / np.pi, db(h), lw=2.2, label="amp, small signal")
    w, h = rnn_linearised_response(rnn)
    ax1.plot(w / np.pi, db(h[:, 0, 0]), "--", lw=1.2, color="tab:red", label="RNN linearised at rest")
    ax1.set(title="amp vs RNN, linearised")
    for ax in (ax0, ax1):
        ax.set(xlabel="frequency (x pi rad/sample)", ylabel="|H(w)| (dB)")
        ax.legend(fontsize=8)
        ax.grid(True, alpha=0.3)
    save(fig, "freqz.png")

    paths.append(flow.draw(os.path.join(out, "flowgraph.png"), "yhat", "x"))
    return [os.fspath(p) for p in paths]
