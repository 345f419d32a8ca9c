"""rnnlti: fast, exact, differentiable linear and nonlinear time-invariant filters.

FIR and IIR filters (drop-ins for scipy.signal), the nonlinear FIR (a 1-D CNN) and nonlinear IIR
(a scalar RNN), and the multi-delay vector RNN, each with back-propagation (through time), on
batched C++ kernels.  The maths is that of the lecture "Recurrent Neural Nets" (ECE 417); the slow
loops in `rnnlti.reference` are written line by line from it and are the oracle of the tests.
"""
from __future__ import annotations

from . import _core, flowgraph
from ._version import __version__
from .dense import dense_backward, dense_forward
from .linear import fir, freqz, lfilter, lfilter_zi
from .lfilter_grad import LfilterGradients, lfilter_backward
from .nonlinear import (
    FirGradients,
    IirGradients,
    nonlinear_fir,
    nonlinear_fir_backward,
    nonlinear_iir,
    nonlinear_iir_backward,
)
from .rnn import ReadoutLoss, RnnGradients, readout_loss, rnn_backward, rnn_forward

__all__ = [
    "__version__",
    "dense_backward",
    "dense_forward",
    "FirGradients",
    "IirGradients",
    "LfilterGradients",
    "fir",
    "flowgraph",
    "freqz",
    "get_num_threads",
    "lfilter",
    "lfilter_backward",
    "lfilter_zi",
    "nonlinear_fir",
    "nonlinear_fir_backward",
    "nonlinear_iir",
    "nonlinear_iir_backward",
    "readout_loss",
    "rnn_backward",
    "rnn_forward",
    "ReadoutLoss",
    "RnnGradients",
    "set_num_threads",
]


def set_num_threads(n: int) -> None:
    """Use at most ``n`` OpenMP threads in rnnlti's kernels (0 restores OpenMP's default).

    Results are bitwise identical whatever the number of threads.
    """
    import operator

    n = operator.index(n)
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    _core.set_num_threads(n)


def get_num_threads() -> int:
    """The number of threads rnnlti's kernels use."""
    return int(_core.get_num_threads())
