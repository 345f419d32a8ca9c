"""JAX front end: `lfilter` and the vector RNN `rnn` as ``jax.custom_vjp`` functions (optional: needs jax).

``import rnnlti`` never imports jax; ``import rnnlti.jax`` does, and fails with an ImportError naming
the extra to install when jax is missing.  The kernels run on the host through ``jax.pure_callback``;
the backward pass of each function is one call of the matching rnnlti backward kernel.

What works and what does not:

- ``jax.grad`` / ``jax.vjp`` / ``jax.value_and_grad``: yes (reverse mode, via ``custom_vjp``).
- ``jax.jit``: yes; the kernels are called from the compiled program through the host callback (the
  arrays cross that boundary with at most one copy each way).
- ``jax.vmap``: yes, but by a loop: the callbacks use ``vmap_method="sequential"``, one kernel call per
  mapped element.  The kernels batch natively: pass a batch axis (lfilter: leading axes of x; rnn:
  x of shape (B, T, D)) instead of vmapping for speed.
- Forward mode (``jax.jvp``, ``jax.jacfwd``) and higher-order derivatives (``grad`` of ``grad``): no,
  ``custom_vjp`` functions have no JVP rule and the backward callback is not itself differentiable.
- GPU/TPU arrays: the callback runs on the host CPU, so device arrays travel to the host and back.
- Errors in values (e.g. a[0] == 0) are raised inside the callback at run time; shapes and dtypes are
  checked at trace time.
"""
from __future__ import annotations

from functools import lru_cache, partial
from typing import Any, Optional, Tuple

try:
    import jax as _jax  # the real JAX: absolute import, this module does not shadow it
    import jax.numpy as _jnp
except ImportError as _exc:  # pragma: no cover - exercised by a subprocess test
    raise ImportError(
        "rnnlti.jax needs JAX, which is not installed: pip install 'rnnlti[jax]' "
        f"(jax[cpu]); the original error was: {_exc}"
    ) from _exc

import numpy as np

from . import _checks
from ._frontend import final_state_columns
from .lfilter_grad import lfilter_backward as _lfilter_backward
from .linear import lfilter as _lfilter
from .rnn import _backward as _rnn_backward
from .rnn import rnn_forward as _rnn_forward

__all__ = ["lfilter", "rnn"]

_VMAP = "sequential"


def _dtype(names: Tuple[str, ...], values: Tuple[Any, ...]):
    """The common float dtype of the given arrays (ints and bools promote to JAX's default float)."""
    given = []
    for name, v in zip(names, values):
        if v is None:
            continue
        if not hasattr(v, "dtype"):  # lists and scalars: JAX's default dtype for their kind
            try:
                v = _jnp.asarray(v)
            except TypeError:
                raise TypeError(f"{name} must be a real-valued array, got {type(v).__name__}") from None
        dt = _jnp.result_type(v)
        if _jnp.issubdtype(dt, _jnp.complexfloating) or not (
            _jnp.issubdtype(dt, _jnp.number) or dt == _jnp.bool_
        ):
            raise TypeError(f"{name} must be real-valued, got dtype {dt}")
        if _jnp.issubdtype(dt, _jnp.floating) and dt not in (_jnp.float32, _jnp.float64):
            raise TypeError(f"{name} has dtype {dt}; rnnlti.jax takes float32 or float64 arrays")
        given.append(v)
    dt = _jnp.result_type(*given)
    return dt if dt in (_jnp.float32, _jnp.float64) else _jnp.result_type(float)


def _cast(v: Any, dtype) -> Any:
    return None if v is None else _jnp.asarray(v, dtype=dtype)


def _struct(shape, dtype):
    return _jax.ShapeDtypeStruct(tuple(shape), dtype)


# --- lfilter -------------------------------------------------------------------------------------

def _np(v: Any) -> Optional[np.ndarray]:
    return None if v is None else np.asarray(v)


@partial(_jax.custom_vjp, nondiff_argnums=(4,))
def _lfilter_y(b, a, x, zi, axis):
    def run(b, a, x, zi):
        y = _lfilter(_np(b), _np(a), _np(x), axis=axis, zi=_np(zi))
        return y[0] if zi is not None else y

    return _jax.pure_callback(run, _struct(x.shape, x.dtype), b, a, x, zi, vmap_method=_VMAP)


def _lfilter_y_fwd(b, a, x, zi, axis):
    y = _lfilter_y(b, a, x, zi, axis)
    # Without zi the backward pass forms da from x and needs no y (lfilter_backward(y=None)).
    return y, (b, a, x, zi, y if zi is not None else None)


def _lfilter_y_bwd(axis, res, dy):
    b, a, x, zi, y = res

    def run(b, a, x, zi, y, dy):
        g = _lfilter_backward(_np(b), _np(a), _np(x), _np(y), _np(dy), axis=axis, zi=_np(zi))
        return tuple(g)

    shapes = (_struct(b.shape, b.dtype), _struct(a.shape, a.dtype), _struct(x.shape, x.dtype),
              None if zi is None else _struct(zi.shape, zi.dtype))
    return _jax.pure_callback(run, shapes, b, a, x, zi, y, dy, vmap_method=_VMAP)


_lfilter_y.defvjp(_lfilter_y_fwd, _lfilter_y_bwd)


def _final_state(b, a, x, y, zi, axis: int):
    """scipy's zf from the tails of x and y and from zi, in differentiable jnp operations
    (the formula: `_frontend.final_state_columns`)."""
    order = max(a.shape[-1], b.shape[-1]) - 1
    xm, ym, zim = (_jnp.moveaxis(v, axis, -1) for v in (x, y, zi))
    channels = xm.shape[:-1]
    bn = _jnp.pad(b / a[..., :1], [(0, 0)] * (b.ndim - 1) + [(0, order + 1 - b.shape[-1])])
    an = _jnp.pad(a / a[..., :1], [(0, 0)] * (a.ndim - 1) + [(0, order + 1 - a.shape[-1])])
    cols = final_state_columns(bn, an, xm, ym, zim, lambda: _jnp.zeros(channels, x.dtype))
    if not cols:
        return _jnp.moveaxis(_jnp.zeros(channels + (0,), x.dtype), -1, axis)
    return _jnp.moveaxis(_jnp.stack([_jnp.broadcast_to(c, channels) for c in cols], axis=-1), -1, axis)


def lfilter(b: Any, a: Any, x: Any, axis: int = -1, zi: Any = None):
    """`rnnlti.lfilter` as a JAX function with a custom VJP: gradients for b, a, x and zi.

    ``a[0] y[n] = sum_k b[k] x[n-k] - sum_{k>=1} a[k] y[n-k]`` along ``axis`` (scipy's semantics);
    returns y, or ``(y, zf)`` when zi is given (zf differentiable as well).  The inputs are cast to
    their common float dtype (float32 unless x64 is enabled or an input is float64).  Works under
    ``jit`` and ``grad``; ``vmap`` loops (see the module docstring).
    """
    dtype = _dtype(("b", "a", "x", "zi"), (b, a, x, zi))
    b, a, x, zi = (_cast(v, dtype) for v in (b, a, x, zi))
    if x.ndim == 0:
        raise ValueError("x must have at least one dimension, got a 0-d array")
    for name, c in (("b", b), ("a", a)):
        if c.ndim == 0 or c.shape[-1] == 0:
            raise ValueError(f"{name} must be a non-empty 1-D array (or a bank of shape (..., k)), got shape {c.shape}")
    # A negative axis stays valid when vmap adds a leading batch dimension to x.
    axis = _checks.normalize_axis(axis, x.ndim) - x.ndim
    if zi is not None:  # the rule of rnnlti.lfilter, checked at trace time
        order, t = max(a.shape[-1], b.shape[-1]) - 1, x.ndim + axis
        rule = "x's shape with the filter axis of length max(len(a), len(b)) - 1"
        _checks.check_state_shape(zi, _checks.state_shape(tuple(x.shape), t, order), (t,), "zi", rule)
    y = _lfilter_y(b, a, x, zi, axis)
    if zi is None:
        return y
    return y, _final_state(b, a, x, y, zi, axis)


# --- the vector RNN ------------------------------------------------------------------------------

@lru_cache(maxsize=None)
def _rnn_function(activation: str):
    """One custom_vjp function per activation (b and h0 may be None: empty pytrees)."""

    @_jax.custom_vjp
    def f(x, U, V, b, h0):
        shape = x.shape[:-1] + (U.shape[0],)

        def run(x, U, V, b, h0):
            return _rnn_forward(_np(x), _np(U), _np(V), _np(b), _np(h0), activation)

        return _jax.pure_callback(run, _struct(shape, x.dtype), x, U, V, b, h0, vmap_method=_VMAP)

    def fwd(x, U, V, b, h0):
        h = f(x, U, V, b, h0)
        return h, (x, U, V, b, h0, h)

    def bwd(res, dh):
        x, U, V, b, h0, h = res

        def run(x, U, V, b, h0, h, dh):
            # every input gets a cotangent (dx too); the total dh is not one, so it is not kept
            g = _rnn_backward(_np(x), _np(h), _np(U), _np(V), _np(dh), _np(b), _np(h0), activation, True, False)
            return g.dx, g.dU, g.dV, g.db, g.dh0

        shapes = tuple(None if v is None else _struct(v.shape, v.dtype) for v in (x, U, V, b, h0))
        return _jax.pure_callback(run, shapes, x, U, V, b, h0, h, dh, vmap_method=_VMAP)

    f.defvjp(fwd, bwd)
    return f


def rnn(x: Any, U: Any, V: Any, b: Any = None, h0: Any = None, activation: str = "tanh"):
    """`rnnlti.rnn_forward` as a JAX function with a custom VJP: ``h[t] = g(U x[t] + sum_m V[m-1] h[t-m] + b)``.

    x (B, T, D) or (T, D), U (N, D), V (M, N, N), b (N,) or None, h0 (B, M, N) or (M, N) in time order
    or None.  Returns h (B, T, N) or (T, N); gradients for x, U, V, b and h0 by one BPTT call.
    Works under ``jit`` and ``grad``; ``vmap`` loops (see the module docstring).
    """
    activation = _checks.check_activation(activation)
    dtype = _dtype(("x", "U", "V", "b", "h0"), (x, U, V, b, h0))
    x, U, V, b, h0 = (_cast(v, dtype) for v in (x, U, V, b, h0))
    if x.ndim not in (2, 3):
        raise ValueError(f"x must have shape (B, T, D) or, unbatched, (T, D), got shape {x.shape}")
    D = x.shape[-1]
    if U.ndim != 2 or U.shape[1] != D:
        raise ValueError(f"U must have shape (N, D) with D = {D} (x's last axis), got shape {U.shape}")
    N = U.shape[0]
    if V.ndim != 3 or V.shape[0] == 0 or V.shape[1:] != (N, N):
        raise ValueError(f"V must have shape (M, {N}, {N}) with M >= 1 (one delay: V[None]), got shape {V.shape}")
    M = V.shape[0]
    if b is not None and b.shape != (N,):
        raise ValueError(f"b must have shape ({N},), got shape {b.shape}")
    if h0 is not None:
        ok = h0.shape == (M, N) or (x.ndim == 3 and h0.shape == (x.shape[0], M, N))
        if not ok:
            raise ValueError(f"h0 must have shape {(x.shape[0], M, N) if x.ndim == 3 else (M, N)} or ({M}, {N}), got shape {h0.shape}")
    return _rnn_function(activation)(x, U, V, b, h0)
