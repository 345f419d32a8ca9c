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
from .filtfilt import filtfilt, lfiltic, sosfiltfilt
from .sos import SosfiltGrads, sosfilt, sosfilt_backward, sosfilt_zi
from . import optim
from .models import RNN, NonlinearIIR

__all__ = [
    "dense_backward",
    "dense_forward",
    "filtfilt",
    "fir",
    "FirGradients",
    "flowgraph",
    "freqz",
    "get_num_threads",
    "IirGradients",
    "lfilter",
    "lfilter_backward",
    "lfilter_zi",
    "LfilterGradients",
    "lfiltic",
    "nonlinear_fir",
    "nonlinear_fir_backward",
    "nonlinear_iir",
    "nonlinear_iir_backward",
    "NonlinearIIR",
    "optim",
    "readout_loss",
    "ReadoutLoss",
    "release_memory",
    "RNN",
    "rnn_backward",
    "rnn_forward",
    "RnnGradients",
    "set_num_threads",
    "sosfilt",
    "sosfilt_backward",
    "sosfilt_zi",
    "sosfiltfilt",
    "SosfiltGrads",
    "__version__",
]


def set_num_threads(n: int) -> None:
    """Use at most ``n`` OpenMP threads in rnnlti's kernels (0 restores OpenMP's default).

    Results are bitwise identical whatever the number of threads.
    """
    import operator

    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"n must be an integer, got {type(n).__name__}") from None
    if not 0 <= n < 2**31:
        raise ValueError(f"n must be >= 0 and < 2**31, got {n}")
    _core.set_num_threads(n)


def release_memory() -> int:
    """Frees the idle output buffers that rnnlti keeps for reuse; returns how many bytes it freed.

    rnnlti's functions take their large outputs (64 KiB and more) from a pool: when such an array is
    garbage-collected its memory goes back to the pool, and the next output of the same size reuses
    it without the page faults of fresh memory (these cost more than the filtering itself for the
    linear filters, and more than the arithmetic of an RNN training step at moderate sizes).  At most
    256 MiB of idle buffers are kept; outputs are ordinary NumPy arrays that do not own their memory
    (their ``base`` holds it), so ``ndarray.resize`` refuses them, as it does any view.
    """
    idle = int(_core.pool_idle_bytes())
    _core.pool_release()
    return idle


def get_num_threads() -> int:
    """The number of threads rnnlti's kernels use."""
    return int(_core.get_num_threads())
