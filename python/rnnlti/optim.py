"""Optimisers for the models: plain gradient descent as the lecture writes it, Adam, and clipping.

Parameters and gradients are dicts of NumPy arrays with the same keys (a model's ``parameters`` and
the gradients of ``loss_and_grads``).  ``step`` updates the parameter arrays in place: they belong to
the model being trained, the way an optimiser owns the update of a PyTorch module's tensors.
"""
from __future__ import annotations

import math
from typing import Dict, Mapping, Optional, Tuple

import numpy as np

Arrays = Mapping[str, Optional[np.ndarray]]

__all__ = ["SGD", "Adam", "clip_grad_norm", "global_norm", "make_optimizer"]


def _positive(value: float, name: str) -> float:
    value = float(value)
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(f"{name} must be a positive finite number, got {value}")
    return value


def global_norm(grads: Arrays) -> float:
    """sqrt(sum over every array of sum g^2): the norm of all gradients taken as one vector."""
    total = 0.0
    for g in grads.values():
        if g is not None:
            total += float(np.vdot(g, g))  # vdot: one fixed-order reduction, no temporary
    return math.sqrt(total)


def clip_grad_norm(grads: Arrays, max_norm: float) -> Tuple[Dict[str, Optional[np.ndarray]], float]:
    """Scale all gradients by one factor so that their global norm is at most ``max_norm``.

    Returns ``(clipped, norm)`` where ``norm`` is the global norm before clipping; the direction of
    the update is kept (clipping by global norm, not per array).  ``grads`` is not modified.
    """
    max_norm = _positive(max_norm, "max_norm")
    norm = global_norm(grads)
    if not norm > max_norm:  # also leaves NaN gradients alone, so that they show up in the loss
        return dict(grads), norm
    scale = max_norm / norm
    return {k: (None if g is None else g * scale) for k, g in grads.items()}, norm


class SGD:
    """Gradient descent as the lecture writes it: ``w <- w - eta dL/dw`` for every parameter w.

    Losses in rnnlti are sums over time and sequences, so a good ``lr`` (eta) shrinks as the amount
    of data per step grows.
    """

    def __init__(self, lr: float):
        self.lr = _positive(lr, "lr")

    def step(self, params: Dict[str, np.ndarray], grads: Arrays) -> None:
        for name, g in grads.items():
            if g is not None:
                params[name] -= self.lr * g


class Adam:
    """Adam (Kingma & Ba 2015): per-parameter steps of size about ``lr`` from running moments.

    m <- b1 m + (1 - b1) g,  v <- b2 v + (1 - b2) g^2,
    w <- w - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
    Its steps do not depend on the scale of the loss, which suits rnnlti's summed losses.
    """

    def __init__(self, lr: float, betas: Tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        self.lr = _positive(lr, "lr")
        self.beta1, self.beta2 = (float(b) for b in betas)
        if not (0 <= self.beta1 < 1 and 0 <= self.beta2 < 1):
            raise ValueError(f"betas must lie in [0, 1), got {betas}")
        self.eps = _positive(eps, "eps")
        self.t = 0
        self.m: Dict[str, np.ndarray] = {}
        self.v: Dict[str, np.ndarray] = {}

    def step(self, params: Dict[str, np.ndarray], grads: Arrays) -> None:
        self.t += 1
        c1 = 1 - self.beta1**self.t
        c2 = 1 - self.beta2**self.t
        for name, g in grads.items():
            if g is None:
                continue
            m = self.m.setdefault(name, np.zeros_like(g))
            v = self.v.setdefault(name, np.zeros_like(g))
            m *= self.beta1
            m += (1 - self.beta1) * g
            v *= self.beta2
            v += (1 - self.beta2) * (g * g)
            params[name] -= self.lr * (m / c1) / (np.sqrt(v / c2) + self.eps)


def make_optimizer(optimizer, lr: float):
    """An optimiser from a name ("adam", "sgd") or an object with a ``step(params, grads)`` method."""
    if isinstance(optimizer, str):
        name = optimizer.lower()
        if name == "adam":
            return Adam(lr)
        if name == "sgd":
            return SGD(lr)
        raise ValueError(f"optimizer must be 'adam', 'sgd' or an optimiser object, got {optimizer!r}")
    if not callable(getattr(optimizer, "step", None)):
        raise TypeError(f"optimizer must be 'adam', 'sgd' or have a step(params, grads) method, got {optimizer!r}")
    return optimizer
