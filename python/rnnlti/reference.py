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


def _lecture_coefficients(b: np.ndarray, a: np.ndarray) -> Tuple[int, np.ndarray, np.ndarray]:
    """scipy's b, a as the lecture's b_m = b[m]/a[0] and a_m = -a[m]/a[0], both of length order + 1
    (zero-padded; a_lec[0] is unused: the lecture's sum starts at m = 1)."""
    order = max(len(a), len(b)) - 1
    b_lec = np.zeros(order + 1)
    b_lec[: len(b)] = b / a[0]
    a_lec = np.zeros(order + 1)
    a_lec[1 : len(a)] = -a[1:] / a[0]
    return order, b_lec, a_lec


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
    order, b_lec, a_lec = _lecture_coefficients(b, a)
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


# --- Activations and their derivatives (every nonlinear reference below) ---------------------------
# g'(xi) is written in terms of h = g(xi), as the slides' BPTT only ever needs it where h is known.
# Elementwise: a float (the scalar loops) or an array (the vector RNN).

def g(name: str, xi):
    """g(xi) for "tanh", "sigmoid", "relu", "identity"."""
    if name == "tanh":
        return np.tanh(xi)
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-xi))
    if name == "relu":
        return np.maximum(xi, 0.0)  # NaN propagates (IEEE)
    if name == "identity":
        return xi
    raise ValueError(f"unknown activation {name!r}")


def g_dot(name: str, h):
    """g-dot(xi) = dg/dxi, from h = g(xi) (relu'(0) = 0)."""
    if name == "tanh":
        return 1.0 - h * h
    if name == "sigmoid":
        return h * (1.0 - h)
    if name == "relu":
        return np.where(h > 0, 1.0, 0.0)
    if name == "identity":
        return np.ones_like(h)
    raise ValueError(f"unknown activation {name!r}")


# --- Lecture section 5: the fully-connected network, one sample at a time ---------------------------

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
        h[j] = g(activation, xi)
    yhat = np.zeros(K)
    for k in range(K):
        xi = b2[k]
        for j in range(N):
            xi += W2[k][j] * h[j]
        yhat[k] = g(out_act, xi)
    return h, yhat


def dense_backward(x, W1, W2, h, yhat, dyhat, activation="tanh", output_activation=None):
    """dL/dh_j = sum_k dL/dyhat_k dyhat_k/dh_j, dL/dw_{j,k}^(1) = dL/dxi_j^(1) x_k, ... (one sample x).

    Returns (dh, dW1, db1, dW2, db2, dx).
    """
    out_act = activation if output_activation is None else output_activation
    N, D, K = len(h), len(x), len(yhat)
    dxi2 = np.zeros(K)
    for k in range(K):
        dxi2[k] = dyhat[k] * g_dot(out_act, yhat[k])
    dh = np.zeros(N)
    for j in range(N):
        for k in range(K):
            dh[j] += dxi2[k] * W2[k][j]  # dyhat_k/dh_j = g'(xi_k^(2)) w_{k,j}^(2)
    dxi1 = np.zeros(N)
    for j in range(N):
        dxi1[j] = dh[j] * g_dot(activation, h[j])
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


# ---------------------------------------------------------------------------------------------------
# Nonlinear filters and back-propagation through time (lecture sections 2 and 6).

def nonlinear_fir(w: Sequence[float], x: Sequence[float], activation_name: str = "tanh") -> np.ndarray:
    """yhat[n] = g( sum_{m=0}^{N-1} w[m] x[n-m] )   (lecture, "Convolutional Neural Net = Nonlinear(FIR)")."""
    w = np.asarray(w, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    yhat = np.zeros(len(x))
    for n in range(len(x)):
        xi = 0.0
        for m in range(len(w)):
            if n - m >= 0:
                xi += w[m] * x[n - m]
        yhat[n] = g(activation_name, xi)
    return yhat


def nonlinear_fir_backward(
    w: Sequence[float], x: Sequence[float], yhat: Sequence[float], dyhat: Sequence[float], activation_name: str = "tanh"
) -> Tuple[np.ndarray, np.ndarray]:
    """Back-prop through the nonlinear FIR filter: returns (dL/dw, dL/dx) from dyhat = dL/dyhat.

    dL/dxi[n] = dL/dyhat[n] g-dot(xi[n]);  dL/dw[m] = sum_n dL/dxi[n] x[n-m];
    dL/dx[k] = sum_n dL/dxi[n] w[n-k]   (x[k] reaches xi[n] through w[n-k]).
    """
    w = np.asarray(w, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    T = len(x)
    dxi = np.zeros(T)
    for n in range(T):
        dxi[n] = dyhat[n] * g_dot(activation_name, yhat[n])
    dw = np.zeros(len(w))
    for m in range(len(w)):
        for n in range(T):
            if n - m >= 0:
                dw[m] += dxi[n] * x[n - m]
    dx = np.zeros(T)
    for k in range(T):
        for m in range(len(w)):
            if k + m < T:
                dx[k] += dxi[k + m] * w[m]
    return dw, dx


def nonlinear_iir(
    w: Sequence[float], x: Sequence[float], activation_name: str = "tanh", h0: Optional[Sequence[float]] = None
) -> np.ndarray:
    """xi[n] = x[n] + sum_{m=1}^{M} w[m] h[n-m],  h[n] = g(xi[n])   (lecture, "RNN = Nonlinear(IIR)").

    The slides' w[m] (delay m, 1-based) is ``w[m-1]`` here.  ``h0`` holds h[-M], ..., h[-1].
    """
    w = np.asarray(w, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    M = len(w)
    past = np.zeros(M) if h0 is None else np.asarray(h0, dtype=np.float64)

    def h_at(h: np.ndarray, k: int) -> float:  # h[k], including the initial state for k < 0
        return h[k] if k >= 0 else past[k + M]

    h = np.zeros(len(x))
    for n in range(len(x)):
        xi = x[n]
        for m in range(1, M + 1):
            xi += w[m - 1] * h_at(h, n - m)
        h[n] = g(activation_name, xi)
    return h


def synchronous_backprop(h: Sequence[float], y: Sequence[float]) -> np.ndarray:
    """dL/dh[n] holding every other time step constant, for L = 1/2 sum_n (h[n] - y[n])^2: h[n] - y[n]."""
    h = np.asarray(h, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    partial = np.zeros(len(h))
    for n in range(len(h)):
        partial[n] = h[n] - y[n]
    return partial


def bptt(
    w: Sequence[float], h: Sequence[float], dh_partial: Sequence[float], activation_name: str = "tanh"
) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Back-prop through time (lecture, "Back-Prop Through Time (BPTT)").

    dL/dh[n] = dL/dh_partial[n] + sum_{m=1}^{M} dL/dh[n+m] g-dot(xi[n+m]) w[m],
    iterated backward from the last sample; dL/dxi[n] = dL/dh[n] g-dot(xi[n]).  The same recursion
    continued to n = -M, ..., -1 (where there is no partial) gives the initial state's gradient.
    Returns (dL/dh, dL/dxi, dL/dh0).
    """
    w = np.asarray(w, dtype=np.float64)
    h = np.asarray(h, dtype=np.float64)
    M, T = len(w), len(h)
    dh = np.zeros(T)
    dxi = np.zeros(T)
    for n in range(T - 1, -1, -1):
        dh[n] = dh_partial[n]
        for m in range(1, M + 1):
            if n + m < T:
                dh[n] += dh[n + m] * g_dot(activation_name, h[n + m]) * w[m - 1]
        dxi[n] = dh[n] * g_dot(activation_name, h[n])
    dh0 = np.zeros(M)
    for j in range(M):  # dh0[j] = dL/dh[j - M]
        n = j - M
        for m in range(1, M + 1):
            if 0 <= n + m < T:
                dh0[j] += dxi[n + m] * w[m - 1]
    return dh, dxi, dh0


def weight_gradient(
    dxi: Sequence[float], h: Sequence[float], M: int, h0: Optional[Sequence[float]] = None
) -> np.ndarray:
    """dL/dw[m] = sum_n dL/dh[n] g-dot(xi[n]) h[n-m] = sum_n dL/dxi[n] h[n-m]   (lecture, "Weight Gradient")."""
    h = np.asarray(h, dtype=np.float64)
    past = np.zeros(M) if h0 is None else np.asarray(h0, dtype=np.float64)
    dw = np.zeros(M)
    for m in range(1, M + 1):
        for n in range(len(h)):
            h_past = h[n - m] if n - m >= 0 else past[n - m + M]
            dw[m - 1] += dxi[n] * h_past
    return dw


def lfilter_backward(
    b: Sequence[float],
    a: Sequence[float],
    x: Sequence[float],
    y: Sequence[float],
    dy: Sequence[float],
    zi: Optional[Sequence[float]] = None,
) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of L = sum_n dy[n] y[n], y = lfilter(b, a, x, zi): (dL/db, dL/da, dL/dx, dL/dzi).

    BPTT with g = identity on the lecture's form y[n] = sum_m b_m x[n-m] + sum_{m>=1} a_m y[n-m] + zi[n]
    (b_m = b[m]/a[0], a_m = -a[m]/a[0]): the total derivative
    dL/dy[n] = dy[n] + sum_{m>=1} dL/dy[n+m] a_m, then dL/db_m = sum_n dL/dy[n] x[n-m],
    dL/da_m = sum_n dL/dy[n] y[n-m], dL/dx[k] = sum_m dL/dy[k+m] b_m, dL/dzi[k] = dL/dy[k];
    finally the chain rule through b_m = b[m]/a[0] and a_m = -a[m]/a[0].
    """
    b = np.asarray(b, dtype=np.float64)
    a = np.asarray(a, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    order, b_lec, a_lec = _lecture_coefficients(b, a)
    T = len(x)
    gy = np.zeros(T)
    for n in range(T - 1, -1, -1):
        gy[n] = dy[n]
        for m in range(1, order + 1):
            if n + m < T:
                gy[n] += gy[n + m] * a_lec[m]
    db_lec = np.zeros(order + 1)
    da_lec = np.zeros(order + 1)
    for m in range(order + 1):
        for n in range(T):
            if n - m >= 0:
                db_lec[m] += gy[n] * x[n - m]
                if m >= 1:
                    da_lec[m] += gy[n] * y[n - m]
    dx = np.zeros(T)
    for k in range(T):
        for m in range(order + 1):
            if k + m < T:
                dx[k] += gy[k + m] * b_lec[m]
    dzi = np.zeros(order)
    for k in range(min(order, T)):
        dzi[k] = gy[k]
    # Chain rule: b_m = b[m]/a[0], a_m = -a[m]/a[0].
    db = np.zeros(len(b))
    for m in range(len(b)):
        db[m] = db_lec[m] / a[0]
    da = np.zeros(len(a))
    for m in range(1, len(a)):
        da[m] = -da_lec[m] / a[0]
    for m in range(len(b)):
        da[0] += db_lec[m] * (-b[m] / a[0] ** 2)
    for m in range(1, len(a)):
        da[0] += da_lec[m] * (a[m] / a[0] ** 2)
    return db, da, dx, dzi


# --- The vector RNN: the lecture's written example, and its generalisation to M delays -----------------


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
        h[t] = g(activation, xi)
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
        dxi[t] = g_dot(activation, h[t]) * dh[t]
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
