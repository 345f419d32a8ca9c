"""torch.autograd.Functions around rnnlti's kernels (imported by `rnnlti.torch`, never by `rnnlti`).

Each Function hands its tensors to the NumPy API through ``Tensor.numpy()`` (a view, no copy: the
NumPy layer copies only when a kernel cannot read the strides) and wraps the kernels' fresh outputs
with ``torch.from_numpy`` (no copy either).  Backward passes call the matching ``*_backward`` kernel
once, which returns every gradient of that call in one sweep.

``import torch`` below is the real PyTorch: Python 3 imports are absolute, so this package's own
``rnnlti.torch`` module cannot shadow it.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence, Tuple

import numpy as np
import torch

from . import _checks
from ._frontend import final_state_columns
from .lfilter_grad import lfilter_backward as _lfilter_backward
from .linear import fir as _fir
from .linear import lfilter as _lfilter
from .nonlinear import nonlinear_fir as _nonlinear_fir
from .nonlinear import nonlinear_fir_backward as _nonlinear_fir_backward
from .nonlinear import nonlinear_iir as _nonlinear_iir
from .nonlinear import nonlinear_iir_backward as _nonlinear_iir_backward
from .rnn import readout_loss as _readout_loss
from .rnn import _backward as _rnn_backward
from .rnn import rnn_forward as _rnn_forward

__all__ = ["lfilter", "fir", "nonlinear_fir", "nonlinear_iir", "rnn", "readout_loss"]

_FLOATS = (torch.float32, torch.float64)


# --- Conversions ---------------------------------------------------------------------------------

def _check_tensor(t: torch.Tensor, name: str) -> None:
    if t.device.type != "cpu":
        raise TypeError(
            f"{name} is a {t.device.type} tensor (device {t.device}); rnnlti.torch runs on CPU tensors "
            f"only: pass {name}.cpu()"
        )
    if t.dtype not in _FLOATS:
        raise TypeError(
            f"{name} has dtype {t.dtype}; rnnlti.torch takes float32 or float64 tensors: convert with "
            f"{name}.float() or {name}.double()"
        )
    if t.layout != torch.strided:
        raise TypeError(f"{name} has layout {t.layout}; rnnlti.torch takes dense (strided) tensors: pass {name}.to_dense()")


def _tensors(names: Sequence[str], values: Sequence[Any]) -> Tuple[Optional[torch.Tensor], ...]:
    """The arguments as CPU float tensors of one dtype (None stays None).

    Tensors must already be CPU float32/float64 and agree on the dtype (torch does not promote
    silently here, as a gradient must come back in its input's dtype); other array-likes (lists of
    coefficients, NumPy arrays) become constant tensors of that dtype (float64 when no tensor is given).
    """
    given = [(n, v) for n, v in zip(names, values) if isinstance(v, torch.Tensor)]
    for n, v in given:
        _check_tensor(v, n)
    dtypes = {v.dtype for _, v in given}
    if len(dtypes) > 1:
        listing = ", ".join(f"{n}: {v.dtype}" for n, v in given)
        raise TypeError(f"the tensors must share one dtype, got {listing}; convert them with .float() or .double()")
    dtype = dtypes.pop() if dtypes else torch.float64
    out = []
    for n, v in zip(names, values):
        if v is None or isinstance(v, torch.Tensor):
            out.append(v)
        else:
            arr = _checks.real_array(v, n)  # TypeError naming the argument for complex / strings
            out.append(torch.as_tensor(arr.astype(np.float64 if dtype == torch.float64 else np.float32)))
    return tuple(out)


def _np(t: Optional[torch.Tensor]) -> Optional[np.ndarray]:
    """A NumPy view of a CPU tensor's memory (strides kept; no copy)."""
    if t is None:
        return None
    return t.detach().resolve_conj().resolve_neg().numpy()


def _torch(a: Optional[np.ndarray]) -> Optional[torch.Tensor]:
    """A tensor sharing the memory of a kernel's fresh output (no copy)."""
    return None if a is None else torch.from_numpy(a)


def _time_axis(x: torch.Tensor, axis: Any) -> int:
    """``axis`` normalised for the signal x, which must have at least one dimension."""
    if x.dim() == 0:
        raise ValueError("x must have at least one dimension, got a 0-d tensor")
    return _checks.normalize_axis(axis, x.dim())


# --- Linear filters ------------------------------------------------------------------------------

class _LFilterFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, b, a, x, zi, axis):  # type: ignore[override]
        y = _lfilter(_np(b), _np(a), _np(x), axis=axis, zi=_np(zi))
        y_t = _torch(y[0] if zi is not None else y)
        ctx.axis = axis
        # Without zi the backward pass forms da from x and needs no y (lfilter_backward(y=None)).
        ctx.save_for_backward(b, a, x, y_t if zi is not None else None, zi)
        return y_t

    @staticmethod
    def backward(ctx, dy):  # type: ignore[override]
        b, a, x, y, zi = ctx.saved_tensors
        g = _lfilter_backward(_np(b), _np(a), _np(x), _np(y), _np(dy), axis=ctx.axis, zi=_np(zi))
        return _torch(g.db), _torch(g.da), _torch(g.dx), _torch(g.dzi), None


def _final_state(b, a, x, y, zi, axis: int) -> torch.Tensor:
    """scipy's zf from the tails of x and y and from zi, as differentiable torch operations
    (the formula: `_frontend.final_state_columns`); autograd carries the gradient of zf into
    y (hence through the filter), x, b, a and zi."""
    order = max(a.shape[-1], b.shape[-1]) - 1
    xm, ym, zim = x.movedim(axis, -1), y.movedim(axis, -1), zi.movedim(axis, -1)
    channels = xm.shape[:-1]
    bn = torch.nn.functional.pad(b / a[..., :1], (0, order + 1 - b.shape[-1]))
    an = torch.nn.functional.pad(a / a[..., :1], (0, order + 1 - a.shape[-1]))
    cols = final_state_columns(bn, an, xm, ym, zim, lambda: torch.zeros(channels, dtype=x.dtype))
    if not cols:
        return torch.zeros(channels + (0,), dtype=x.dtype).movedim(-1, axis)
    return torch.stack([torch.broadcast_to(c, channels) for c in cols], dim=-1).movedim(-1, axis)


def lfilter(b: Any, a: Any, x: torch.Tensor, axis: int = -1, zi: Optional[torch.Tensor] = None):
    """Differentiable `rnnlti.lfilter` on CPU tensors: gradients for b, a, x and zi.

    ``a[0] y[n] = sum_k b[k] x[n-k] - sum_{k>=1} a[k] y[n-k]`` along ``axis``, scipy's semantics
    (a[0] normalisation, zi and zf in scipy's layout, banks of filters).  b, a, x, zi: float32 or
    float64 tensors of one dtype (coefficients may also be lists or arrays, then constants).
    Returns y, or ``(y, zf)`` when zi is given; zf is differentiable too (truncated BPTT over chunks).
    The backward pass is one call of `rnnlti.lfilter_backward`.
    """
    b, a, x, zi = _tensors(("b", "a", "x", "zi"), (b, a, x, zi))
    axis = _time_axis(x, axis)
    y = _LFilterFn.apply(b, a, x, zi, axis)
    if zi is None:
        return y
    return y, _final_state(b, a, x, y, zi, axis)


class _FirFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, h, x, axis):  # type: ignore[override]
        ctx.axis = axis
        ctx.save_for_backward(h, x)
        return _torch(_fir(_np(h), _np(x), axis=axis))

    @staticmethod
    def backward(ctx, dy):  # type: ignore[override]
        h, x = ctx.saved_tensors
        one = np.ones(1, dtype=_np(x).dtype)
        # An FIR filter is lfilter with a = [1]; y enters lfilter's gradient only through a[1:], which
        # is empty here, so x stands in for y (no need to keep y alive).
        g = _lfilter_backward(_np(h), one, _np(x), _np(x), _np(dy), axis=ctx.axis)
        return _torch(g.db), _torch(g.dx), None


def fir(h: Any, x: torch.Tensor, axis: int = -1) -> torch.Tensor:
    """Differentiable `rnnlti.fir`: ``y[n] = sum_m h[m] x[n-m]`` along ``axis``; gradients for h and x."""
    h, x = _tensors(("h", "x"), (h, x))
    return _FirFn.apply(h, x, _time_axis(x, axis))


# --- Nonlinear filters ---------------------------------------------------------------------------

class _NonlinearFirFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, w, x, activation, axis):  # type: ignore[override]
        yhat = _torch(_nonlinear_fir(_np(w), _np(x), activation, axis=axis))
        ctx.activation, ctx.axis = activation, axis
        ctx.save_for_backward(w, x, yhat)
        return yhat

    @staticmethod
    def backward(ctx, dyhat):  # type: ignore[override]
        w, x, yhat = ctx.saved_tensors
        g = _nonlinear_fir_backward(_np(w), _np(x), _np(yhat), _np(dyhat), ctx.activation, axis=ctx.axis)
        return _torch(g.dw), _torch(g.dx), None, None


def nonlinear_fir(w: Any, x: torch.Tensor, activation: str = "tanh", axis: int = -1) -> torch.Tensor:
    """Differentiable `rnnlti.nonlinear_fir` (a 1-D CNN): ``yhat[n] = g(sum_m w[m] x[n-m])``; grads for w, x."""
    activation = _checks.check_activation(activation)
    w, x = _tensors(("w", "x"), (w, x))
    return _NonlinearFirFn.apply(w, x, activation, _time_axis(x, axis))


class _NonlinearIirFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, w, x, h0, activation, axis):  # type: ignore[override]
        h = _torch(_nonlinear_iir(_np(w), _np(x), activation, h0=_np(h0), axis=axis))
        ctx.activation, ctx.axis = activation, axis
        ctx.save_for_backward(w, h, h0)
        return h

    @staticmethod
    def backward(ctx, dh):  # type: ignore[override]
        w, h, h0 = ctx.saved_tensors
        g = _nonlinear_iir_backward(_np(w), _np(h), _np(dh), ctx.activation, h0=_np(h0), axis=ctx.axis)
        return _torch(g.dw), _torch(g.dx), _torch(g.dh0), None, None


def nonlinear_iir(
    w: Any, x: torch.Tensor, activation: str = "tanh", h0: Optional[torch.Tensor] = None, axis: int = -1
) -> torch.Tensor:
    """Differentiable `rnnlti.nonlinear_iir` (a scalar RNN): ``h[n] = g(x[n] + sum_m w[m-1] h[n-m])``.

    Gradients for w, x and h0 (x's shape with the time axis of length M, in time order) by one BPTT
    sweep (`rnnlti.nonlinear_iir_backward`).
    """
    activation = _checks.check_activation(activation)
    w, x, h0 = _tensors(("w", "x", "h0"), (w, x, h0))
    return _NonlinearIirFn.apply(w, x, h0, activation, _time_axis(x, axis))


# --- The vector RNN ------------------------------------------------------------------------------

class _RnnFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, U, V, b, h0, activation):  # type: ignore[override]
        h = _torch(_rnn_forward(_np(x), _np(U), _np(V), _np(b), _np(h0), activation))
        ctx.activation = activation
        ctx.save_for_backward(x, U, V, b, h0, h)
        return h

    @staticmethod
    def backward(ctx, dh):  # type: ignore[override]
        x, U, V, b, h0, h = ctx.saved_tensors
        # x is usually data: without its gradient the kernel skips the dx GEMM (as torch.nn.RNN does);
        # autograd needs no total dh, so it is not kept.
        want_dx = ctx.needs_input_grad[0]
        g = _rnn_backward(_np(x), _np(h), _np(U), _np(V), _np(dh), _np(b), _np(h0), ctx.activation, want_dx, False)
        return _torch(g.dx), _torch(g.dU), _torch(g.dV), _torch(g.db), _torch(g.dh0), None


def rnn(
    x: torch.Tensor,
    U: torch.Tensor,
    V: torch.Tensor,
    b: Optional[torch.Tensor] = None,
    h0: Optional[torch.Tensor] = None,
    activation: str = "tanh",
) -> torch.Tensor:
    """Differentiable `rnnlti.rnn_forward`: ``h[t] = g(U x[t] + sum_{m=1}^{M} V[m-1] h[t-m] + b)``.

    x (B, T, D) or (T, D), U (N, D), V (M, N, N) (or a list of M (N, N) tensors), b (N,), h0
    (B, M, N) or (M, N) in time order.
    Returns h (B, T, N) or (T, N).  Gradients for x, U, V, b and h0 by one BPTT call
    (`rnnlti.rnn_backward`); see `RNN` for an ``nn.RNN``-style module.
    """
    activation = _checks.check_activation(activation)
    if isinstance(V, (list, tuple)) and V and all(isinstance(v, torch.Tensor) for v in V):
        for i, v in enumerate(V):
            _check_tensor(v, f"V[{i}]")
        try:
            V = torch.stack(list(V))  # a list of M (N, N) matrices, gradients kept
        except RuntimeError:
            raise ValueError(f"V must be a list of M (N, N) matrices of one shape, got shapes {[tuple(v.shape) for v in V]}") from None
    x, U, V, b, h0 = _tensors(("x", "U", "V", "b", "h0"), (x, U, V, b, h0))
    return _RnnFn.apply(x, U, V, b, h0, activation)


class _ReadoutLossFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, h, W, y, c):  # type: ignore[override]
        r = _readout_loss(_np(h), _np(W), _np(y), _np(c))
        # The kernel returns the loss and its gradients together; keep the gradients for backward.
        ctx.save_for_backward(_torch(r.dh), _torch(r.dW), _torch(r.dc))
        return torch.tensor(r.loss, dtype=h.dtype)

    @staticmethod
    def backward(ctx, dloss):  # type: ignore[override]
        dh, dW, dc = ctx.saved_tensors
        return dh * dloss, dW * dloss, None, None if dc is None else dc * dloss


def readout_loss(h: torch.Tensor, W: torch.Tensor, y: Any, c: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Differentiable `rnnlti.readout_loss`: ``L = 1/2 sum_t ||y - (W h[t] + c)||^2`` (a sum, not a mean).

    Gradients for h, W and c (computed by the kernel in the forward call); the targets y are
    constants (a y that requires grad raises ValueError).
    """
    h, W, y, c = _tensors(("h", "W", "y", "c"), (h, W, y, c))
    if y.requires_grad:
        raise ValueError("y requires grad, but readout_loss treats the targets y as constants: pass y.detach()")
    return _ReadoutLossFn.apply(h, W, y, c)
