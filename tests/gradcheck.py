"""Central finite differences for the gradient tests: directional derivatives of a scalar loss.

The five-point stencil has a truncation error O(eps^4), so eps can be large enough (1e-3) for the
rounding error of the loss (~1e-16 |L| / eps) to stay far below the 1e-7 relative error asserted."""
from typing import Callable

import numpy as np

EPS = 1e-3


def directional(loss: Callable[[np.ndarray], float], at: np.ndarray, direction: np.ndarray, eps: float = EPS) -> float:
    """d/dt loss(at + t v) at t = 0 by the central five-point stencil."""
    f = lambda t: loss(at + t * direction)  # noqa: E731
    return (8 * (f(eps) - f(-eps)) - (f(2 * eps) - f(-2 * eps))) / (12 * eps)


def rel_err(analytic: float, numeric: float) -> float:
    scale = max(abs(analytic), abs(numeric), 1e-300)
    return abs(analytic - numeric) / scale
