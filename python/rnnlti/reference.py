"""Slow reference implementations, written line by line from the lecture's equations.

These loops are the oracle of the tests: each function is the textbook formula on one 1-D signal,
with no vectorisation and no cleverness, so that it can be checked by eye against the slides.
Notation: the lecture's IIR filter is ``y[n] = sum_m b_m x[n-m] + sum_{m>=1} a_m y[n-m]``; scipy's
``a`` array maps onto it as ``a_m = -a[m] / a[0]`` and ``b_m = b[m] / a[0]``.
"""
from __future__ import annotations

from typing import Optional, Sequence, Tuple

import numpy as np


def fir(h: Sequence[float], x: Sequence[float]) -> np.ndarray:
    """y[n] = sum_{m=0}^{N-1} h[m] x[n-m]   (lecture, "Finite Impulse Response")."""
    h = np.asarray(h, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    y = np.zeros(len(x))
    for n in range(len(x)):
        for m in range(len(h)):
            if n - m >= 0:
                y[n] += h[m] * x[n - m]
    return y


def lfilter(
    b: Sequence[float], a: Sequence[float], x: Sequence[float], zi: Optional[Sequence[float]] = None
) -> Tuple[np.ndarray, np.ndarray]:
    """y[n] = sum_m b_m x[n-m] + sum_{m>=1} a_m y[n-m]   (lecture, "Infinite Impulse Response").

    ``zi`` is scipy's transposed-direct-form-II state: its k-th entry is the part of y[k] owed to
    the samples before the signal started, so it is simply added to y[k].  Returns ``(y, zf)``,
    where zf[k] is the part of y[T + k] owed to the samples up to T - 1.
    """
    b = np.asarray(b, dtype=np.float64)
    a = np.asarray(a, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    order = max(len(a), len(b)) - 1
    b_lec = np.zeros(order + 1)
    b_lec[: len(b)] = b / a[0]
    a_lec = np.zeros(order + 1)  # a_lec[0] is unused: the lecture's sum starts at m = 1
    a_lec[1 : len(a)] = -a[1:] / a[0]
    zi = np.zeros(order) if zi is None else np.asarray(zi, dtype=np.float64)
    T = len(x)
    y = np.zeros(T)
    for n in range(T):
        for m in range(order + 1):
            if n - m >= 0:
                y[n] += b_lec[m] * x[n - m]
        for m in range(1, order + 1):
            if n - m >= 0:
                y[n] += a_lec[m] * y[n - m]
        if n < order:
            y[n] += zi[n]
    zf = np.zeros(order)
    for k in range(order):
        # Terms of y[T + k] that involve samples before T.
        for m in range(k + 1, order + 1):
            if 0 <= T + k - m < T:
                zf[k] += b_lec[m] * x[T + k - m] + a_lec[m] * y[T + k - m]
        if T + k < order:
            zf[k] += zi[T + k]
    return y, zf


def sosfilt(
    sos: Sequence[Sequence[float]], x: Sequence[float], zi: Optional[Sequence[Sequence[float]]] = None
) -> Tuple[np.ndarray, np.ndarray]:
    """A cascade of second-order IIR filters: the output of section s is the input of section s + 1.

    Section s is the lecture's IIR filter ``y[n] = sum_{m=0}^{2} b_m x[n-m] + sum_{m=1}^{2} a_m y[n-m]``
    with ``b = sos[s, :3]`` and ``a = sos[s, 3:]`` (scipy's signs, a0 = 1); ``zi[s]`` is its
    transposed-direct-form-II state as in `lfilter`.  Returns ``(y, zf)``, zf of shape (n_sections, 2).
    """
    sos = np.asarray(sos, dtype=np.float64)
    signal = np.asarray(x, dtype=np.float64)
    zi = np.zeros((len(sos), 2)) if zi is None else np.asarray(zi, dtype=np.float64)
    zf = np.zeros((len(sos), 2))
    for s in range(len(sos)):
        signal, zf[s] = lfilter(sos[s, :3], sos[s, 3:], signal, zi[s])
    return signal, zf
