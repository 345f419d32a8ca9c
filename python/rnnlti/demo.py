"""Runs the lecture's first section on a built-in, deterministic task: a Butterworth low-pass
(an IIR filter) and a moving-average FIR applied to a noisy test signal, checked against the
lecture's own loops and timed against a copy of the data."""
from __future__ import annotations

import argparse
import time

import numpy as np


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, default=0, help="seed of the test signal (default 0)")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, a few seconds")
    parser.add_argument("--out", default="rnnlti-demo", help="output folder for plots (default ./rnnlti-demo/)")
    parser.add_argument("--no-plots", action="store_true", help="do not write PNG files")


def _butter_lowpass_order2(cutoff: float):
    """Second-order Butterworth low-pass by the bilinear transform (cutoff as a fraction of Nyquist)."""
    k = np.tan(np.pi * cutoff / 2)
    norm = 1 + np.sqrt(2) * k + k * k
    b = np.array([k * k, 2 * k * k, k * k]) / norm
    a = np.array([norm, 2 * (k * k - 1), 1 - np.sqrt(2) * k + k * k]) / norm
    return b, a


def run(args: argparse.Namespace) -> int:
    from . import fir, freqz, lfilter, reference

    rng = np.random.default_rng(args.seed)
    fs, T = 1000.0, 2000 if args.quick else 20000
    t = np.arange(T) / fs
    clean = np.sin(2 * np.pi * 5 * t)
    noisy = clean + 0.5 * rng.standard_normal(T)
    b, a = _butter_lowpass_order2(30 / (fs / 2))
    y = lfilter(b, a, noisy)
    ma = fir(np.full(25, 1 / 25), noisy)
    y_ref, _ = reference.lfilter(b, a, noisy[:500])
    ma_ref = reference.fir(np.full(25, 1 / 25), noisy[:500])
    w, h = freqz(b, a, worN=[5, 30, 100, 300], fs=fs)
    print("rnnlti demo: filtering a 5 Hz sine in white noise (fs = 1 kHz)")
    print(f"{'filter':<32}{'rms error vs clean':>20}{'max |diff| vs lecture loop':>30}")
    rms = lambda v: float(np.sqrt(np.mean(v**2)))
    print(f"{'none (noisy input)':<32}{rms(noisy - clean):>20.4f}{'':>30}")
    print(f"{'Butterworth order 2, 30 Hz (IIR)':<32}{rms(y[200:] - clean[200:]):>20.4f}{np.abs(y[:500] - y_ref).max():>30.2e}")
    print(f"{'moving average, 25 taps (FIR)':<32}{rms(ma[200:] - np.roll(clean, 12)[200:]):>20.4f}{np.abs(ma[:500] - ma_ref).max():>30.2e}")
    print("|H(f)| of the IIR: " + ", ".join(f"{f:g} Hz: {abs(v):.3f}" for f, v in zip(w, h)))
    x = rng.standard_normal((64, 100_000 if not args.quick else 10_000))
    start = time.perf_counter()
    lfilter(b, a, x)
    took = time.perf_counter() - start
    print(f"lfilter on {x.shape[0]} x {x.shape[1]} float64: {took * 1e3:.1f} ms")
    return 0
