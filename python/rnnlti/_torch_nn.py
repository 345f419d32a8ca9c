"""nn.Modules on rnnlti's kernels: an ``nn.RNN``-compatible vector RNN with M delays, and filters with
learnable coefficients (imported by `rnnlti.torch`, never by `rnnlti`)."""
from __future__ import annotations

import math
from typing import Any, Optional, Tuple

import numpy as np
import torch
from torch import nn

from . import _checks
from ._torch_autograd import lfilter, nonlinear_fir, nonlinear_iir, rnn

__all__ = ["RNN", "LFilter", "NonlinearFIR", "NonlinearIIR"]

_NONLINEARITIES = _checks.ACTIVATIONS


def _positive(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


def _cpu(device: Any) -> None:
    if device is not None and torch.device(device).type != "cpu":
        raise TypeError(f"device must be the CPU (rnnlti.torch runs on CPU tensors only), got {device!r}")


class RNN(nn.Module):
    r"""A one-layer Elman RNN with M delays on rnnlti's kernels, a drop-in for ``torch.nn.RNN``.

    .. math::  h_t = g(W_{ih} x_t + b_{ih} + \sum_{m=1}^{M} W_{hh}^{(m)} h_{t-m} + b_{hh})

    With ``delays=1`` this is ``torch.nn.RNN(input_size, hidden_size, nonlinearity=..., bias=...,
    batch_first=...)``: same parameter names, shapes and initialisation (uniform in
    ``[-1/sqrt(hidden_size), 1/sqrt(hidden_size)]``, drawn in the same order, so the same seed gives
    the same weights and ``load_state_dict`` works both ways), same ``forward(x, h0) -> (output, h_n)``.
    A model switches by changing one line.

    Parameters (names as in ``nn.RNN``; ``l0`` is the only layer):

    - ``weight_ih_l0`` (hidden_size, input_size): U, the input matrix;
    - ``weight_hh_l0`` (hidden_size, hidden_size): the matrix of delay 1, multiplying h[t-1];
    - ``weight_hh_l0_d2``, ``weight_hh_l0_d3``, ... ``weight_hh_l0_d{M}``: the matrices of delays 2..M,
      multiplying h[t-2] .. h[t-M] (registered after ``weight_hh_l0`` and before the biases);
    - ``bias_ih_l0``, ``bias_hh_l0`` (hidden_size,): their sum is the kernel's bias b (when ``bias``).

    Arguments
    ---------
    input_size, hidden_size : int
        D and N.
    delays : int
        M, the number of past states fed back (default 1, torch's RNN).
    nonlinearity : {"tanh", "relu", "sigmoid", "identity"}
        g (torch's RNN has the first two).
    bias : bool
        Learn ``bias_ih_l0`` and ``bias_hh_l0``.
    batch_first : bool
        Input and output are (B, T, D) when True (the default here, unlike ``nn.RNN``), (T, B, D)
        when False.  Unbatched (T, D) input works in both cases.
    device, dtype
        Only the CPU; float32 (default) or float64.

    ``forward(x, h0=None) -> (output, h_n)``: ``output`` holds h[t] for every t, (B, T, N) (or (T, B, N)
    when not batch_first); ``h0`` and ``h_n`` are (M, B, N) in time order (``h0[M-1]`` is h[-1];
    ``h_n`` holds the last M states h[T-M] .. h[T-1]), which for M = 1 is ``nn.RNN``'s (1, B, N); so
    ``h_n`` can be fed back as the next chunk's ``h0``.  Unbatched: (M, N).  Not supported (use
    ``torch.nn.RNN``): num_layers > 1 (stack modules instead), dropout, bidirectional, packed sequences.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        delays: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = True,
        device: Any = None,
        dtype: Optional[torch.dtype] = None,
    ) -> None:
        super().__init__()
        _cpu(device)
        self.input_size = _positive(input_size, "input_size")
        self.hidden_size = _positive(hidden_size, "hidden_size")
        self.delays = _positive(delays, "delays")
        if nonlinearity not in _NONLINEARITIES:
            raise ValueError(f"nonlinearity must be one of {', '.join(map(repr, _NONLINEARITIES))}, got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        self.bias = bool(bias)
        self.batch_first = bool(batch_first)
        kw = {"dtype": dtype}
        N, D = hidden_size, input_size
        self.weight_ih_l0 = nn.Parameter(torch.empty(N, D, **kw))
        self.weight_hh_l0 = nn.Parameter(torch.empty(N, N, **kw))
        for m in range(2, self.delays + 1):
            setattr(self, f"weight_hh_l0_d{m}", nn.Parameter(torch.empty(N, N, **kw)))
        if self.bias:
            self.bias_ih_l0 = nn.Parameter(torch.empty(N, **kw))
            self.bias_hh_l0 = nn.Parameter(torch.empty(N, **kw))
        else:
            self.register_parameter("bias_ih_l0", None)
            self.register_parameter("bias_hh_l0", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """nn.RNN's initialisation: every parameter uniform in [-1/sqrt(N), 1/sqrt(N)], in order."""
        k = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            nn.init.uniform_(weight, -k, k)

    def delay_weights(self) -> torch.Tensor:
        """V = (weight_hh_l0, weight_hh_l0_d2, ..., weight_hh_l0_d{M}) stacked: (M, N, N)."""
        mats = [self.weight_hh_l0] + [getattr(self, f"weight_hh_l0_d{m}") for m in range(2, self.delays + 1)]
        return mats[0][None] if len(mats) == 1 else torch.stack(mats)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}, delays={self.delays}, nonlinearity={self.nonlinearity!r}"
        if not self.bias:
            s += ", bias=False"
        return s + f", batch_first={self.batch_first}"

    def forward(self, x: torch.Tensor, h0: Optional[torch.Tensor] = None) -> Tuple[torch.Tensor, torch.Tensor]:
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}")
        M, N = self.delays, self.hidden_size
        if x.dim() not in (2, 3) or x.shape[-1] != self.input_size:
            expected = "(B, T, D)" if self.batch_first else "(T, B, D)"
            raise ValueError(f"x must have shape {expected} or (T, D) with D = {self.input_size}, got shape {tuple(x.shape)}")
        batched = x.dim() == 3
        xb = x if (not batched or self.batch_first) else x.transpose(0, 1)  # (B, T, D) view
        B = xb.shape[0] if batched else None
        h0_k = None  # h0 in the kernel's layout: (B, M, N) or (M, N)
        if h0 is not None:
            expected = (M, B, N) if batched else (M, N)
            if not isinstance(h0, torch.Tensor) or tuple(h0.shape) != expected:
                got = tuple(h0.shape) if isinstance(h0, torch.Tensor) else type(h0).__name__
                raise ValueError(f"h0 must have shape {expected} (delays, batch, hidden_size) in time order, got {got}")
            h0_k = h0.transpose(0, 1) if batched else h0
        b = self.bias_ih_l0 + self.bias_hh_l0 if self.bias else None
        h = rnn(xb, self.weight_ih_l0, self.delay_weights(), b, h0_k, self.nonlinearity)
        T = h.shape[-2]
        if T >= M:
            last = h[..., T - M :, :]
        else:  # fewer steps than delays: the state reaches back into h0
            before = h0_k if h0_k is not None else h.new_zeros(h.shape[:-2] + (M, N))
            last = torch.cat([before, h], dim=-2)[..., -M:, :]
        h_n = (last.transpose(0, 1) if batched else last).contiguous()
        output = h if (not batched or self.batch_first) else h.transpose(0, 1)
        return output, h_n


class LFilter(nn.Module):
    """An IIR filter with learnable coefficients: ``forward(x, zi=None)`` is `rnnlti.torch.lfilter`.

    ``b`` and ``a`` (initial values, 1-D, or banks ``(..., k)`` of one filter per channel) become the
    parameters ``b`` and ``a``, both learnable.  The filter is normalised by a[0], so (b, a) and
    (c b, c a) are the same filter: to learn a monic denominator, keep a[0] = 1 by re-assigning it
    after each step or use ``a[1:]`` through your own parametrisation.  dtype float32 by default.
    """

    def __init__(self, b: Any, a: Any, axis: int = -1, dtype: Optional[torch.dtype] = None) -> None:
        super().__init__()
        dtype = dtype or torch.get_default_dtype()
        self.b = nn.Parameter(torch.as_tensor(_checks.coefficients(b, "b", np.dtype(np.float64)), dtype=dtype))
        self.a = nn.Parameter(torch.as_tensor(_checks.coefficients(a, "a", np.dtype(np.float64)), dtype=dtype))
        self.axis = axis

    def extra_repr(self) -> str:
        return f"nb={self.b.shape[-1]}, na={self.a.shape[-1]}, axis={self.axis}"

    def forward(self, x: torch.Tensor, zi: Optional[torch.Tensor] = None):
        return lfilter(self.b, self.a, x, axis=self.axis, zi=zi)


def _initial_weights(w: Any, count: int, name: str, bound: float, dtype: Optional[torch.dtype]) -> nn.Parameter:
    dtype = dtype or torch.get_default_dtype()
    if w is None:
        return nn.Parameter(torch.empty(count, dtype=dtype).uniform_(-bound, bound))
    arr = _checks.coefficients(w, name, np.dtype(np.float64), allow_bank=False)
    if arr.shape != (count,):
        raise ValueError(f"{name} must have shape ({count},), got shape {arr.shape}")
    return nn.Parameter(torch.as_tensor(arr, dtype=dtype))


class NonlinearIIR(nn.Module):
    """A scalar RNN ``h[n] = g(x[n] + sum_{m=1}^{M} w[m-1] h[n-m])`` with learnable feedback weights ``w``.

    ``forward(x, h0=None)`` is `rnnlti.torch.nonlinear_iir` along ``axis``.  ``w`` defaults to
    uniform in [-1/(2M), 1/(2M)] (sum |w| < 1/2: a stable start); pass ``w=`` to set it.
    """

    def __init__(
        self, delays: int = 1, activation: str = "tanh", axis: int = -1, w: Any = None, dtype: Optional[torch.dtype] = None
    ) -> None:
        super().__init__()
        self.delays = _positive(delays, "delays")
        self.activation = _checks.check_activation(activation)
        self.axis = axis
        self.w = _initial_weights(w, self.delays, "w", 0.5 / self.delays, dtype)

    def extra_repr(self) -> str:
        return f"delays={self.delays}, activation={self.activation!r}, axis={self.axis}"

    def forward(self, x: torch.Tensor, h0: Optional[torch.Tensor] = None) -> torch.Tensor:
        return nonlinear_iir(self.w, x, self.activation, h0=h0, axis=self.axis)


class NonlinearFIR(nn.Module):
    """A one-channel 1-D CNN ``yhat[n] = g(sum_{m=0}^{K-1} w[m] x[n-m])`` (causal) with learnable taps ``w``.

    ``forward(x)`` is `rnnlti.torch.nonlinear_fir` along ``axis``; ``w`` defaults to uniform in
    [-1/sqrt(K), 1/sqrt(K)] (as ``nn.Conv1d``); pass ``w=`` to set it.
    """

    def __init__(
        self, taps: int, activation: str = "tanh", axis: int = -1, w: Any = None, dtype: Optional[torch.dtype] = None
    ) -> None:
        super().__init__()
        self.taps = _positive(taps, "taps")
        self.activation = _checks.check_activation(activation)
        self.axis = axis
        self.w = _initial_weights(w, self.taps, "w", 1.0 / math.sqrt(self.taps), dtype)

    def extra_repr(self) -> str:
        return f"taps={self.taps}, activation={self.activation!r}, axis={self.axis}"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nonlinear_fir(self.w, x, self.activation, axis=self.axis)
