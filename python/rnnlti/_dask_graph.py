"""The task graphs behind `rnnlti.dask`: three ways of carrying a filter's state across time chunks.

Only `rnnlti.dask` imports this module (it imports Dask).  Every graph has one output block per input
block (same chunks), and the blocks of different channel chunks never meet: only time chunks of the
same channel chunk exchange (small) state.

- `linear_scan`: the two-pass chunked scan of a linear filter with a state ``zi`` (IIR, SOS).
  Pass 1 filters every time chunk from zero state, in parallel, giving its final state ``zf0_k``.
  By linearity the true state entering chunk ``k + 1`` is ``s_{k+1} = zf0_k + s_k @ T(L_k)``, where
  ``T(L)`` (the state after ``L`` zero input samples, from each unit state) is computed once per
  distinct chunk length: only this small recursion is sequential.  Pass 2 corrects every chunk in
  parallel: ``y_k = y0_k + filter(zeros, zi=s_k)``, computed as ``filter(x_k, zi=s_k)`` (the same by
  linearity, see `_corrected`).
- `fir_overlap`: the FIR part needs the ``K - 1`` samples before each chunk; the samples before the
  chunk add to its first ``K - 1`` outputs only, so each chunk is filtered alone and those outputs
  are corrected from the (small) tails of the chunks before it.
- `sequential_carry`: a nonlinear recursion cannot be corrected linearly; each time chunk waits for the
  last ``M`` outputs of the one before (channel chunks still run in parallel).
"""
from __future__ import annotations

import itertools
import operator
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import numpy as np
import dask.array as da
from dask.base import tokenize
from dask.highlevelgraph import HighLevelGraph

Index = Tuple[int, ...]


def _at(channel: Index, axis: int, k: int) -> Index:
    """The block index of channel block ``channel`` (time axis removed) at time chunk ``k``."""
    return channel[:axis] + (k,) + channel[axis:]


def _channel_blocks(x: da.Array, axis: int) -> Iterator[Index]:
    return itertools.product(*(range(n) for i, n in enumerate(x.numblocks) if i != axis))


def _time_slice(ndim: int, axis: int, part: slice) -> Tuple[slice, ...]:
    return (slice(None),) * axis + (part,) + (slice(None),) * (ndim - axis - 1)


def _tail(block: np.ndarray, axis: int, depth: int) -> np.ndarray:
    """A copy of the last ``depth`` samples (fewer if the block is shorter): small data to send on."""
    n = block.shape[axis]
    return block[_time_slice(block.ndim, axis, slice(max(0, n - depth), n))].copy()


def _zeros(shape: Tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """A read-only all-zero array that occupies no memory (every stride 0)."""
    return np.broadcast_to(np.zeros((), dtype), shape)


def _array(graph: Dict, name: str, deps: List[Any], chunks: Any, dtype: np.dtype) -> da.Array:
    hlg = HighLevelGraph.from_collections(name, graph, dependencies=deps)
    return da.Array(hlg, name, chunks, dtype=dtype, meta=np.empty((0,) * len(chunks), dtype))


# ---------------------------------------------------------------------------------------------
# Linear filters with a state: the two-pass chunked scan.
# A "filter" here is any object with: dtype (of the result), size (S, the length of one channel's
# state vector), run(x, zi, axis) -> (y, zf), zero_state(x_shape, axis),
# to_vector(state, axis) -> (..., S) and from_vector(vector, axis) (the filter's own zi layout);
# optionally final_state(x, zi, axis) -> zf, when only zf is wanted (pass 1) and it can be cheaper.


def _run_from(filt: Any, block: np.ndarray, state: Optional[np.ndarray], axis: int) -> Tuple[np.ndarray, np.ndarray]:
    """The chunk filtered from ``state`` (a state vector; None: zero state): ``(y, zf as a vector)``."""
    zi = filt.zero_state(block.shape, axis) if state is None else filt.from_vector(state, axis).astype(filt.dtype)
    if block.shape[axis] == 0:  # an empty chunk (not every filter accepts one): nothing happens
        return np.empty(block.shape, filt.dtype), filt.to_vector(zi, axis).astype(np.float64)
    y, zf = filt.run(block, zi, axis)
    return y, filt.to_vector(zf, axis).astype(np.float64)


def _zero_state_pass(filt: Any, block: np.ndarray, axis: int) -> np.ndarray:
    """Pass 1: the final state of the chunk filtered from zero state (its output is not kept)."""
    final_state = getattr(filt, "final_state", None)
    if final_state is None or block.shape[axis] == 0:
        return _run_from(filt, block, None, axis)[1]
    return filt.to_vector(final_state(block, filt.zero_state(block.shape, axis), axis), axis).astype(np.float64)


def _corrected(filt: Any, block: np.ndarray, state: np.ndarray, axis: int) -> np.ndarray:
    """Pass 2: the chunk from its true incoming state, which by linearity is y0 + the zero-input
    response of ``state``.  Filtering the data again costs what filtering zeros would, but a
    zero-input response decays into subnormal numbers, several times slower on x86 (measured), and
    pass 1's outputs need not be held in memory until the carry arrives."""
    return _run_from(filt, block, state, axis)[0]


def _transition(filt: Any, length: int) -> np.ndarray:
    """Row j: the state after ``length`` zero samples from unit state j (float64): the filter's own
    one-step map, to the power ``length`` (exact maths; no run through subnormal numbers)."""
    size = filt.size
    basis = filt.from_vector(np.eye(size), 1)
    _, zf = filt.run(_zeros((size, 1), np.dtype(np.float64)), basis, 1)
    return np.linalg.matrix_power(filt.to_vector(zf, 1).astype(np.float64), length)


def _initial_vector(filt: Any, zi: np.ndarray, axis: int) -> np.ndarray:
    return filt.to_vector(np.asarray(zi), axis).astype(np.float64)


def _carry(first: np.ndarray, zf0: List[np.ndarray], transitions: List[np.ndarray]) -> List[np.ndarray]:
    """The states entering chunks 1, 2, ... and leaving the last: ``s_{k+1} = zf0_k + s_k @ T(L_k)``
    (``first``: the state leaving chunk 0).

    The only sequential step, on small data (S numbers per channel and chunk), in one task per
    channel chunk: one round of (parallel) transfers instead of a chain of them across the cluster.
    """
    states = [first]
    for own, transition in zip(zf0, transitions):
        states.append(own + states[-1] @ transition)
    return states


def _final_state(filt: Any, states: List[np.ndarray], axis: int) -> np.ndarray:
    return np.ascontiguousarray(filt.from_vector(states[-1], axis).astype(filt.dtype))


def linear_scan(
    filt: Any, x: da.Array, axis: int, zi: Optional[da.Array], zi_index: Callable[[Index], Index],
    state_chunks: Tuple[Tuple[int, ...], ...], label: str,
) -> Tuple[da.Array, Optional[da.Array]]:
    """``(y, zf)`` of ``filt`` along ``axis`` of ``x`` (``zf`` is None when ``zi`` is None).

    ``zi`` is chunked like x's channels with one chunk along every state axis; ``zi_index`` maps a
    block index of x at time chunk 0 to the matching block index of ``zi`` (and of ``zf``).
    The first time chunk knows its state (``zi`` or zero) and is filtered once; each later chunk
    has a pass-1 task (its final state from zero state) and a pass-2 task (the chunk from its true
    state); between them, one small carry task per channel chunk.
    """
    token = tokenize(filt, x.name, axis, None if zi is None else zi.name)
    initial, first, p1, trans, carry, state, name = (
        f"rnnlti-{label}-{part}-{token}"
        for part in ("initial-state", "first-chunk", "zero-pass", "transition", "carry", "state", "scan"))
    lengths = x.chunks[axis]
    nt = len(lengths)
    graph: Dict[Any, Any] = {}
    for length in set(lengths[1:]):
        graph[(trans, length)] = (_transition, filt, length)
    for channel in _channel_blocks(x, axis):
        idx0 = _at(channel, axis, 0)
        zi_key = None
        if zi is not None:
            zi_key = (initial,) + idx0
            graph[zi_key] = (_initial_vector, filt, (zi.name,) + zi_index(idx0), axis)
        graph[(first,) + idx0] = (_run_from, filt, (x.name,) + idx0, zi_key, axis)
        graph[(name,) + idx0] = (operator.getitem, (first,) + idx0, 0)
        graph[(state,) + idx0] = (operator.getitem, (first,) + idx0, 1)  # only the small state moves on
        later = [_at(channel, axis, k) for k in range(1, nt)]
        for k, idx in enumerate(later, start=1):
            graph[(p1,) + idx] = (_zero_state_pass, filt, (x.name,) + idx, axis)
            graph[(state,) + idx] = (operator.getitem, (carry,) + idx0, k - 1)  # the state entering k
            graph[(name,) + idx] = (_corrected, filt, (x.name,) + idx, (state,) + idx, axis)
        graph[(carry,) + idx0] = (_carry, (state,) + idx0, [(p1,) + idx for idx in later],
                                  [(trans, lengths[k]) for k in range(1, nt)])
    deps = [x] if zi is None else [x, zi]
    y = _array(graph, name, deps, x.chunks, filt.dtype)
    if zi is None:
        return y, None
    zf_name = f"rnnlti-{label}-zf-{token}"
    zf_graph = {
        (zf_name,) + zi_index(_at(channel, axis, 0)): (_final_state, filt, (carry,) + _at(channel, axis, 0), axis)
        for channel in _channel_blocks(x, axis)
    }
    return y, _array(zf_graph, zf_name, [y], state_chunks, filt.dtype)


# ---------------------------------------------------------------------------------------------
# FIR: each chunk alone, its first K - 1 outputs corrected from the tails of the chunks before.


def _fir_block(fir: Callable, h: np.ndarray, block: np.ndarray, tails: List[np.ndarray], axis: int) -> np.ndarray:
    y = fir(h, block, axis=axis)
    depth, n = h.shape[-1] - 1, block.shape[axis]
    head = min(depth, n)
    if tails and head:
        history = np.concatenate(tails, axis=axis)
        history = history[_time_slice(history.ndim, axis, slice(max(0, history.shape[axis] - depth), None))]
        pad_shape = history.shape[:axis] + (head,) + history.shape[axis + 1 :]
        # The history's contribution to the first `head` outputs: filter history + zeros, keep the end.
        seq = np.concatenate([history, np.zeros(pad_shape, history.dtype)], axis=axis)
        echo = fir(h, seq, axis=axis)
        first = _time_slice(y.ndim, axis, slice(0, head))
        y[first] += echo[_time_slice(y.ndim, axis, slice(seq.shape[axis] - head, None))]
    return y


def fir_overlap(fir: Callable, h: np.ndarray, x: da.Array, axis: int, dtype: np.dtype, label: str) -> da.Array:
    depth = h.shape[-1] - 1
    token = tokenize(h, x.name, axis, label)
    tail, name = f"rnnlti-{label}-tail-{token}", f"rnnlti-{label}-{token}"
    lengths = x.chunks[axis]
    graph: Dict[Any, Any] = {}
    for channel in _channel_blocks(x, axis):
        for k in range(len(lengths)):
            idx = _at(channel, axis, k)
            # The chunks before k whose tails cover the K - 1 samples before it (several when short).
            before, covered, j = [], 0, k - 1
            while depth and j >= 0 and covered < depth:
                before.insert(0, (tail,) + _at(channel, axis, j))
                covered += min(depth, lengths[j])
                j -= 1
            for key in before:
                graph[key] = (_tail, (x.name,) + key[1:], axis, depth)
            graph[(name,) + idx] = (_fir_block, fir, h, (x.name,) + idx, before, axis)
    return _array(graph, name, [x], x.chunks, dtype)


# ---------------------------------------------------------------------------------------------
# Nonlinear recursions: the state (the last M outputs) carried chunk to chunk, sequentially.


def _recurrent_block(step: Callable, block: np.ndarray, history: Optional[np.ndarray], axis: int) -> np.ndarray:
    return step(block, history, axis)


def _next_history(history: Optional[np.ndarray], h: np.ndarray, axis: int, depth: int) -> np.ndarray:
    """The last ``depth`` outputs up to the end of chunk ``h`` (in time order), from before it if short."""
    n = h.shape[axis]
    if n >= depth:
        return _tail(h, axis, depth)
    if history is None:
        history = np.zeros(h.shape[:axis] + (depth,) + h.shape[axis + 1 :], h.dtype)
    joined = np.concatenate([history.astype(h.dtype, copy=False), h], axis=axis)
    return _tail(joined, axis, depth)


def sequential_carry(
    step: Callable, depth: int, x: da.Array, axis: int, h0: Optional[da.Array], dtype: np.dtype, label: str
) -> da.Array:
    """``step(block, history, axis)`` chunk after chunk, ``history`` the last ``depth`` outputs before
    the chunk (``h0``'s block for the first, None when ``h0`` is None)."""
    token = tokenize(step, depth, x.name, axis, None if h0 is None else h0.name)
    hist, name = f"rnnlti-{label}-history-{token}", f"rnnlti-{label}-{token}"
    graph: Dict[Any, Any] = {}
    for channel in _channel_blocks(x, axis):
        previous = None if h0 is None else (h0.name,) + _at(channel, axis, 0)
        for k in range(len(x.chunks[axis])):
            idx = _at(channel, axis, k)
            graph[(name,) + idx] = (_recurrent_block, step, (x.name,) + idx, previous, axis)
            nxt = (hist,) + _at(channel, axis, k + 1)
            graph[nxt] = (_next_history, previous, (name,) + idx, axis, depth)
            previous = nxt
    return _array(graph, name, [x] if h0 is None else [x, h0], x.chunks, dtype)
