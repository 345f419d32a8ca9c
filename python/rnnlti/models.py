"""Trainable models on rnnlti's kernels: the lecture's nonlinear IIR filter and its written example.

Both models keep their weights in a ``parameters`` dict of NumPy arrays and compute, in one call to
``loss_and_grads``, the forward pass, the loss, back-propagation through time and every gradient.
``fit`` runs the lecture's training loop ``w <- w - eta dL/dw`` (or Adam) over epochs, minibatches of
sequences and, with ``truncate=K``, windows of K time steps whose hidden state is carried forward
(truncated BPTT).  Every loop over time steps is inside a C++ kernel; Python loops only over epochs,
minibatches and windows.
"""
from __future__ import annotations

import json
import math
import operator
import os
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

import numpy as np

from . import _checks
from .nonlinear import nonlinear_iir, nonlinear_iir_backward
from .optim import _positive, clip_grad_norm, make_optimizer
from .rnn import _backward as _rnn_backward
from .rnn import readout_loss, rnn_forward

__all__ = ["NonlinearIIR", "RNN"]

Grads = Dict[str, Optional[np.ndarray]]
PathLike = Union[str, "os.PathLike[str]"]


def _int(value: Any, name: str, minimum: int) -> int:
    try:
        value = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}") from None
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def _progress_bar(total: int, desc: str, enabled: bool):
    """A tqdm bar when asked for and installed (it is in the ``demo`` extra), else a silent stand-in."""
    if enabled:
        try:
            from tqdm import tqdm

            return tqdm(total=total, desc=desc, unit="epoch", dynamic_ncols=True)
        except ImportError:
            pass

    class _Silent:
        def update(self, n: int = 1) -> None: ...
        def set_postfix_str(self, s: str) -> None: ...
        def close(self) -> None: ...

    return _Silent()


class _Model:
    """Training loop, minibatches, truncated BPTT and .npz persistence shared by the models.

    A subclass provides ``_config()``, ``_prepare(x, y)`` (arrays with sequences on axis 0 and time
    on axis 1), ``_loss_grads(x, y, h0)`` -> (loss, grads, h) and ``_carry(h0, h)`` (the next
    window's initial state).
    """

    _time_axis = 1
    parameters: Dict[str, np.ndarray]

    # -- training ------------------------------------------------------------------------------
    def fit(
        self,
        x: Any,
        y: Any,
        epochs: int,
        lr: float,
        optimizer: Any = "adam",
        batch_size: Optional[int] = None,
        clip: Optional[float] = None,
        truncate: Optional[int] = None,
        progress: bool = True,
        callback: Optional[Callable[[Any, int, float], Optional[bool]]] = None,
    ) -> List[float]:
        """Train by gradient descent on ``loss_and_grads``; returns the loss of every epoch.

        Parameters
        ----------
        x, y : array_like
            Inputs and targets, shaped as for ``loss_and_grads``.
        epochs : int
            Passes over the data.
        lr : float
            Learning rate eta.  With ``optimizer="sgd"`` each step is the lecture's
            ``w <- w - eta dL/dw``; the loss is a sum, so eta must shrink as the data grows.
        optimizer : "adam", "sgd" or an object with ``step(parameters, grads)``
            A new optimiser is made at each call of ``fit`` from a name; an object is used as it is
            (its own learning rate applies, ``lr`` is then ignored) and keeps its state across calls.
        batch_size : int, optional
            Sequences per step (all of them when None).  Minibatches are drawn in a random order
            each epoch from the model's seeded generator.
        clip : float, optional
            Clip the gradients by their global norm to at most this value before each step.
        truncate : int, optional
            Truncated BPTT: split time into windows of this many steps, take one step per window,
            and carry the last hidden states of each window into the next as its initial state
            (``h0``); gradients stop at window boundaries.  ``truncate >= T`` is full BPTT.
        progress : bool
            Show a tqdm progress bar with the loss (when tqdm is installed).
        callback : callable, optional
            ``callback(model, epoch, loss)`` after each epoch; returning True stops training.

        Returns
        -------
        list of float
            The summed loss of each epoch (over its minibatches and windows).
        """
        epochs = _int(epochs, "epochs", 0)
        batch_size = None if batch_size is None else _int(batch_size, "batch_size", 1)
        truncate = None if truncate is None else _int(truncate, "truncate", 1)
        if clip is not None:
            clip = _positive(clip, "clip")
        opt = make_optimizer(optimizer, lr)
        x, y = self._prepare(x, y)
        B, T = x.shape[0], x.shape[self._time_axis]
        step_b = max(1, B if batch_size is None else min(batch_size, B))
        step_t = T if truncate is None or T == 0 else min(truncate, T)
        history: List[float] = []
        bar = _progress_bar(epochs, type(self).__name__, progress)
        try:
            for epoch in range(epochs):
                order = self._rng.permutation(B) if step_b < B else None
                total = 0.0
                for start in range(0, B, step_b):
                    rows = slice(start, start + step_b) if order is None else np.sort(order[start : start + step_b])
                    xb, yb = x[rows], (y if y.shape[0] == 1 else y[rows])
                    h0 = None
                    for t0 in range(0, max(T, 1), max(step_t, 1)):
                        xw, yw = self._window(xb, t0, step_t), self._window(yb, t0, step_t)
                        loss, grads, h = self._loss_grads(xw, yw, h0)
                        if clip is not None:
                            grads, _ = clip_grad_norm(grads, clip)
                        opt.step(self.parameters, grads)
                        total += loss
                        if step_t < T:
                            h0 = self._carry(h0, h)
                history.append(total)
                bar.update(1)
                bar.set_postfix_str(f"loss={total:.4g}")
                if callback is not None and callback(self, epoch, total):
                    break
        finally:
            bar.close()
        return history

    def _window(self, arr: np.ndarray, t0: int, length: int) -> np.ndarray:
        """Time steps [t0, t0 + length) of a prepared array (a size-1 time axis broadcasts: kept)."""
        ax = self._time_axis
        if arr.shape[ax] == 1 or (t0 == 0 and length >= arr.shape[ax]):
            return arr
        index = [slice(None)] * arr.ndim
        index[ax] = slice(t0, t0 + length)
        return arr[tuple(index)]

    # -- persistence ---------------------------------------------------------------------------
    def save(self, path: PathLike) -> str:
        """Write the configuration and parameters to an .npz file (bits kept exactly); returns its path."""
        path = os.fspath(path)
        if not path.endswith(".npz"):
            path += ".npz"
        config = {"model": type(self).__name__, "args": self._config()}
        np.savez(path, __config__=np.array(json.dumps(config)), **self.parameters)
        return path

    @classmethod
    def load(cls, path: PathLike):
        """A new model built from a file written by ``save``: same configuration, identical parameters."""
        with np.load(os.fspath(path), allow_pickle=False) as data:
            if "__config__" not in data.files:
                raise ValueError(f"{os.fspath(path)} was not written by an rnnlti model's save()")
            config = json.loads(str(data["__config__"]))
            if config.get("model") != cls.__name__:
                raise ValueError(f"{os.fspath(path)} holds a {config.get('model')} model, not a {cls.__name__}")
            model = cls(**config["args"])
            stored = set(data.files) - {"__config__"}
            if stored != set(model.parameters):
                raise ValueError(
                    f"{os.fspath(path)} holds parameters {sorted(stored)}, expected {sorted(model.parameters)}")
            for name, expected in model.parameters.items():
                value = data[name]
                if value.shape != expected.shape or value.dtype != expected.dtype:
                    raise ValueError(f"parameter {name} in {os.fspath(path)} is {value.dtype} {value.shape}, "
                                     f"expected {expected.dtype} {expected.shape}")
                model.parameters[name] = value.copy()
        return model

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._config().items())
        return f"{type(self).__name__}({args})"


class NonlinearIIR(_Model):
    """The lecture's "Recurrent Neural Net = Nonlinear(IIR)", trained to make h[n] follow y[n].

        xi[n] = x[n] + sum_{m=1}^{M} w[m] h[n-m],   h[n] = g(xi[n]),
        L = 1/2 sum_n (h[n] - y[n])^2,
        dL/dh[n] = (h[n] - y[n]) + sum_{m=1}^{M} dL/dh[n+m] g'(xi[n+m]) w[m]   (BPTT),
        dL/dw[m] = sum_n dL/dh[n] g'(xi[n]) h[n-m].

    ``parameters["w"][m-1]`` is the lecture's w[m].  Signals have time on the last axis and any
    number of leading (batch) axes; the loss sums over all of them.

    Parameters
    ----------
    order : int
        M, the number of feedback delays.
    activation : {"tanh", "sigmoid", "relu", "identity"}
        g.
    seed : int, optional
        Seeds the initial weights (small, uniform in [-0.1, 0.1]) and the minibatch order.
    dtype : float32 or float64
        The dtype of the parameters and of the computation: inputs are cast to it (float64 by default).
    """

    def __init__(self, order: int, activation: str = "tanh", seed: Optional[int] = None, dtype: Any = np.float64):
        self.order = _int(order, "order", 1)
        self.activation = _checks.check_activation(activation)
        self.dtype = np.dtype(dtype)
        if self.dtype not in _checks.FLOAT_TYPES:
            raise TypeError(f"dtype must be float32 or float64, got {self.dtype}")
        self.seed = seed
        self._rng = np.random.default_rng(seed)
        self.parameters = {"w": self._rng.uniform(-0.1, 0.1, self.order).astype(self.dtype)}

    def _config(self) -> Dict[str, Any]:
        return {"order": self.order, "activation": self.activation, "seed": self.seed, "dtype": self.dtype.name}

    def forward(self, x: Any, h0: Any = None) -> np.ndarray:
        """h[n] = g(x[n] + sum_m w[m] h[n-m]) along the last axis of ``x``; ``h0`` (..., M) in time order."""
        x = _checks.real_array(x, "x").astype(self.dtype, copy=False)
        return nonlinear_iir(self.parameters["w"], x, self.activation, h0=h0, axis=-1)

    def loss_and_grads(self, x: Any, y: Any, h0: Any = None) -> Tuple[float, Grads]:
        """``(L, {"w": dL/dw})`` for L = 1/2 sum (h - y)^2, by one forward pass and one BPTT sweep."""
        x, y = self._prepare(x, y)
        loss, grads, _ = self._loss_grads(x, y, None if h0 is None else np.reshape(h0, (x.shape[0], self.order)))
        return loss, grads

    def _prepare(self, x: Any, y: Any) -> Tuple[np.ndarray, np.ndarray]:
        """x and y as (B, T) arrays: the leading axes are sequences of a batch."""
        x = _checks.real_array(x, "x")
        y = _checks.real_array(y, "y")
        if x.ndim == 0:
            raise ValueError("x must have a time axis (its last axis), got a scalar")
        if y.shape != x.shape:
            raise ValueError(f"y must have the shape of x, got y.shape={y.shape}, expected {x.shape}")
        x, y = x.astype(self.dtype, copy=False), y.astype(self.dtype, copy=False)  # compute in the model's dtype
        return x.reshape(-1, x.shape[-1]), y.reshape(-1, y.shape[-1])

    def _loss_grads(self, x: np.ndarray, y: np.ndarray, h0: Optional[np.ndarray]):
        w = self.parameters["w"]
        h = nonlinear_iir(w, x, self.activation, h0=h0, axis=-1)
        r = h - y  # synchronous backprop: the partial dL/dh[n] = h[n] - y[n]
        loss = 0.5 * float(np.sum(r * r))
        back = nonlinear_iir_backward(w, h, r, self.activation, h0=h0, axis=-1)
        return loss, {"w": np.asarray(back.dw, dtype=w.dtype)}, h

    def _carry(self, h0: Optional[np.ndarray], h: np.ndarray) -> np.ndarray:
        """The last M states, h0 in front when the window was shorter than M."""
        M = self.order
        if h.shape[-1] >= M:
            return np.ascontiguousarray(h[:, -M:])
        before = np.zeros((h.shape[0], M), h.dtype) if h0 is None else h0
        return np.ascontiguousarray(np.concatenate([before, h], axis=-1)[:, -M:])


class RNN(_Model):
    """The lecture's written example with M delays and a linear readout, trained by BPTT.

        h[t] = g(U x[t] + sum_{m=1}^{M} V_m h[t-m] + b),   yhat[t] = W h[t] + c,
        L = 1/2 sum_t ||y - yhat[t]||^2.

    ``parameters``: U (N, D), V (M, N, N) with V[m-1] = V_m, W (K, N), and b (N,), c (K,) when
    ``bias``.  Inputs are (B, T, D) or unbatched (T, D); targets broadcast to (B, T, K): (B, T, K),
    (T, K), or (K,) as in the written example, whose y has no time index.

    Parameters
    ----------
    input_size, hidden_size, output_size : int
        D, N and K.
    delays : int
        M (2 in the written example).
    activation : {"tanh", "sigmoid", "relu", "identity"}
        g.
    bias : bool
        Learn b and c (the written example has neither: ``bias=False``).
    seed : int, optional
        Seeds the initial weights (uniform in +-1/sqrt(N), V in +-1/sqrt(N M), like torch.nn.RNN)
        and the minibatch order.
    dtype : float32 or float64
        The dtype of the parameters and of the computation: inputs are cast to it (float64 by default).
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        output_size: int,
        delays: int = 2,
        activation: str = "tanh",
        bias: bool = True,
        seed: Optional[int] = None,
        dtype: Any = np.float64,
    ):
        self.input_size = _int(input_size, "input_size", 1)
        self.hidden_size = _int(hidden_size, "hidden_size", 1)
        self.output_size = _int(output_size, "output_size", 1)
        self.delays = _int(delays, "delays", 1)
        self.activation = _checks.check_activation(activation)
        self.bias = bool(bias)
        self.dtype = np.dtype(dtype)
        if self.dtype not in _checks.FLOAT_TYPES:
            raise TypeError(f"dtype must be float32 or float64, got {self.dtype}")
        self.seed = seed
        self._rng = np.random.default_rng(seed)
        D, N, K, M = self.input_size, self.hidden_size, self.output_size, self.delays
        s, sv = 1 / math.sqrt(N), 1 / math.sqrt(N * M)
        uni = lambda scale, *shape: self._rng.uniform(-scale, scale, shape).astype(self.dtype)
        self.parameters = {"U": uni(s, N, D), "V": uni(sv, M, N, N), "W": uni(s, K, N)}
        if self.bias:
            self.parameters["b"] = uni(s, N)
            self.parameters["c"] = uni(s, K)

    def _config(self) -> Dict[str, Any]:
        return {
            "input_size": self.input_size,
            "hidden_size": self.hidden_size,
            "output_size": self.output_size,
            "delays": self.delays,
            "activation": self.activation,
            "bias": self.bias,
            "seed": self.seed,
            "dtype": self.dtype.name,
        }

    def hidden(self, x: Any, h0: Any = None) -> np.ndarray:
        """The hidden states h[t], (B, T, N) or (T, N); ``h0`` (B, M, N) or (M, N) in time order."""
        p = self.parameters
        x = _checks.real_array(x, "x").astype(self.dtype, copy=False)
        return rnn_forward(x, p["U"], p["V"], p.get("b"), h0=h0, activation=self.activation)

    def forward(self, x: Any, h0: Any = None) -> np.ndarray:
        """The predictions yhat[t] = W h[t] + c, (B, T, K) or (T, K)."""
        h = self.hidden(x, h0)
        yhat = h @ self.parameters["W"].T  # prediction only: training uses the readout_loss kernel
        if self.bias:
            yhat += self.parameters["c"]
        return yhat

    def loss_and_grads(self, x: Any, y: Any, h0: Any = None) -> Tuple[float, Grads]:
        """``(L, grads)`` with grads of every parameter (keys of ``parameters``): forward, readout
        loss, BPTT and the weight gradients in one call."""
        unbatched = np.ndim(x) == 2
        x, y = self._prepare(x, y)
        if h0 is not None and unbatched:
            h0 = np.asarray(h0)[None]
        loss, grads, _ = self._loss_grads(x, y, h0)
        return loss, grads

    def _prepare(self, x: Any, y: Any) -> Tuple[np.ndarray, np.ndarray]:
        """x as (B, T, D) and y as a 3-D array that broadcasts to (B, T, K)."""
        x = _checks.real_array(x, "x")
        y = _checks.real_array(y, "y")
        D, K = self.input_size, self.output_size
        if x.ndim not in (2, 3) or x.shape[-1] != D:
            raise ValueError(f"x must have shape (B, T, {D}) or (T, {D}), got {x.shape}")
        if x.ndim == 2:
            x = x[None]
        target = x.shape[:2] + (K,)
        try:
            if y.ndim > 3 or np.broadcast_shapes(y.shape, target) != target:
                raise ValueError
        except ValueError:
            raise ValueError(f"y must broadcast to the predictions' shape {target}, got {y.shape}") from None
        x, y = x.astype(self.dtype, copy=False), y.astype(self.dtype, copy=False)  # compute in the model's dtype
        return x, y.reshape((1,) * (3 - y.ndim) + y.shape)

    def _loss_grads(self, x: np.ndarray, y: np.ndarray, h0: Optional[np.ndarray]):
        p = self.parameters
        b, c = p.get("b"), p.get("c")
        h = rnn_forward(x, p["U"], p["V"], b, h0=h0, activation=self.activation)
        out = readout_loss(h, p["W"], y, c)  # synchronous backprop: dL/dh[t] partial = -W^T (y - yhat)
        back = _rnn_backward(x, h, p["U"], p["V"], out.dh, b, h0, self.activation, want_dx=False, want_dh=False)
        grads: Grads = {"U": back.dU, "V": back.dV, "W": out.dW}
        if self.bias:
            grads["b"], grads["c"] = back.db, out.dc
        return float(out.loss), grads, h

    def _carry(self, h0: Optional[np.ndarray], h: np.ndarray) -> np.ndarray:
        M = self.delays
        if h.shape[1] >= M:
            return np.ascontiguousarray(h[:, -M:])
        before = np.zeros((h.shape[0], M, h.shape[2]), h.dtype) if h0 is None else h0
        return np.ascontiguousarray(np.concatenate([before, h], axis=1)[:, -M:])
