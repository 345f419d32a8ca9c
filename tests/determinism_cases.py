"""The table of calls whose bits must not depend on the thread count nor on concurrent callers
(test_determinism.py).  Adding a function = one entry in CASES: a name and a zero-argument callable
returning an array or a tuple of arrays.  The inputs are big enough for several SIMD lane blocks
(8 float64 / 16 float32 channels each), so that 2, 3 and 4 threads really split the work.

Also run as a script in a fresh process: ``python determinism_cases.py OUT.npz`` saves every result
(for OMP_NUM_THREADS set in that process's environment)."""
import sys

import numpy as np
import scipy.signal as ss

import rnnlti

_rng = np.random.default_rng(20261126)
X64 = _rng.standard_normal((67, 1500))  # 67 channels: 8 full float64 lane blocks and a partial one
X32 = X64.astype(np.float32)
XT = np.ascontiguousarray(X64.T)  # time first, channels contiguous
H = np.linspace(-1.0, 1.0, 33)
H_BANK = _rng.standard_normal((67, 9))
B6, A6 = ss.butter(6, 0.2)
B10, A10 = ss.butter(10, 0.3)  # order 10: the kernel's runtime-order path
ZI = _rng.standard_normal((67, 6))

CASES = {
    "fir f64": lambda: rnnlti.fir(H, X64),
    "fir f32": lambda: rnnlti.fir(H, X32),
    "fir time first": lambda: rnnlti.fir(H, XT, axis=0),
    "fir bank": lambda: rnnlti.fir(H_BANK, X64),
    "lfilter f64": lambda: rnnlti.lfilter(B6, A6, X64),
    "lfilter f32": lambda: rnnlti.lfilter(B6, A6, X32),
    "lfilter time first": lambda: rnnlti.lfilter(B6, A6, XT, axis=0),
    "lfilter order 10": lambda: rnnlti.lfilter(B10, A10, X64),
    "lfilter zi": lambda: rnnlti.lfilter(B6, A6, X64, zi=ZI),
    "lfilter bank": lambda: rnnlti.lfilter(H_BANK, np.ones((67, 1)) + 0.0 * H_BANK[:, :2] + [0.0, 0.5], X64),
}


def run_all() -> dict:
    """name/i -> the i-th array returned by each case."""
    results = {}
    for name, call in CASES.items():
        out = call()
        for i, arr in enumerate(out if isinstance(out, tuple) else (out,)):
            results[f"{name}/{i}"] = np.ascontiguousarray(arr)
    return results


if __name__ == "__main__":
    np.savez(sys.argv[1], threads=np.array(rnnlti.get_num_threads()), **run_all())
