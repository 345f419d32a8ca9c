"""Peak memory of the vector RNN's training step at (B, T, N) = (32, 100000, 64) float32, D = 16:
rnn_forward + readout_loss + rnn_backward in a fresh process, peak RSS from resource.getrusage
against the documented budget.

    python bench/rnn_memory.py [B T N D]

The budget is what the step must hold at once: the input x, the forward's output h, readout_loss's
dh_partial, and the backward's outputs dh, dxi, dx (the weights and their gradients are tiny),
on top of the interpreter's baseline (measured before the arrays exist).  Anything above it is
scratch memory of the kernels (e.g. per-thread tiles), reported as the excess.
"""
import resource
import sys
import time

import numpy as np


def rss_peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main(B=32, T=100_000, N=64, D=16, K=4):
    import rnnlti

    rng = np.random.default_rng(0)
    U = (rng.standard_normal((N, D)) / np.sqrt(D)).astype(np.float32)
    V = (rng.standard_normal((2, N, N)) * 0.5 / np.sqrt(2 * N)).astype(np.float32)
    W = rng.standard_normal((K, N)).astype(np.float32)
    y = rng.standard_normal(K).astype(np.float32)
    base = rss_peak_mib()
    x = np.empty((B, T, D), np.float32)
    for b in range(B):  # filled sequence by sequence, so no float64 temporary raises the peak
        x[b] = rng.standard_normal((T, D), dtype=np.float32)
    t0 = time.perf_counter()
    h = rnnlti.rnn_forward(x, U, V)
    t1 = time.perf_counter()
    loss = rnnlti.readout_loss(h, W, y)
    t2 = time.perf_counter()
    grads = rnnlti.rnn_backward(x, h, U, V, loss.dh)
    t3 = time.perf_counter()
    peak = rss_peak_mib()
    mib = 1 / 2**20
    big = {"x": x.nbytes, "h": h.nbytes, "dh_partial": loss.dh.nbytes, "dh": grads.dh.nbytes,
           "dxi": grads.dxi.nbytes, "dx": grads.dx.nbytes}
    budget = sum(big.values()) * mib
    print(f"(B, T, N, D) = ({B}, {T}, {N}, {D}) float32, M = 2, threads = {rnnlti.get_num_threads()}")
    print("arrays held: " + ", ".join(f"{k} {v * mib:.0f} MiB" for k, v in big.items()))
    print(f"time: forward {t1 - t0:.2f} s, readout_loss {t2 - t1:.2f} s, backward {t3 - t2:.2f} s")
    print(f"baseline RSS (interpreter, numpy, rnnlti) {base:.0f} MiB")
    print(f"budget (x + h + dh_partial + dh + dxi + dx) {budget:.0f} MiB; + baseline {budget + base:.0f} MiB")
    print(f"peak RSS {peak:.0f} MiB; excess over budget + baseline {peak - budget - base:.0f} MiB "
          f"({100 * (peak - base) / budget:.1f} % of the budget)")


if __name__ == "__main__":
    main(*map(int, sys.argv[1:]))
