"""Benchmark group "linear": rnnlti.fir / rnnlti.lfilter next to scipy.signal, numba and the memory floor.

Rows (issue 2): B = 64 channels x T = 100,000 (time last), the same along axis 0 of a (T, B) array,
and one channel of T = 6,400,000; float64 and float32; FIR with 8, 64 and 512 taps, Butterworth
IIR of order 2 and 8.  Peers: scipy.signal.lfilter, sosfilt (IIR), oaconvolve / fftconvolve (FIR),
a numba prange loop, and the memory floor: x.copy() (allocating, page faults of a fresh output
included) and np.copyto into an existing array.  "rnnlti" allocates its output, "rnnlti-out"
writes into an existing one (out=): compare the first with "copy", the second with "copyto".
"""
from __future__ import annotations

from typing import Callable, Dict, List, Tuple

import numpy as np

GROUP = "linear"

_FILTERS = ["fir8", "fir64", "fir512", "iir2", "iir8"]
_DTYPES = {"f64": np.float64, "f32": np.float32}


def _sizes(layout: str, quick: bool) -> Tuple[int, int]:
    """(channels, length) of a layout."""
    if layout == "B1":
        return 1, (320_000 if quick else 6_400_000)
    return (16, 20_000) if quick else (64, 100_000)


def _case_list(quick: bool) -> List[Tuple[str, str, str]]:
    if quick:  # one row of each kind, small sizes: a smoke test of the whole group
        return [("fir64", "f64", "B64"), ("fir512", "f64", "B64"), ("iir2", "f64", "B64"),
                ("iir8", "f32", "B64"), ("iir2", "f64", "axis0"), ("iir2", "f64", "B1"), ("fir64", "f64", "B1")]
    rows = [(f, d, "B64") for d in _DTYPES for f in _FILTERS]
    rows += [(f, "f64", "axis0") for f in _FILTERS]
    rows += [(f, "f64", "B1") for f in _FILTERS]
    rows += [("iir2", "f32", "B1"), ("fir64", "f32", "B1")]
    return rows


def _impls(filt: str, layout: str) -> List[str]:
    impls = ["rnnlti", "rnnlti-out"]
    if filt != "fir512":  # scipy's direct form at 512 taps takes seconds; the FFT convolutions are its best
        impls.append("scipy.lfilter")
    impls += ["scipy.sosfilt"] if filt.startswith("iir") else ["scipy.oaconvolve", "scipy.fftconvolve"]
    return impls + ["numba", "copy", "copyto"]


def _name(filt: str, dt: str, layout: str) -> str:
    return f"{filt}-{dt}-{layout}"


def cases(quick: bool) -> List[Dict]:
    out = []
    for filt, dt, layout in _case_list(quick):
        channels, length = _sizes(layout, quick)
        itemsize = np.dtype(_DTYPES[dt]).itemsize
        shape = f"({length}, {channels})" if layout == "axis0" else f"({channels}, {length})"
        if filt == "fir512":  # compute-bound: rate in (direct-form) flops
            work, unit = 2.0 * 512 * channels * length, "GFLOP/s"
        else:  # memory-bound targets: rate in bytes read + written
            work, unit = 2.0 * itemsize * channels * length, "GB/s"
        out.append({"name": _name(filt, dt, layout), "sizes": f"{shape} {dt}", "impls": _impls(filt, layout),
                    "work": work, "unit": unit})
    return out


def _coefficients(filt: str) -> Tuple[np.ndarray, np.ndarray]:
    if filt.startswith("fir"):
        taps = int(filt[3:])
        h = np.random.default_rng(1).standard_normal(taps) / taps
        return h, np.ones(1)
    from scipy import signal

    return signal.butter(int(filt[3:]), 0.1)


def make(case: str, impl: str, quick: bool) -> Callable[[], object]:
    filt, dt, layout = case.split("-")
    dtype = _DTYPES[dt]
    channels, length = _sizes(layout, quick)
    x = np.random.default_rng(0).standard_normal((channels, length)).astype(dtype)
    axis = -1
    if layout == "axis0":
        x, axis = np.ascontiguousarray(x.T), 0
    elif layout == "B1":
        x = x[0]
    b, a = _coefficients(filt)
    b, a = b.astype(dtype), a.astype(dtype)
    is_fir = filt.startswith("fir")
    out = np.empty_like(x)
    out.fill(0)  # touch the pages once, so that out= measures the kernel, not page faults

    if impl in ("rnnlti", "rnnlti-out"):
        import rnnlti

        kw = {"out": out} if impl == "rnnlti-out" else {}
        if is_fir:
            return lambda: rnnlti.fir(b, x, axis=axis, **kw)
        return lambda: rnnlti.lfilter(b, a, x, axis=axis, **kw)
    if impl == "copy":
        return lambda: x.copy()
    if impl == "copyto":
        return lambda: np.copyto(out, x)
    if impl == "scipy.lfilter":
        from scipy import signal

        return lambda: signal.lfilter(b, a, x, axis=axis)
    if impl == "scipy.sosfilt":
        from scipy import signal

        sos = signal.tf2sos(b.astype(np.float64), a.astype(np.float64)).astype(dtype)
        return lambda: signal.sosfilt(sos, x, axis=axis)
    if impl in ("scipy.oaconvolve", "scipy.fftconvolve"):
        from scipy import signal

        conv = getattr(signal, impl.split(".")[1])
        hb = b.reshape((-1, 1) if axis == 0 and x.ndim == 2 else (1,) * (x.ndim - 1) + (-1,))
        n = x.shape[axis]
        first_n = (slice(None),) * axis + (slice(0, n),)  # the causal part, len(x) samples
        return lambda: conv(x, hb, axes=axis)[first_n]
    if impl == "numba":
        from . import _numba_kernels as nk

        x2 = x.reshape(1, -1) if x.ndim == 1 else (x.T if axis == 0 else x)
        # Allocating, like "rnnlti" (empty_like keeps x's memory order).
        if is_fir:
            return lambda: nk.fir_rows(b, x2, np.empty_like(x2))
        return lambda: nk.lfilter_rows(b, a, x2, np.empty_like(x2))
    raise ValueError(f"unknown impl {impl!r} for case {case!r}")
