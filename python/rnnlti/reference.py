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


# --- The vector RNN: the lecture's written example, and its generalisation to M delays -----------------


def _rnn_activation(name: str, xi: np.ndarray) -> np.ndarray:
    if name == "tanh":
        return np.tanh(xi)
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-xi))
    if name == "relu":
        return np.maximum(xi, 0.0)
    return xi


def _rnn_derivative_from_h(name: str, h: np.ndarray) -> np.ndarray:
    """g'(xi) written in terms of h = g(xi) (lecture: "g-dot")."""
    if name == "tanh":
        return 1.0 - h * h
    if name == "sigmoid":
        return h * (1.0 - h)
    if name == "relu":
        return (h > 0).astype(np.float64)
    return np.ones_like(h)


def written_example(x, U, V1, V2, W, y):
    """The lecture's written example, exactly as the slides write it, on one sequence x of shape (T, D):

        h[t] = tanh(U x[t] + V1 h[t-1] + V2 h[t-2])      (h[-1] = h[-2] = 0)
        L    = 1/2 sum_t ||y - W h[t]||^2                (y: one (K,) target for every t)

    and the algorithm that computes grad_{h[t]} L:

    1. synchronous backprop, every other variable held constant:  dL/dh[t] (partial) = -W^T (y - W h[t]);
    2. back-propagation through time, t = T-1 down to 0:
           grad_{h[t]} L = -W^T (y - W h[t]) + V1^T (g'(xi[t+1]) * grad_{h[t+1]} L)
                                             + V2^T (g'(xi[t+2]) * grad_{h[t+2]} L),
       with g'(xi) = 1 - tanh(xi)^2 = 1 - h^2, and terms beyond T-1 absent.

    Returns ``(h, L, grad_h)`` with h and grad_h of shape (T, N).
    """
    x, U, V1, V2, W, y = (np.asarray(a, dtype=np.float64) for a in (x, U, V1, V2, W, y))
    T, N = len(x), U.shape[0]
    h = np.zeros((T, N))
    for t in range(T):
        h_1 = h[t - 1] if t >= 1 else np.zeros(N)
        h_2 = h[t - 2] if t >= 2 else np.zeros(N)
        h[t] = np.tanh(U @ x[t] + V1 @ h_1 + V2 @ h_2)
    L = 0.0
    for t in range(T):
        L += 0.5 * np.sum((y - W @ h[t]) ** 2)
    grad_h = np.zeros((T, N))
    for t in reversed(range(T)):
        grad_h[t] = -W.T @ (y - W @ h[t])
        if t + 1 < T:
            grad_h[t] += V1.T @ ((1.0 - h[t + 1] ** 2) * grad_h[t + 1])
        if t + 2 < T:
            grad_h[t] += V2.T @ ((1.0 - h[t + 2] ** 2) * grad_h[t + 2])
    return h, L, grad_h


def rnn_forward(x, U, V, b=None, h0=None, activation="tanh"):
    """h[t] = g(U x[t] + sum_{m=1}^{M} V[m-1] h[t-m] + b) on one sequence x (T, D); h0 (M, N) in time
    order (h0[j] = h[j-M]), zeros when None."""
    x, U, V = (np.asarray(a, dtype=np.float64) for a in (x, U, V))
    T, N, M = len(x), U.shape[0], V.shape[0]
    b = np.zeros(N) if b is None else np.asarray(b, dtype=np.float64)
    h0 = np.zeros((M, N)) if h0 is None else np.asarray(h0, dtype=np.float64)

    def past(h, t):  # h[t] for t < 0 comes from h0
        return h[t] if t >= 0 else h0[M + t]

    h = np.zeros((T, N))
    for t in range(T):
        xi = U @ x[t] + b
        for m in range(1, M + 1):
            xi = xi + V[m - 1] @ past(h, t - m)
        h[t] = _rnn_activation(activation, xi)
    return h


def rnn_backward(x, h, U, V, dh_partial, b=None, h0=None, activation="tanh"):
    """BPTT on one sequence: returns (dh, dxi, dU, dV, db, dx, dh0) where
    dh[t] = dh_partial[t] + sum_m V[m-1]^T dxi[t+m]  (lecture: dL/dh[n] = partial + sum_m dL/dh[n+m] g'(xi[n+m]) w[m]),
    dxi[t] = g'(xi[t]) dh[t], dU = sum_t dxi[t] x[t]^T, dV[m-1] = sum_t dxi[t] h[t-m]^T (lecture: dL/dw[m] =
    sum_n dL/dxi[n] h[n-m]), db = sum_t dxi[t], dx[t] = U^T dxi[t], dh0[j] = dL/dh[j-M]."""
    x, h, U, V, dh_partial = (np.asarray(a, dtype=np.float64) for a in (x, h, U, V, dh_partial))
    T, N, M = len(x), U.shape[0], V.shape[0]
    h0 = np.zeros((M, N)) if h0 is None else np.asarray(h0, dtype=np.float64)
    dh = np.zeros((T, N))
    dxi = np.zeros((T, N))
    for t in reversed(range(T)):
        dh[t] = dh_partial[t]
        for m in range(1, M + 1):
            if t + m < T:
                dh[t] += V[m - 1].T @ dxi[t + m]
        dxi[t] = _rnn_derivative_from_h(activation, h[t]) * dh[t]
    dU = np.zeros_like(U)
    dV = np.zeros_like(V)
    db = np.zeros(N)
    dx = np.zeros_like(x)
    for t in range(T):
        dU += np.outer(dxi[t], x[t])
        db += dxi[t]
        dx[t] = U.T @ dxi[t]
        for m in range(1, M + 1):
            h_past = h[t - m] if t - m >= 0 else h0[M + t - m]
            dV[m - 1] += np.outer(dxi[t], h_past)
    dh0 = np.zeros((M, N))
    for j in range(M):
        s = j - M  # h0[j] is h[s]
        for m in range(1, M + 1):
            if 0 <= s + m < T:
                dh0[j] += V[m - 1].T @ dxi[s + m]
    return dh, dxi, dU, dV, (None if b is None else db), dx, dh0


def readout_loss(h, W, y, c=None):
    """L = 1/2 sum_t ||y[t] - (W h[t] + c)||^2 on one sequence (y broadcast to (T, K)); returns
    (L, dh, dW, dc) with the synchronous partials dh[t] = -W^T (y[t] - yhat[t])."""
    h, W = np.asarray(h, dtype=np.float64), np.asarray(W, dtype=np.float64)
    T, K = len(h), W.shape[0]
    y = np.broadcast_to(np.asarray(y, dtype=np.float64), (T, K))
    c_vec = np.zeros(K) if c is None else np.asarray(c, dtype=np.float64)
    L = 0.0
    dh = np.zeros_like(h)
    dW = np.zeros_like(W)
    dc = np.zeros(K)
    for t in range(T):
        err = y[t] - (W @ h[t] + c_vec)
        L += 0.5 * np.sum(err**2)
        dh[t] = -W.T @ err
        dW -= np.outer(err, h[t])
        dc -= err
    return L, dh, dW, (None if c is None else dc)
