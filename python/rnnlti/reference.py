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


# --- Lecture section 5: the fully-connected network, one sample at a time ---------------------------

def _dense_g(xi: float, activation: str) -> float:
    if activation == "tanh":
        return float(np.tanh(xi))
    if activation == "sigmoid":
        return 1.0 / (1.0 + np.exp(-xi))
    if activation == "relu":
        return xi if xi > 0 else 0.0
    return xi


def _dense_g_dot(h: float, activation: str) -> float:
    """g'(xi) from h = g(xi)."""
    if activation == "tanh":
        return 1.0 - h * h
    if activation == "sigmoid":
        return h * (1.0 - h)
    if activation == "relu":
        return 1.0 if h > 0 else 0.0
    return 1.0


def dense_forward(x, W1, b1, W2, b2, activation="tanh", output_activation=None):
    """h_j = g(b_j^(1) + sum_k w_{j,k}^(1) x_k);  yhat_k = g(b_k^(2) + sum_j w_{k,j}^(2) h_j)  (one sample x)."""
    out_act = activation if output_activation is None else output_activation
    N, D = len(W1), len(x)
    K = len(W2)
    h = np.zeros(N)
    for j in range(N):
        xi = b1[j]
        for k in range(D):
            xi += W1[j][k] * x[k]
        h[j] = _dense_g(xi, activation)
    yhat = np.zeros(K)
    for k in range(K):
        xi = b2[k]
        for j in range(N):
            xi += W2[k][j] * h[j]
        yhat[k] = _dense_g(xi, out_act)
    return h, yhat


def dense_backward(x, W1, W2, h, yhat, dyhat, activation="tanh", output_activation=None):
    """dL/dh_j = sum_k dL/dyhat_k dyhat_k/dh_j, dL/dw_{j,k}^(1) = dL/dxi_j^(1) x_k, ... (one sample x).

    Returns (dh, dW1, db1, dW2, db2, dx).
    """
    out_act = activation if output_activation is None else output_activation
    N, D, K = len(h), len(x), len(yhat)
    dxi2 = np.zeros(K)
    for k in range(K):
        dxi2[k] = dyhat[k] * _dense_g_dot(yhat[k], out_act)
    dh = np.zeros(N)
    for j in range(N):
        for k in range(K):
            dh[j] += dxi2[k] * W2[k][j]  # dyhat_k/dh_j = g'(xi_k^(2)) w_{k,j}^(2)
    dxi1 = np.zeros(N)
    for j in range(N):
        dxi1[j] = dh[j] * _dense_g_dot(h[j], activation)
    dW2 = np.zeros((K, N))
    for k in range(K):
        for j in range(N):
            dW2[k, j] = dxi2[k] * h[j]
    dW1 = np.zeros((N, D))
    for j in range(N):
        for k in range(D):
            dW1[j, k] = dxi1[j] * x[k]
    dx = np.zeros(D)
    for k in range(D):
        for j in range(N):
            dx[k] += dxi1[j] * W1[j][k]
    return dh, dW1, dxi1.copy(), dW2, dxi2.copy(), dx
