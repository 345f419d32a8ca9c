#!/usr/bin/env python
"""Issue 2's target rows in one process, interleaved call by call (a quick relative check on a busy
machine): rnnlti on 1 and on 2 threads next to scipy and the copy floor, medians of N rounds.

    python bench/targets.py [rounds]
"""
import glob
import os
import sys
import time

import numpy as np
import scipy.signal as ss

_TREE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python")
if glob.glob(os.path.join(_TREE, "rnnlti", "_core*")):
    sys.path.insert(0, _TREE)
import rnnlti  # noqa: E402


def threads(n, f):
    def g():
        rnnlti.set_num_threads(n)
        return f()
    return g


def batch_impls(name, b, a, x, out):
    """The implementations of one (64, 100000) row.  Built in a function of its own so that every
    lambda binds this row's filter (closures in a loop would all see the last one)."""
    fir = name.startswith("fir")
    f = (lambda xx, **kw: rnnlti.fir(b, xx, **kw)) if fir else (lambda xx, **kw: rnnlti.lfilter(b, a, xx, **kw))
    impls = {
        "rnnlti 2t": threads(2, lambda: f(x)), "rnnlti 1t": threads(1, lambda: f(x)),
        "rnnlti out= 2t": threads(2, lambda: f(x, out=out)), "rnnlti out= 1t": threads(1, lambda: f(x, out=out)),
        "x.copy()": lambda: x.copy(), "np.copyto": lambda: np.copyto(out, x),
    }
    if name != "fir512":
        impls["scipy.lfilter"] = lambda: ss.lfilter(b, a, x)
    if fir:
        impls["scipy.oaconvolve"] = lambda: ss.oaconvolve(x, b[None], axes=-1)[:, : x.shape[1]]
        impls["scipy.fftconvolve"] = lambda: ss.fftconvolve(x, b[None], axes=-1)[:, : x.shape[1]]
    return impls


def main(rounds):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 100_000))
    out = np.empty_like(x)
    x1 = rng.standard_normal(6_400_000)
    rows = []
    for name, (b, a) in [("fir64", (rng.standard_normal(64) / 64, [1.0])), ("fir512", (rng.standard_normal(512) / 512, [1.0])),
                         ("iir2", ss.butter(2, 0.1)), ("iir8", ss.butter(8, 0.1))]:
        rows.append((f"{name} f64 (64, 100000)", batch_impls(name, b, a, x, out)))
    for name, (b, a) in [("iir2", ss.butter(2, 0.1)), ("iir8", ss.butter(8, 0.1))]:
        rows.append((f"{name} f64 (6400000,)", {
            "rnnlti 2t": threads(2, lambda b=b, a=a: rnnlti.lfilter(b, a, x1)),
            "rnnlti 1t": threads(1, lambda b=b, a=a: rnnlti.lfilter(b, a, x1)),
            "scipy.lfilter": lambda b=b, a=a: ss.lfilter(b, a, x1)}))
    for label, impls in rows:
        times = {k: [] for k in impls}
        for fn in impls.values():
            fn()  # warm-up
        order = list(impls.items())
        for r in range(rounds):
            # Rotated each round: a call after one that read the same input finds part of it still
            # in the L3 cache, so a fixed order would favour whichever implementation comes second.
            for k, fn in order[r % len(order):] + order[: r % len(order)]:
                t0 = time.perf_counter()
                fn()
                times[k].append(1e3 * (time.perf_counter() - t0))
        base = {k: np.median(v) for k, v in times.items()}
        for k, v in times.items():
            print(f"{label:<24} {k:<18} median {base[k]:8.2f} ms  min {min(v):8.2f}  "
                  f"vs rnnlti 2t {base[k] / base['rnnlti 2t']:6.2f}x  vs rnnlti 1t {base[k] / base['rnnlti 1t']:6.2f}x", flush=True)
    rnnlti.set_num_threads(0)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
