"""Nonlinear time-invariant filters (the lecture's second and sixth sections) and their gradients.

* "Convolutional Neural Net = Nonlinear(FIR)":  ``yhat[n] = g(sum_{m=0}^{K-1} w[m] x[n-m])``.
* "Recurrent Neural Net = Nonlinear(IIR)":      ``h[n] = g(x[n] + sum_{m=1}^{M} w[m-1] h[n-m])``.

Back-propagation follows the lecture's split: the caller supplies the *synchronous* partial
derivatives (``dL/dyhat[n]``, or ``dL/dh[n]`` holding every other time step constant: ``h[n] - y[n]``
for the lecture's loss ``L = 1/2 sum_n (h[n] - y[n])^2``), and `nonlinear_iir_backward` turns them into
total derivatives by back-propagation through time.  Every ``g'`` is computed from the activation
``h = g(xi)`` itself, so no backward pass needs the excitation ``xi``.  Losses are sums over time and
over every channel of the batch; the shared weights' gradient ``dw`` sums over all of them.
"""
from __future__ import annotations

from typing import Any, NamedTuple, Optional, Tuple

import numpy as np

from . import _checks, _core

__all__ = [
    "FirGradients",
    "IirGradients",
    "nonlinear_fir",
    "nonlinear_fir_backward",
    "nonlinear_iir",
    "nonlinear_iir_backward",
]


class FirGradients(NamedTuple):
    """Gradients of `nonlinear_fir_backward`: ``dw`` (shape ``(K,)``, summed over channels), ``dx``."""

    dw: np.ndarray
    dx: np.ndarray


class IirGradients(NamedTuple):
    """Gradients of `nonlinear_iir_backward`.

    dh : total derivatives ``dL/dh[n]`` (BPTT), shape of h.
    dxi : ``dL/dxi[n] = dh[n] g'(xi[n])``, shape of h.
    dw : ``dL/dw[m-1] = sum_n dxi[n] h[n-m]`` summed over every channel, shape ``(M,)``.
    dx : ``dL/dx[n]``; equal to dxi (since ``xi = x + ...``), and the same array object.
    dh0 : gradient of the initial state, shape of h0; None when h0 was not given.
    """

    dh: np.ndarray
    dxi: np.ndarray
    dw: np.ndarray
    dx: np.ndarray
    dh0: Optional[np.ndarray]


def _weights(w: Any, name: str, dtype: np.dtype) -> np.ndarray:
    return np.ascontiguousarray(_checks.coefficients(w, name, dtype, allow_bank=False))


def _initial_state(h0: np.ndarray, expected: Tuple[int, ...], axis: int, dtype: np.dtype) -> np.ndarray:
    """h0 checked against, and broadcast to, the signal's shape with the time axis of length M."""
    rule = "the signal's shape with the time axis of length M = len(w)"
    return _checks.initial_state(h0, expected, axis, dtype, "h0", rule)


def nonlinear_fir(
    w: Any, x: Any, activation: str = "tanh", axis: int = -1, out: Optional[np.ndarray] = None
) -> np.ndarray:
    """Nonlinear FIR filter (a 1-D convolutional layer): ``yhat[n] = g(sum_{m=0}^{K-1} w[m] x[n-m])``.

    Parameters
    ----------
    w : array_like
        The K >= 1 taps, 1-D, shared by every channel.
    x : array_like
        Real input of any shape; filtered along ``axis`` with a zero initial state.  float32 stays
        float32, other real dtypes are computed in float64; ``w`` is cast to that dtype.
    activation : {"tanh", "sigmoid", "relu", "identity"}
        The nonlinearity g.
    axis : int
        The time axis.
    out : ndarray, optional
        An array of x's shape and the result dtype to write ``yhat`` into.

    Returns
    -------
    yhat : ndarray of x's shape.

    Examples
    --------
    >>> import numpy as np, rnnlti
    >>> rnnlti.nonlinear_fir([1.0, 1.0], np.array([0.5, 0.0, -0.5]), activation="relu")
    array([0.5, 0.5, 0. ])
    """
    act = _checks.check_activation(activation)
    x, axis, dtype = _checks.signal(x, axis)
    w = _weights(w, "w", dtype)
    y = _checks.check_out(out, x, axis, dtype)
    _core.nonlinear_fir(w, _checks.batch_view(x, axis), _checks.writable_batch_view(y, axis), act)
    return y


def nonlinear_fir_backward(
    w: Any, x: Any, yhat: Any, dyhat: Any, activation: str = "tanh", axis: int = -1
) -> FirGradients:
    """Back-propagation through `nonlinear_fir`, from ``dyhat = dL/dyhat[n]``.

    With ``xi[n] = sum_m w[m] x[n-m]`` and ``yhat[n] = g(xi[n])``:
    ``dL/dxi[n] = dyhat[n] g'(xi[n])`` (``g'`` from yhat itself), ``dx[n] = sum_m w[m] dL/dxi[n+m]``,
    ``dw[m] = sum_n dL/dxi[n] x[n-m]``, summed over every channel.

    Parameters
    ----------
    w, x, activation, axis
        As given to `nonlinear_fir`.
    yhat : array_like
        Its output ``nonlinear_fir(w, x, activation, axis)``.
    dyhat : array_like
        ``dL/dyhat``, the shape of x (e.g. ``yhat - y`` for ``L = 1/2 sum (yhat - y)^2``).

    Returns
    -------
    FirGradients
        ``(dw, dx)``: ``dw`` of shape ``(K,)``, ``dx`` of x's shape.
    """
    act = _checks.check_activation(activation)
    (x, yhat, dyhat), axis, dtype = _checks.signals(("x", "yhat", "dyhat"), (x, yhat, dyhat), axis)
    w = _weights(w, "w", dtype)
    dx = _checks.signal_output(x, axis, dtype)
    dw = np.empty(w.shape, dtype)
    _core.nonlinear_fir_backward(
        w,
        _checks.batch_view(x, axis),
        _checks.batch_view(yhat, axis),
        _checks.batch_view(dyhat, axis),
        _checks.writable_batch_view(dx, axis),
        dw,
        act,
    )
    return FirGradients(dw, dx)


def nonlinear_iir(
    w: Any,
    x: Any,
    activation: str = "tanh",
    h0: Any = None,
    axis: int = -1,
    out: Optional[np.ndarray] = None,
) -> np.ndarray:
    """Nonlinear IIR filter (a scalar RNN): ``h[n] = g(x[n] + sum_{m=1}^{M} w[m-1] h[n-m])``.

    Parameters
    ----------
    w : array_like
        The M >= 1 feedback weights, 1-D, shared by every channel; ``w[m-1]`` multiplies ``h[n-m]``.
    x : array_like
        Real input of any shape, recurred along ``axis``.  float32 stays float32, other real dtypes
        are computed in float64; ``w`` and ``h0`` are cast to that dtype.
    activation : {"tanh", "sigmoid", "relu", "identity"}
        The nonlinearity g.
    h0 : array_like, optional
        The M samples before the signal, in time order (``h0[..., j]`` is ``h[j - M]``): x's shape
        with the time axis of length M (size-1 dimensions broadcast).  Zeros when omitted.
    axis : int
        The time axis.
    out : ndarray, optional
        An array of x's shape and the result dtype to write ``h`` into.

    Returns
    -------
    h : ndarray of x's shape.

    Examples
    --------
    >>> import numpy as np, rnnlti
    >>> rnnlti.nonlinear_iir([0.5], np.array([1.0, 0.0, 0.0]), activation="identity")
    array([1.  , 0.5 , 0.25])
    """
    act = _checks.check_activation(activation)
    h0_arr = None if h0 is None else _checks.real_array(h0, "h0")
    x, axis, dtype = _checks.signal(x, axis, h0_arr)
    w = _weights(w, "w", dtype)
    h0_view = None
    if h0_arr is not None:
        state_shape = _checks.state_shape(x.shape, axis, w.size)
        h0_view = _checks.batch_view(_initial_state(h0_arr, state_shape, axis, dtype), axis)
    h = _checks.check_out(out, x, axis, dtype)
    _core.nonlinear_iir(w, _checks.batch_view(x, axis), _checks.writable_batch_view(h, axis), h0_view, act)
    return h


def nonlinear_iir_backward(
    w: Any,
    h: Any,
    dh_partial: Any,
    activation: str = "tanh",
    h0: Any = None,
    axis: int = -1,
) -> IirGradients:
    """Back-propagation through time for `nonlinear_iir` (lecture: "Back-Prop Through Time").

    From the synchronous partials ``dh_partial[n] = dL/dh[n]`` (every other time step held constant;
    ``h[n] - y[n]`` for ``L = 1/2 sum_n (h[n] - y[n])^2``), BPTT computes the total derivatives

        dL/dh[n] = dh_partial[n] + sum_{m=1}^{M} dL/dh[n+m] g'(xi[n+m]) w[m-1],

    then ``dxi[n] = dL/dh[n] g'(xi[n])`` (``g'`` from h itself) and the weight gradient
    ``dw[m-1] = sum_n dxi[n] h[n-m]`` (h0 supplying ``h[n-m]`` before the signal), summed over every
    channel.

    Parameters
    ----------
    w, activation, h0, axis
        As given to `nonlinear_iir`.
    h : array_like
        Its output ``nonlinear_iir(w, x, activation, h0, axis)``.
    dh_partial : array_like
        The synchronous partial derivatives, the shape of h.

    Returns
    -------
    IirGradients
        ``(dh, dxi, dw, dx, dh0)``; ``dx`` is ``dxi`` (the same array); ``dh0`` has h0's shape, or is
        None when h0 is None.
    """
    act = _checks.check_activation(activation)
    h0_arr = None if h0 is None else _checks.real_array(h0, "h0")
    (h, dhp), axis, dtype = _checks.signals(("h", "dh_partial"), (h, dh_partial), axis, h0_arr)
    w = _weights(w, "w", dtype)
    dh = _checks.empty(h.shape, dtype)
    dxi = _checks.empty(h.shape, dtype)
    dw = np.empty(w.shape, dtype)
    h0_view = dh0 = dh0_view = None
    if h0_arr is not None:
        state_shape = _checks.state_shape(h.shape, axis, w.size)
        h0_view = _checks.batch_view(_initial_state(h0_arr, state_shape, axis, dtype), axis)
        dh0 = np.empty(state_shape, dtype)
        dh0_view = _checks.writable_batch_view(dh0, axis)
    _core.nonlinear_iir_backward(
        w,
        _checks.batch_view(h, axis),
        _checks.batch_view(dhp, axis),
        _checks.writable_batch_view(dh, axis),
        _checks.writable_batch_view(dxi, axis),
        h0_view,
        dh0_view,
        dw,
        act,
    )
    if dh0 is not None:
        dh0 = _checks.sum_to(dh0, h0_arr.shape)
    return IirGradients(dh, dxi, dw, dxi, dh0)
