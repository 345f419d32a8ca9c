"""The vector RNN of the lecture's written example, generalised to M delays, and its BPTT.

The lecture's written example is

    h[t] = tanh(U x[t] + V1 h[t-1] + V2 h[t-2]),      L = 1/2 sum_t ||y - W h[t]||^2,

"find an algorithm to compute grad_{h[t]} L".  `rnn_forward` computes h for any number M of delays
(``V[m-1]`` multiplies ``h[t-m]``) and any activation; `readout_loss` computes L and its synchronous
partials (``dL/dh[t]`` with every other variable held constant); `rnn_backward` turns those partials
into the total derivatives ``grad_{h[t]} L`` by back-propagation through time, and returns every
weight gradient too.  All three run on the C++ kernels (batched over sequences, GIL released).
"""
from __future__ import annotations

from typing import Any, NamedTuple, Optional, Sequence, Tuple, Union

import numpy as np

from . import _checks, _core

__all__ = ["rnn_forward", "rnn_backward", "readout_loss", "RnnGradients", "ReadoutLoss"]

ArrayOrList = Union[np.ndarray, Sequence[Any]]


class RnnGradients(NamedTuple):
    """Result of `rnn_backward`; shapes follow the arguments (no batch axis for unbatched input)."""

    dh: np.ndarray  #: grad_{h[t]} L, the total derivative, (B, T, N)
    dxi: np.ndarray  #: dL/dxi[t], xi[t] the excitation, (B, T, N)
    dU: np.ndarray  #: (N, D)
    dV: np.ndarray  #: (M, N, N)
    db: Optional[np.ndarray]  #: (N,), None when b is None
    dx: np.ndarray  #: (B, T, D)
    dh0: Optional[np.ndarray]  #: shaped like h0, None when h0 is None


class ReadoutLoss(NamedTuple):
    """Result of `readout_loss`."""

    loss: float  #: L = 1/2 sum_t ||y - W h[t] - c||^2, summed over the batch too
    dh: np.ndarray  #: dL/dh[t] holding everything else constant: -W^T (y - yhat[t]), h's shape
    dW: np.ndarray  #: (K, N)
    dc: Optional[np.ndarray]  #: (K,), None when c is None


def _contiguous(a: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """C-contiguous, native, aligned ``dtype``: np.ascontiguousarray keeps a misaligned buffer
    (np.frombuffer at an odd offset) as it is, and the kernels' typed loads from it are undefined
    behaviour (UBSan reported it)."""
    a = np.ascontiguousarray(a, dtype=dtype)
    return a if a.flags.aligned else a.copy()


def _shape_error(name: str, got: Tuple[int, ...], expected: str) -> ValueError:
    return ValueError(f"{name} must have shape {expected}, got shape {tuple(got)}")


def _array(value: Any, name: str) -> np.ndarray:
    return _checks.real_array(value, name)


def _delays(V: Any) -> np.ndarray:
    """V as an (M, N, N) array; a list of M (N, N) matrices is stacked."""
    if isinstance(V, (list, tuple)):
        mats = [_array(v, f"V[{i}]") for i, v in enumerate(V)]
        if not mats:
            raise ValueError("V must hold at least one delay matrix, got an empty list")
        for i, v in enumerate(mats):
            if v.ndim != 2 or v.shape != mats[0].shape:
                raise _shape_error(f"V[{i}]", v.shape, f"{mats[0].shape if i else '(N, N)'} like V[0]")
        V = np.stack(mats)
    else:
        V = _array(V, "V")
    if V.ndim != 3 or V.shape[0] == 0 or V.shape[1] != V.shape[2]:
        raise _shape_error("V", V.shape, "(M, N, N) with M >= 1 (one delay: V[None]), square matrices")
    return V


class _Problem(NamedTuple):
    x: np.ndarray  # (B, T, D), C-contiguous, dtype
    U: np.ndarray
    V: np.ndarray
    b: Optional[np.ndarray]
    h0: Optional[np.ndarray]  # (B or 1, M, N)
    h0_shape: Optional[Tuple[int, ...]]  # as given
    batched: bool
    dtype: np.dtype
    activation: str


def _problem(x: Any, U: Any, V: Any, b: Any, h0: Any, activation: Any, *others: np.ndarray) -> _Problem:
    """Checks and normalises rnn_forward's arguments; ``others`` (rnn_backward's h and dh_partial) only
    take part in the choice of dtype."""
    activation = _checks.check_activation(activation)
    x = _array(x, "x")
    if x.ndim not in (2, 3):
        raise _shape_error("x", x.shape, "(B, T, D) or, unbatched, (T, D)")
    batched = x.ndim == 3
    U = _array(U, "U")
    V = _delays(V)
    b = None if b is None else _array(b, "b")
    h0 = None if h0 is None else _array(h0, "h0")
    D = x.shape[-1]
    if U.ndim != 2 or U.shape[1] != D:
        raise _shape_error("U", U.shape, f"(N, D) with D = {D} (x's last axis)")
    N, M = U.shape[0], V.shape[0]
    if V.shape[1:] != (N, N):
        raise _shape_error("V", V.shape, f"(M, N, N) with N = {N} (U's rows)")
    if b is not None and b.shape != (N,):
        raise _shape_error("b", b.shape, f"({N},)")
    B = x.shape[0] if batched else 1
    h0_shape = None
    if h0 is not None:
        h0_shape = h0.shape
        ok = h0.shape == (M, N) or (batched and h0.shape == (B, M, N))
        if not ok:
            expected = f"({B}, {M}, {N}) or ({M}, {N})" if batched else f"({M}, {N})"
            raise _shape_error("h0", h0.shape, f"{expected} (in time order: h0[..., M-1, :] is h[-1])")
    dtype = _checks.float_dtype(x, U, V, b, h0, *others)

    def prep(a: Optional[np.ndarray]) -> Optional[np.ndarray]:
        return None if a is None else _contiguous(a, dtype)

    x3 = prep(x if batched else x[None])
    h03 = None if h0 is None else prep(h0 if h0.ndim == 3 else h0[None])
    return _Problem(x3, prep(U), prep(V), prep(b), h03, h0_shape, batched, dtype, activation)


def rnn_forward(
    x: Any,
    U: Any,
    V: ArrayOrList,
    b: Any = None,
    h0: Any = None,
    activation: str = "tanh",
) -> np.ndarray:
    """Forward pass of the vector RNN with M delays.

    ``h[t] = g(U x[t] + sum_{m=1}^{M} V[m-1] h[t-m] + b)`` for t = 0 .. T-1; the written example
    is M = 2, g = tanh, b = 0.

    Parameters
    ----------
    x : array_like
        Inputs, (B, T, D) (a batch of B sequences of T steps) or, unbatched, (T, D).
    U : array_like
        Input matrix, (N, D).
    V : array_like or list of array_like
        Delay matrices, (M, N, N) where ``V[m-1]`` multiplies h[t-m], or a list of M (N, N)
        matrices ``[V1, V2, ...]``.  One delay: ``V[None]`` or ``[V1]``.
    b : array_like, optional
        Bias, (N,).  None: no bias.
    h0 : array_like, optional
        The states before t = 0 in time order, (B, M, N) or (M, N) (shared by every sequence):
        ``h0[..., j, :]`` is h[j - M], so ``h0[..., M-1, :]`` is h[-1].  None: zeros.
    activation : {"tanh", "sigmoid", "relu", "identity"}
        The nonlinearity g.

    Returns
    -------
    h : ndarray
        The states, (B, T, N) or (T, N) for unbatched x; float32 when every input is float32,
        else float64.

    Examples
    --------
    >>> import numpy as np, rnnlti
    >>> x = np.ones((3, 1)); U = np.ones((2, 1)); V = np.zeros((2, 2, 2))
    >>> rnnlti.rnn_forward(x, U, V, activation="identity")
    array([[1., 1.],
           [1., 1.],
           [1., 1.]])
    """
    p = _problem(x, U, V, b, h0, activation)
    B, T, _ = p.x.shape
    h = _checks.empty((B, T, p.U.shape[0]), p.dtype)
    _core.rnn_forward(p.x, p.U, p.V, p.b, p.h0, h, p.activation)
    return h if p.batched else h[0]


def _matching(value: Any, name: str, shape: Tuple[int, ...], dtype: np.dtype, what: str) -> np.ndarray:
    arr = _array(value, name)
    if arr.shape != shape:
        raise _shape_error(name, arr.shape, f"{shape} ({what})")
    return _contiguous(arr, dtype)


def rnn_backward(
    x: Any,
    h: Any,
    U: Any,
    V: ArrayOrList,
    dh_partial: Any,
    b: Any = None,
    h0: Any = None,
    activation: str = "tanh",
) -> RnnGradients:
    """Back-propagation through time of `rnn_forward`: every gradient from the synchronous partials.

    With ``xi[t]`` the excitation (the activation's input) and g' computed from h = g(xi):

    - ``dh[t] = dh_partial[t] + sum_{m=1}^{M} V[m-1]^T dxi[t+m]``: the total derivative
      grad_{h[t]} L (terms with t+m >= T vanish), the written example's answer;
    - ``dxi[t] = g'(xi[t]) * dh[t]``;
    - ``dU = sum_t dxi[t] x[t]^T``, ``dV[m-1] = sum_t dxi[t] h[t-m]^T`` (h[t-m] from h0 when
      t < m), ``db = sum_t dxi[t]``, ``dx[t] = U^T dxi[t]``, ``dh0[j] = sum_m V[m-1]^T dxi[j-M+m]``;
      weight gradients are summed over the batch.

    Parameters
    ----------
    x, U, V, b, h0, activation
        As given to `rnn_forward`.
    h : array_like
        The states `rnn_forward` returned, shaped like its output.
    dh_partial : array_like
        dL/dh[t] with every other variable held constant (synchronous backprop), h's shape; e.g. the
        ``dh`` of `readout_loss`.

    Returns
    -------
    RnnGradients
        Named tuple ``(dh, dxi, dU, dV, db, dx, dh0)``: dh, dxi and dx have the batch shape of x; dV is
        (M, N, N) (also when V was given as a list); db is None when b is None; dh0 is None when h0 is
        None (pass zeros to get the gradient at a zero initial state) and is shaped like h0 (for a
        shared (M, N) h0 with batched x, summed over the batch).
    """
    return _backward(x, h, U, V, dh_partial, b, h0, activation, want_dx=True, want_dh=True)


def _backward(
    x: Any, h: Any, U: Any, V: ArrayOrList, dh_partial: Any, b: Any, h0: Any, activation: str, want_dx: bool,
    want_dh: bool,
) -> RnnGradients:
    """`rnn_backward` for the front ends: ``want_dx=False`` gives dx None and skips its GEMM (x is data
    that needs no gradient, as in torch.nn.RNN); ``want_dh=False`` gives dh None, which then never goes
    to memory (autograd and the optimisers need only the gradients of the inputs and weights)."""
    h = _array(h, "h")
    dh_partial = _array(dh_partial, "dh_partial")
    p = _problem(x, U, V, b, h0, activation, h, dh_partial)
    B, T, D = p.x.shape
    N, M = p.U.shape[0], p.V.shape[0]
    shape = (B, T, N) if p.batched else (T, N)
    h3 = _matching(h, "h", shape, p.dtype, "rnn_forward's output")
    dhp3 = _matching(dh_partial, "dh_partial", shape, p.dtype, "h's shape")
    if not p.batched:
        h3, dhp3 = h3[None], dhp3[None]
    dh = _checks.empty((B, T, N), p.dtype) if want_dh else None
    dxi = _checks.empty((B, T, N), p.dtype)
    dU = np.empty((N, D), p.dtype)
    dV = np.empty((M, N, N), p.dtype)
    db = None if p.b is None else np.empty(N, p.dtype)
    dx = _checks.empty((B, T, D), p.dtype) if want_dx else None
    dh0 = None if p.h0 is None else np.empty((B, M, N), p.dtype)
    _core.rnn_backward(p.x, h3, p.U, p.V, dhp3, p.b, p.h0, p.activation, dh, dxi, dU, dV, db, dx, dh0)
    if dh0 is not None and len(p.h0_shape) == 2 and p.batched:
        dh0 = dh0.sum(axis=0)  # one h0 shared by every sequence
    elif dh0 is not None and not p.batched:
        dh0 = dh0[0]
    if not p.batched:
        dxi = dxi[0]
        dh, dx = (None if v is None else v[0] for v in (dh, dx))
    return RnnGradients(dh, dxi, dU, dV, db, dx, dh0)


def readout_loss(h: Any, W: Any, y: Any, c: Any = None) -> ReadoutLoss:
    """The written example's loss ``L = 1/2 sum_t ||y - yhat[t]||^2`` with ``yhat[t] = W h[t] + c``.

    Parameters
    ----------
    h : array_like
        States, (B, T, N) or (T, N).
    W : array_like
        Readout matrix, (K, N).
    y : array_like
        Targets, broadcastable to yhat's shape (B, T, K) (or (T, K)): the written example's y is one
        (K,) vector for every t; (B, 1, K) is one target per sequence.
    c : array_like, optional
        Readout bias, (K,).

    Returns
    -------
    ReadoutLoss
        Named tuple ``(loss, dh, dW, dc)``: the loss (a float, summed over time and the batch), and its
        partial derivatives ``dh[t] = -W^T (y - yhat[t])`` (the synchronous partial that
        `rnn_backward` takes as ``dh_partial``), ``dW = -sum_t (y - yhat[t]) h[t]^T`` and
        ``dc = -sum_t (y - yhat[t])`` (None when c is None).
    """
    h = _array(h, "h")
    if h.ndim not in (2, 3):
        raise _shape_error("h", h.shape, "(B, T, N) or, unbatched, (T, N)")
    W = _array(W, "W")
    N = h.shape[-1]
    if W.ndim != 2 or W.shape[1] != N:
        raise _shape_error("W", W.shape, f"(K, N) with N = {N} (h's last axis)")
    K = W.shape[0]
    y = _array(y, "y")
    c = None if c is None else _array(c, "c")
    if c is not None and c.shape != (K,):
        raise _shape_error("c", c.shape, f"({K},)")
    yhat_shape = h.shape[:-1] + (K,)
    try:
        yb = np.broadcast_to(y, yhat_shape)
    except ValueError:
        raise ValueError(f"y must broadcast to yhat's shape {yhat_shape}, got shape {y.shape}") from None
    dtype = _checks.float_dtype(h, W, y, c)
    batched = h.ndim == 3
    h3 = _contiguous(h if batched else h[None], dtype)
    yb = _checks.as_dtype(yb if batched else yb[None], dtype)
    if any(s % yb.itemsize for s in yb.strides):
        yb = _contiguous(yb, dtype)
    W = _contiguous(W, dtype)
    c = None if c is None else _contiguous(c, dtype)
    dh = _checks.empty(h3.shape, dtype)
    dW = np.empty((K, N), dtype)
    dc = None if c is None else np.empty(K, dtype)
    loss = _core.readout_loss(h3, W, c, yb, dh, dW, dc)
    return ReadoutLoss(float(loss), dh if batched else dh[0], dW, dc)
