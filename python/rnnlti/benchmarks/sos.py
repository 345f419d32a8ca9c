"""Benchmark group "sos": sosfilt, filtfilt / sosfiltfilt and filter banks next to scipy.signal and the
memory floor (issue 8).

Rows: B = 64 channels x T = 100,000 (time last; quick: 16 x 20,000), float32 and float64:
- sos8 / sos16: an order-8 / order-16 Butterworth low-pass (0.1 x Nyquist) as second-order sections,
  rnnlti.sosfilt (allocating; "rnnlti-out" writes into an existing array) vs scipy.signal.sosfilt;
- filtfilt8 / sosfiltfilt8: zero-phase order-8 Butterworth (ba form in float64 only: in float32 the
  ba form is unstable) vs scipy.signal.filtfilt / sosfiltfilt;
- bank-sos8 / bank-iir4: 64 different filters, one per channel (rnnlti's bank) vs the same shared
  filter in rnnlti ("rnnlti-shared": a bank must cost the same per sample) vs a loop of 64 scipy calls;
- copy (x.copy(), allocating like "rnnlti") and copyto (np.copyto into an existing array, like
  "rnnlti-out"): the memory floor.
"""
from __future__ import annotations

from typing import Callable, Dict, List

import numpy as np

GROUP = "sos"

_DTYPES = {"f64": np.float64, "f32": np.float32}
_KINDS = ["sos8", "sos16", "filtfilt8", "sosfiltfilt8", "bank-sos8", "bank-iir4"]


def _sizes(quick: bool):
    return (16, 20_000) if quick else (64, 100_000)


def _impls(kind: str) -> List[str]:
    if kind in ("sos8", "sos16"):
        return ["rnnlti", "rnnlti-out", "scipy.sosfilt", "copy", "copyto"]
    if kind == "filtfilt8":
        return ["rnnlti", "scipy.filtfilt", "copy"]
    if kind == "sosfiltfilt8":
        return ["rnnlti", "scipy.sosfiltfilt", "copy"]
    return ["rnnlti", "rnnlti-shared", "scipy.loop", "copy"]


def _case_list():
    rows = []
    for kind in _KINDS:
        for dt in _DTYPES:
            if kind == "filtfilt8" and dt == "f32":
                continue
            rows.append((kind, dt))
    return rows


def cases(quick: bool) -> List[Dict]:
    channels, length = _sizes(quick)
    out = []
    for kind, dt in _case_list():
        itemsize = np.dtype(_DTYPES[dt]).itemsize
        out.append({
            "name": f"{kind}-{dt}",
            "sizes": f"({channels}, {length}) {dt}",
            "impls": _impls(kind),
            "work": 2.0 * itemsize * channels * length,  # bytes read + written once
            "unit": "GB/s",
        })
    return out


def _bank(kind: str, channels: int):
    """64 different filters (cut-offs spread over 0.05 .. 0.45 x Nyquist), and one shared filter."""
    from scipy import signal

    cutoffs = np.linspace(0.05, 0.45, channels)
    if kind == "bank-sos8":
        bank = np.stack([signal.butter(8, w, output="sos") for w in cutoffs])
        return bank, signal.butter(8, 0.1, output="sos")
    b = np.stack([signal.butter(4, w)[0] for w in cutoffs])
    a = np.stack([signal.butter(4, w)[1] for w in cutoffs])
    return (b, a), signal.butter(4, 0.1)


def make(case: str, impl: str, quick: bool) -> Callable[[], object]:
    kind, dt = case.rsplit("-", 1)
    dtype = _DTYPES[dt]
    channels, length = _sizes(quick)
    x = np.random.default_rng(0).standard_normal((channels, length)).astype(dtype)
    out = np.empty_like(x)
    out.fill(0)  # touch the pages once, so that out= measures the kernel, not page faults
    if impl == "copy":
        return lambda: x.copy()
    if impl == "copyto":
        return lambda: np.copyto(out, x)

    from scipy import signal

    import rnnlti

    if kind in ("sos8", "sos16"):
        sos = signal.butter(int(kind[3:]), 0.1, output="sos").astype(dtype)
        if impl == "rnnlti":
            return lambda: rnnlti.sosfilt(sos, x)
        if impl == "rnnlti-out":
            return lambda: rnnlti.sosfilt(sos, x, out=out)
        if impl == "scipy.sosfilt":
            return lambda: signal.sosfilt(sos, x)
    if kind == "filtfilt8":
        b, a = signal.butter(8, 0.1)
        if impl == "rnnlti":
            return lambda: rnnlti.filtfilt(b, a, x)
        if impl == "scipy.filtfilt":
            return lambda: signal.filtfilt(b, a, x)
    if kind == "sosfiltfilt8":
        sos = signal.butter(8, 0.1, output="sos").astype(dtype)
        if impl == "rnnlti":
            return lambda: rnnlti.sosfiltfilt(sos, x)
        if impl == "scipy.sosfiltfilt":
            return lambda: signal.sosfiltfilt(sos, x)
    if kind == "bank-sos8":
        bank, shared = _bank(kind, channels)
        bank, shared = bank.astype(dtype), shared.astype(dtype)
        if impl == "rnnlti":
            return lambda: rnnlti.sosfilt(bank, x)
        if impl == "rnnlti-shared":
            return lambda: rnnlti.sosfilt(shared, x)
        if impl == "scipy.loop":
            return lambda: [signal.sosfilt(bank[c], x[c]) for c in range(channels)]
    if kind == "bank-iir4":
        (b, a), (b1, a1) = _bank(kind, channels)
        b, a, b1, a1 = (v.astype(dtype) for v in (b, a, b1, a1))
        if impl == "rnnlti":
            return lambda: rnnlti.lfilter(b, a, x)
        if impl == "rnnlti-shared":
            return lambda: rnnlti.lfilter(b1, a1, x)
        if impl == "scipy.loop":
            return lambda: [signal.lfilter(b[c], a[c], x[c]) for c in range(channels)]
    raise ValueError(f"unknown impl {impl!r} for case {case!r}")
