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
B2, A2 = ss.butter(2, 0.1)
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
    "lfilter order 2 time first": lambda: rnnlti.lfilter(B2, A2, XT, axis=0),  # its own compiled order
    "lfilter zi b shorter than a": lambda: rnnlti.lfilter([1.0, 0.3], [1.0, -0.9, 0.2], X64, zi=ZI[:, :2]),
}

# The other kernels (issue 7 extended to every public function).  Shapes span several lane blocks
# and, for the RNN, several sequences per thread.
W3 = np.array([0.5, -0.3, 0.2])
H_IIR = np.tanh(X64)  # a plausible state sequence for the backward passes
SOS = ss.butter(6, 0.2, output="sos")
SOS_ZI = _rng.standard_normal((3, 67, 2))
SOS_BANK = np.stack([ss.butter(4, w, output="sos") for w in np.linspace(0.05, 0.9, 67)])  # one per channel
RX = _rng.standard_normal((19, 300, 5))
RU = _rng.standard_normal((8, 5)) * 0.4
RV = _rng.standard_normal((2, 8, 8)) * 0.2
RB = _rng.standard_normal(8) * 0.1
RH0 = _rng.standard_normal((19, 2, 8)) * 0.5
RW = _rng.standard_normal((3, 8))
RY = _rng.standard_normal(3)
RH = np.tanh(_rng.standard_normal((19, 300, 8)))
DX = _rng.standard_normal((67, 1500))

CASES.update({
    "nonlinear_fir f64": lambda: rnnlti.nonlinear_fir(H[:9], X64),
    "nonlinear_fir f32 time first": lambda: rnnlti.nonlinear_fir(H[:9], XT.astype(np.float32), axis=0),
    "nonlinear_fir_backward": lambda: tuple(rnnlti.nonlinear_fir_backward(H[:9], X64, H_IIR, DX)),
    "nonlinear_iir f64": lambda: rnnlti.nonlinear_iir(W3, X64),
    "nonlinear_iir f32 h0": lambda: rnnlti.nonlinear_iir(W3, X32, h0=np.zeros((67, 3), np.float32) + 0.5),
    "nonlinear_iir_backward": lambda: tuple(rnnlti.nonlinear_iir_backward(W3, H_IIR, DX, h0=ZI[:, :3])),
    "nonlinear_fir sigmoid": lambda: rnnlti.nonlinear_fir(W3, X64, "sigmoid"),
    "nonlinear_fir_backward sigmoid": lambda: tuple(rnnlti.nonlinear_fir_backward(W3, X64, H_IIR, DX, "sigmoid")),
    "nonlinear_iir relu time first": lambda: rnnlti.nonlinear_iir(W3, XT, "relu", axis=0),
    "nonlinear_iir_backward relu time first": lambda: tuple(
        rnnlti.nonlinear_iir_backward(W3, np.maximum(H_IIR.T, 0.0), DX.T, "relu", axis=0)[:3]),
    "lfilter_backward": lambda: tuple(g for g in rnnlti.lfilter_backward(B6, A6, X64, rnnlti.lfilter(B6, A6, X64), DX,
                                                                         zi=ZI) if g is not None),
    "lfilter_backward no zi": lambda: tuple(rnnlti.lfilter_backward(B2, A2 * 1.3, X64, H_IIR, DX)[:3]),
    "lfilter_backward y=None": lambda: tuple(rnnlti.lfilter_backward(B6, A6, X64, None, DX)[:3]),
    "lfilter_backward y=None time first": lambda: tuple(rnnlti.lfilter_backward(B6, A6, XT, None, np.ascontiguousarray(DX.T), axis=0)[:3]),
    "rnn_forward": lambda: rnnlti.rnn_forward(RX, RU, RV, b=RB, h0=RH0),
    "rnn_forward f32": lambda: rnnlti.rnn_forward(RX.astype(np.float32), RU.astype(np.float32), RV.astype(np.float32)),
    "rnn_backward": lambda: tuple(rnnlti.rnn_backward(RX, RH, RU, RV, RH - 0.1, b=RB, h0=RH0)),
    "readout_loss": lambda: tuple(np.asarray(g) for g in rnnlti.readout_loss(RH, RW, RY, c=RY)),
    "sosfilt": lambda: rnnlti.sosfilt(SOS, X64),
    "sosfilt zi": lambda: rnnlti.sosfilt(SOS, X64, zi=SOS_ZI),
    "sosfilt bank": lambda: rnnlti.sosfilt(SOS_BANK, X64),
    "sosfilt zi time first": lambda: rnnlti.sosfilt(SOS, XT, axis=0, zi=np.ascontiguousarray(SOS_ZI.transpose(0, 2, 1))),
    "sosfilt_zi": lambda: rnnlti.sosfilt_zi(SOS),
    "sosfilt_backward": lambda: tuple(rnnlti.sosfilt_backward(SOS, X64, DX, zi=SOS_ZI)),
    "filtfilt": lambda: rnnlti.filtfilt(B6, A6, X64),
    "filtfilt even time first": lambda: rnnlti.filtfilt(B2, A2, XT, axis=0, padtype="even"),
    "sosfiltfilt": lambda: rnnlti.sosfiltfilt(SOS, X32),
    "sosfiltfilt bank constant": lambda: rnnlti.sosfiltfilt(SOS_BANK, X64, padtype="constant"),
    "lfiltic": lambda: rnnlti.lfiltic(B6, A6, X64[0, :6], X64[1, :6]),
})


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
