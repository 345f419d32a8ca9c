"""Maths shared by the framework front ends (rnnlti.torch, rnnlti.jax), written once for any array
library whose arrays support ``[..., i]`` indexing and ``+ - *`` (torch tensors, jax arrays)."""
from __future__ import annotations

from typing import Any, Callable, List


def final_state_columns(bn: Any, an: Any, xm: Any, ym: Any, zim: Any, zeros: Callable[[], Any]) -> List[Any]:
    """scipy's final state ``zf[k]``, k = 0 .. order-1, from the tails of x and y and from zi.

    In the transposed direct form II,
    ``zf[k] = sum_{j=k+1}^{order} bn[j] x[T+k-j] - an[j] y[T+k-j]`` (terms before the signal absent)
    ``+ zi[T+k]`` when ``T+k < order``, with ``bn = b/a[0]`` and ``an = a/a[0]`` zero-padded to
    length ``order + 1``.  ``xm``, ``ym``, ``zim`` have time last; ``zeros()`` makes one channel-shaped
    zero column.  O(order^2) small operations of the caller's library, so that its autograd carries
    the gradient of zf into x, y, b, a and zi.  Returns the columns (not broadcast, not stacked).
    """
    order = bn.shape[-1] - 1
    T = xm.shape[-1]
    cols = []
    for k in range(order):
        zk = zeros()
        for j in range(k + 1, order + 1):
            n = T + k - j
            if n >= 0:
                zk = zk + bn[..., j] * xm[..., n] - an[..., j] * ym[..., n]
        if T + k < order:
            zk = zk + zim[..., T + k]
        cols.append(zk)
    return cols
