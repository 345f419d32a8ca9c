"""The two-layer fully-connected network of the lecture's section 5, forward and backward.

Notation of the lecture ("Review: Excitation and Activation", "Back-Prop in a Fully-Connected Network"):

    xi_j^(1) = b_j^(1) + sum_k w_{j,k}^(1) x_k        h_j    = g(xi_j^(1))        (hidden layer, N nodes)
    xi_k^(2) = b_k^(2) + sum_j w_{k,j}^(2) h_j        yhat_k = g(xi_k^(2))        (output layer, K nodes)

so ``W1[j, k]`` is w_{j,k}^(1), of shape (N, D), and ``W2[k, j]`` is w_{k,j}^(2), of shape (K, N).  Given
dL/dyhat, the backward pass is the chain rule of the lecture:

    dL/dxi_k^(2) = dL/dyhat_k g'(xi_k^(2))
    dL/dh_j      = sum_k dL/dyhat_k dyhat_k/dh_j = sum_k dL/dxi_k^(2) w_{k,j}^(2)
    dL/dw_{k,j}^(2) = dL/dxi_k^(2) h_j,      dL/dw_{j,k}^(1) = dL/dxi_j^(1) x_k,   with dL/dxi_j^(1) = dL/dh_j g'(xi_j^(1))

Leading dimensions of x are a batch (samples, or time steps as in the RNN's readout); weight and bias
gradients are summed over it (losses are sums).  g'(xi) is computed from the activation g(xi) itself,
so the backward pass needs h and yhat, never the excitations.  Pure NumPy: this is the teaching
companion of rnnlti.flowgraph, not a kernel.
"""
from __future__ import annotations

from typing import Any, NamedTuple, Optional, Tuple

import numpy as np

from ._checks import as_dtype, check_activation, float_dtype, real_array

__all__ = ["DenseForward", "DenseGradients", "dense_backward", "dense_forward"]


class DenseForward(NamedTuple):
    h: np.ndarray  # hidden activations, shape (..., N)
    yhat: np.ndarray  # outputs, shape (..., K)


class DenseGradients(NamedTuple):
    dxi2: np.ndarray  # dL/dxi^(2), (..., K)
    dh: np.ndarray  # dL/dh, (..., N)
    dxi1: np.ndarray  # dL/dxi^(1), (..., N)
    dW1: np.ndarray  # dL/dw^(1), (N, D)
    db1: np.ndarray  # (N,)
    dW2: np.ndarray  # dL/dw^(2), (K, N)
    db2: np.ndarray  # (K,)
    dx: np.ndarray  # dL/dx, (..., D)


def _activate(xi: np.ndarray, activation: str) -> np.ndarray:
    if activation == "tanh":
        return np.tanh(xi)
    if activation == "sigmoid":
        return 0.5 * (1.0 + np.tanh(0.5 * xi))  # 1 / (1 + exp(-xi)) without overflow
    if activation == "relu":
        return np.maximum(xi, 0)
    return xi.copy()


def _derivative_from_output(h: np.ndarray, activation: str) -> np.ndarray:
    """g'(xi) written in terms of h = g(xi) (relu'(0) = 0)."""
    if activation == "tanh":
        return 1 - h * h
    if activation == "sigmoid":
        return h * (1 - h)
    if activation == "relu":
        return (h > 0).astype(h.dtype)
    return np.ones_like(h)


def _weights(W1: Any, W2: Any) -> Tuple[np.ndarray, np.ndarray]:
    W1, W2 = real_array(W1, "W1"), real_array(W2, "W2")
    if W1.ndim != 2:
        raise ValueError(f"W1 must be 2-D (N, D), got shape {W1.shape}")
    if W2.ndim != 2 or W2.shape[1] != W1.shape[0]:
        raise ValueError(f"W2 must have shape (K, {W1.shape[0]}) (its columns are W1's N={W1.shape[0]} rows), "
                         f"got shape {W2.shape}")
    return W1, W2


def _signal(value: Any, name: str, width: int, what: str, batch: Optional[tuple] = None) -> np.ndarray:
    arr = real_array(value, name)
    if arr.ndim == 0 or arr.shape[-1] != width or (batch is not None and arr.shape[:-1] != batch):
        expected = f"(..., {width})" if batch is None else str(batch + (width,))
        raise ValueError(f"{name} must have shape {expected} ({what}), got shape {arr.shape}")
    return arr


def _bias(value: Any, name: str, width: int) -> Optional[np.ndarray]:
    if value is None:
        return None
    arr = real_array(value, name)
    if arr.shape != (width,):
        raise ValueError(f"{name} must have shape ({width},), got shape {arr.shape}")
    return arr


def dense_forward(
    x: Any, W1: Any, W2: Any, b1: Any = None, b2: Any = None, activation: str = "tanh",
    output_activation: Optional[str] = None,
) -> DenseForward:
    """h = g(b1 + W1 x), yhat = g(b2 + W2 h) for every x[..., :] (lecture section 5).

    Parameters
    ----------
    x : array (..., D)
    W1 : array (N, D), w_{j,k}^(1)
    W2 : array (K, N), w_{k,j}^(2)
    b1, b2 : arrays (N,) and (K,), the biases b^(1) and b^(2), or None (zero)
    activation : "tanh", "sigmoid", "relu" or "identity", the g of both layers
    output_activation : the output layer's g when it differs (e.g. "identity" for a linear readout)

    Returns
    -------
    DenseForward(h, yhat): h of shape (..., N), yhat of shape (..., K); float32 when every input is.
    """
    activation = check_activation(activation)
    out_act = activation if output_activation is None else check_activation(output_activation)
    W1, W2 = _weights(W1, W2)
    N, D = W1.shape
    x = _signal(x, "x", D, "D = W1.shape[1] inputs")
    b1, b2 = _bias(b1, "b1", N), _bias(b2, "b2", W2.shape[0])
    dtype = float_dtype(x, W1, W2, b1, b2)
    x, W1, W2 = (as_dtype(a, dtype) for a in (x, W1, W2))
    xi1 = x @ W1.T
    if b1 is not None:
        xi1 += as_dtype(b1, dtype)
    h = _activate(xi1, activation)
    xi2 = h @ W2.T
    if b2 is not None:
        xi2 += as_dtype(b2, dtype)
    return DenseForward(h, _activate(xi2, out_act))


def dense_backward(
    x: Any, W1: Any, W2: Any, h: Any, yhat: Any, dyhat: Any, activation: str = "tanh",
    output_activation: Optional[str] = None,
) -> DenseGradients:
    """Back-propagation through the two-layer network, from dL/dyhat to every gradient.

    Parameters
    ----------
    x, W1, W2 : as in :func:`dense_forward`
    h, yhat : the activations :func:`dense_forward` returned, shapes (..., N) and (..., K)
    dyhat : dL/dyhat, shape (..., K) (for L = 1/2 sum ||yhat - y||^2 it is yhat - y)
    activation, output_activation : as in :func:`dense_forward`

    Returns
    -------
    DenseGradients(dxi2, dh, dxi1, dW1, db1, dW2, db2, dx), where
    dh[..., j] = dL/dh_j = sum_k dL/dxi_k^(2) w_{k,j}^(2) and dW1[j, k] = dL/dw_{j,k}^(1) = sum dL/dxi_j^(1) x_k
    (sums over the batch dimensions).
    """
    activation = check_activation(activation)
    out_act = activation if output_activation is None else check_activation(output_activation)
    W1, W2 = _weights(W1, W2)
    (N, D), K = W1.shape, W2.shape[0]
    x = _signal(x, "x", D, "D = W1.shape[1] inputs")
    batch = x.shape[:-1]
    h = _signal(h, "h", N, "x's batch shape, N = W1.shape[0] hidden nodes", batch)
    yhat = _signal(yhat, "yhat", K, "x's batch shape, K = W2.shape[0] outputs", batch)
    dyhat = _signal(dyhat, "dyhat", K, "the shape of yhat", batch)
    dtype = float_dtype(x, W1, W2, h, yhat, dyhat)
    x, W1, W2, h, yhat, dyhat = (as_dtype(a, dtype) for a in (x, W1, W2, h, yhat, dyhat))
    dxi2 = dyhat * _derivative_from_output(yhat, out_act)
    dh = dxi2 @ W2  # dL/dh_j = sum_k dL/dxi_k^(2) w_{k,j}^(2)
    dxi1 = dh * _derivative_from_output(h, activation)
    # Weight gradients summed over every batch dimension: one matrix product over the flattened batch.
    x2, h2, dxi1_2, dxi2_2 = (a.reshape(-1, a.shape[-1]) for a in (x, h, dxi1, dxi2))
    return DenseGradients(
        dxi2=dxi2, dh=dh, dxi1=dxi1,
        dW1=dxi1_2.T @ x2, db1=dxi1_2.sum(axis=0),
        dW2=dxi2_2.T @ h2, db2=dxi2_2.sum(axis=0),
        dx=dxi1 @ W1,
    )
