"""Forward-mode dual numbers: the exact local partial derivatives of rnnlti.flowgraph.

A :class:`Dual` carries a value ``v`` and a tangent ``dv`` of the same shape, the derivative of ``v``
along one chosen direction.  Every elementary function ``f`` maps ``(v, dv)`` to ``(f(v), f'(v) dv)``
with ``f'`` written out by hand below, so the tangent that comes out of a node's function is its
exact directional derivative, correct to round-off: no step size, no truncation error.

NumPy's ufuncs (``np.sin``, ``np.exp``, ``np.maximum``, ``@``, ...) dispatch to Dual through
``__array_ufunc__``, so a node's function is written in plain NumPy.  A function outside the table
raises a TypeError naming it rather than silently dropping the derivative.
"""
from __future__ import annotations

from typing import Any, Callable, Dict

import numpy as np


class Dual:
    """A value and its tangent (derivative along one direction), both float64 arrays of one shape."""

    __slots__ = ("value", "tangent")

    def __init__(self, value: Any, tangent: Any = None) -> None:
        self.value = np.asarray(value, dtype=np.float64)
        self.tangent = (
            np.zeros_like(self.value)
            if tangent is None
            else np.broadcast_to(np.asarray(tangent, dtype=np.float64), self.value.shape)
        )

    # --- shape and indexing: the tangent follows the value ---
    shape = property(lambda self: self.value.shape)
    ndim = property(lambda self: self.value.ndim)
    size = property(lambda self: self.value.size)
    T = property(lambda self: Dual(self.value.T, self.tangent.T))

    def __len__(self) -> int:
        return len(self.value)

    def __getitem__(self, index: Any) -> "Dual":
        return Dual(self.value[index], self.tangent[index])

    def reshape(self, *shape: Any) -> "Dual":
        return Dual(self.value.reshape(*shape), self.tangent.reshape(*shape))

    def transpose(self, *axes: Any) -> "Dual":
        return Dual(self.value.transpose(*axes), self.tangent.transpose(*axes))

    def sum(self, axis: Any = None, **kwargs: Any) -> "Dual":
        return Dual(self.value.sum(axis=axis), self.tangent.sum(axis=axis))

    def __repr__(self) -> str:
        return f"Dual(value={self.value!r}, tangent={self.tangent!r})"

    # A scalar Dual turned into a float would lose its derivative without a word.
    def __float__(self) -> float:
        raise TypeError("a flow-graph variable cannot be converted to float: that would drop its derivative")

    # Comparisons look at values only: a branch `if x > 0` is piecewise, and differentiating the
    # branch taken is exact.
    __lt__ = lambda self, other: self.value < _value(other)
    __le__ = lambda self, other: self.value <= _value(other)
    __gt__ = lambda self, other: self.value > _value(other)
    __ge__ = lambda self, other: self.value >= _value(other)

    # --- arithmetic: every operator goes through the ufunc table ---
    __add__ = lambda self, other: np.add(self, other)
    __radd__ = lambda self, other: np.add(other, self)
    __sub__ = lambda self, other: np.subtract(self, other)
    __rsub__ = lambda self, other: np.subtract(other, self)
    __mul__ = lambda self, other: np.multiply(self, other)
    __rmul__ = lambda self, other: np.multiply(other, self)
    __truediv__ = lambda self, other: np.true_divide(self, other)
    __rtruediv__ = lambda self, other: np.true_divide(other, self)
    __pow__ = lambda self, other: np.power(self, other)
    __rpow__ = lambda self, other: np.power(other, self)
    __matmul__ = lambda self, other: np.matmul(self, other)
    __rmatmul__ = lambda self, other: np.matmul(other, self)
    __neg__ = lambda self: np.negative(self)
    __pos__ = lambda self: self
    __abs__ = lambda self: np.absolute(self)

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if kwargs.get("out") is not None:
            raise TypeError("flow-graph functions cannot write into out= arrays")
        if method == "reduce" and ufunc is np.add:  # np.sum and friends
            x = _dual(inputs[0])
            kw = {k: v for k, v in kwargs.items() if k in ("axis", "keepdims")}
            return Dual(np.add.reduce(x.value, **kw), np.add.reduce(x.tangent, **kw))
        rule = _RULES.get(ufunc)
        if method != "__call__" or rule is None:
            raise TypeError(
                f"np.{ufunc.__name__}{'' if method == '__call__' else '.' + method} is not one of the "
                f"elementary functions rnnlti.flowgraph differentiates exactly; supported: {SUPPORTED}"
            )
        duals = [_dual(x) for x in inputs]
        values = [d.value for d in duals]
        out = ufunc(*values)
        return Dual(out, rule(out, *values, *[d.tangent for d in duals]))

    def __array_function__(self, func: Callable, types: Any, args: Any, kwargs: Any) -> Any:
        if func in (np.ndim, np.shape, np.size):  # questions about the shape, not the values
            return func(args[0].value, *args[1:], **kwargs)
        if func is np.sum:
            return _dual(args[0]).sum(*args[1:], **kwargs)
        if func is np.dot:
            return np.matmul(*args)
        if func is np.outer:
            a, b = (_dual(x).reshape(-1) for x in args)
            return a.reshape(-1, 1) * b.reshape(1, -1)
        if func is np.transpose:
            return _dual(args[0]).transpose(*args[1:], **kwargs)
        if func is np.reshape:
            return _dual(args[0]).reshape(*args[1:], **kwargs)
        raise TypeError(
            f"np.{func.__name__} is not supported on flow-graph variables; use the ufuncs {SUPPORTED}, "
            "operators (+ - * / ** @), indexing, .sum(), .T, np.sum, np.dot, np.outer, np.shape"
        )


def _value(x: Any) -> Any:
    return x.value if isinstance(x, Dual) else x


def _dual(x: Any) -> Dual:
    """A constant becomes a Dual with zero tangent, so that every rule sees two duals."""
    return x if isinstance(x, Dual) else Dual(x)


def _power_tangent(out: Any, x: Any, y: Any, dx: Any, dy: Any) -> Any:
    # d(x^y) = y x^(y-1) dx + x^y log(x) dy; the second term is left out when the exponent is constant
    # (log of a negative base would otherwise turn 0 * nan into nan).
    with np.errstate(divide="ignore", invalid="ignore"):
        base = np.where(dx == 0, 0.0, y * np.power(x, y - 1.0) * dx)
        if np.any(dy != 0):
            base = base + out * np.log(x) * dy
    return base


# d f(x, y) = rule(f(x, y), x, y, dx, dy): the derivatives of the elementary functions, by hand.
_RULES: Dict[np.ufunc, Callable[..., Any]] = {
    np.add: lambda out, x, y, dx, dy: dx + dy,
    np.subtract: lambda out, x, y, dx, dy: dx - dy,
    np.multiply: lambda out, x, y, dx, dy: dx * y + x * dy,
    np.true_divide: lambda out, x, y, dx, dy: (dx - out * dy) / y,
    np.power: _power_tangent,
    np.matmul: lambda out, x, y, dx, dy: np.matmul(dx, y) + np.matmul(x, dy),
    np.maximum: lambda out, x, y, dx, dy: np.where(x > y, dx, dy),  # ties take y: relu'(0) = 0
    np.minimum: lambda out, x, y, dx, dy: np.where(x < y, dx, dy),
    np.negative: lambda out, x, dx: -dx,
    np.absolute: lambda out, x, dx: np.sign(x) * dx,
    np.square: lambda out, x, dx: 2.0 * x * dx,
    np.sqrt: lambda out, x, dx: dx / (2.0 * out),
    np.exp: lambda out, x, dx: out * dx,
    np.log: lambda out, x, dx: dx / x,
    np.sin: lambda out, x, dx: np.cos(x) * dx,
    np.cos: lambda out, x, dx: -np.sin(x) * dx,
    np.tan: lambda out, x, dx: dx / np.cos(x) ** 2,
    np.tanh: lambda out, x, dx: (1.0 - out * out) * dx,
    np.arctan: lambda out, x, dx: dx / (1.0 + x * x),
}
SUPPORTED = ", ".join(f"np.{u.__name__}" for u in _RULES)
