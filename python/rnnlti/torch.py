"""PyTorch front end: rnnlti's kernels as autograd functions and nn.Modules (optional: needs torch).

``import rnnlti`` never imports torch; ``import rnnlti.torch`` does, and fails with an ImportError
naming the extra to install when torch is missing.

Functions (differentiable with respect to every tensor argument):

- `lfilter` (b, a, x, zi; returns ``(y, zf)`` when zi is given), `fir`,
- `nonlinear_fir`, `nonlinear_iir` (w, x, h0),
- `rnn` (the vector RNN with M delays: x, U, V, b, h0) and `readout_loss` (h, W, c).

Modules: `RNN` (an ``nn.RNN`` drop-in with M delays; see its docstring for the parameter names),
`LFilter`, `NonlinearIIR`, `NonlinearFIR` (learnable coefficients).

Tensors must be on the CPU, float32 or float64 (one dtype per call): anything else raises a
TypeError naming the argument.  Data crosses into the kernels through ``Tensor.numpy()`` and back
through ``torch.from_numpy``, both without a copy; a copy happens only where a kernel cannot read
the tensor's strides (the vector RNN reads contiguous (B, T, D) input, so a ``batch_first=False``
input is transposed once).  Higher-order gradients (gradient of a gradient) are not supported.
"""
from __future__ import annotations

try:
    import torch as _torch  # the real PyTorch: absolute import, this module does not shadow it
except ImportError as _exc:  # pragma: no cover - exercised by a subprocess test
    raise ImportError(
        "rnnlti.torch needs PyTorch, which is not installed: pip install 'rnnlti[torch]' "
        f"(it pins torch==2.13.0); the original error was: {_exc}"
    ) from _exc

from ._torch_autograd import fir, lfilter, nonlinear_fir, nonlinear_iir, readout_loss, rnn
from ._torch_nn import RNN, LFilter, NonlinearFIR, NonlinearIIR

__all__ = [
    "LFilter",
    "NonlinearFIR",
    "NonlinearIIR",
    "RNN",
    "fir",
    "lfilter",
    "nonlinear_fir",
    "nonlinear_iir",
    "readout_loss",
    "rnn",
]

del _torch
