"""rnnlti.dask equals the in-memory filters for arrays chunked in channels and time (any axis, with
and without zi), and its graphs have the intended shape (parallel passes, only the carry sequential)."""
import importlib
import subprocess
import sys

import numpy as np
import pytest

da = importlib.import_module("dask.array")
import dask  # noqa: E402
import scipy.signal as ss  # noqa: E402

import rnnlti  # noqa: E402
import rnnlti.dask as rd  # noqa: E402

SYNC = {"scheduler": "sync"}


def stable_iir(rng, order):
    """Random b and a stable a (poles inside the unit circle), a[0] not 1 now and then."""
    pairs = rng.uniform(0.3, 0.95, order // 2) * np.exp(1j * rng.uniform(0, np.pi, order // 2))
    real = rng.uniform(-0.95, 0.95, order % 2)
    a = np.real(np.poly(np.concatenate([pairs, pairs.conj(), real])))
    return rng.standard_normal(int(rng.integers(1, order + 3))), a * rng.choice([1.0, 2.0])


def random_chunks(rng, n, smallest=1):
    """Split n into random chunks, some shorter than a filter's order, an empty one now and then."""
    chunks, left = [], n
    while left > 0:
        c = int(min(left, rng.integers(smallest, max(smallest + 1, n // 3 + 2))))
        chunks.append(c)
        left -= c
        if rng.uniform() < 0.15:
            chunks.append(0)
    return tuple(chunks) or (0,)


def chunked(rng, x, axis):
    chunks = tuple(random_chunks(rng, n) if i == axis else random_chunks(rng, n, 1) for i, n in enumerate(x.shape))
    return da.from_array(x, chunks=chunks)


def close(got, want, dtype=np.float64):
    tol = 1e-10 if dtype == np.float64 else 2e-4
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * max(1.0, np.abs(want).max(initial=0.0)))


CASES = [((5, 240), -1), ((240, 6), 0), ((3, 90, 4), 1), ((2, 3, 120), -1), ((300,), 0)]


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("with_zi", [False, True])
def test_lfilter_equals_in_memory(seed, with_zi):
    rng = np.random.default_rng(seed)
    shape, axis = CASES[seed % len(CASES)]
    x = rng.standard_normal(shape)
    b, a = stable_iir(rng, int(rng.integers(1, 7)))
    xd = chunked(rng, x, axis)
    if not with_zi:
        close(rd.lfilter(b, a, xd, axis=axis).compute(**SYNC), rnnlti.lfilter(b, a, x, axis=axis))
        return
    order = max(len(a), len(b)) - 1
    zi_shape = list(shape)
    zi_shape[axis] = order
    zi = rng.standard_normal(zi_shape)
    if seed % 3 == 0:  # a Dask zi, chunked differently from x
        zi = da.from_array(zi, chunks=1)
    y, zf = dask.compute(*rd.lfilter(b, a, xd, axis=axis, zi=zi), **SYNC)
    want_y, want_zf = rnnlti.lfilter(b, a, x, axis=axis, zi=np.asarray(zi))
    close(y, want_y)
    close(zf, want_zf)


def test_lfilter_threaded_scheduler_zi_broadcast_and_chunks_kept(rng):
    x = rng.standard_normal((8, 1000))
    xd = da.from_array(x, chunks=(3, 128))
    b, a = ss.butter(4, 0.05)
    zi = rng.standard_normal((1, 4))  # size-1 channel dimension broadcasts, as in scipy
    y, zf = rd.lfilter(b, a, xd, zi=zi)
    assert y.chunks == xd.chunks and zf.chunks == ((3, 3, 2), (4,))
    got_y, got_zf = dask.compute(y, zf, scheduler="threads")
    want_y, want_zf = rnnlti.lfilter(b, a, x, zi=zi)
    close(got_y, want_y)
    close(got_zf, want_zf)


def test_lfilter_float32_int_and_gain(rng):
    x = rng.standard_normal((4, 500)).astype(np.float32)
    xd = da.from_array(x, chunks=(2, 64))
    b, a = ss.butter(3, 0.2)
    y = rd.lfilter(b, a, xd)
    assert y.dtype == np.float32
    close(y.compute(**SYNC), rnnlti.lfilter(b, a, x), np.float32)
    y64, _ = rd.lfilter(b, a, xd, zi=np.zeros((4, 3)))  # a float64 zi widens, as in memory
    assert y64.dtype == np.float64
    xi = rng.integers(-5, 5, (3, 50))
    close(rd.lfilter(b, a, da.from_array(xi, chunks=(2, 7))).compute(**SYNC), rnnlti.lfilter(b, a, xi))
    gain, zf = rd.lfilter([3.0], [2.0], xd, zi=np.zeros((4, 0), np.float32))  # order 0: no state
    close(gain.compute(**SYNC), rnnlti.lfilter([3.0], [2.0], x), np.float32)
    assert zf.compute(**SYNC).shape == (4, 0)


def test_lfilter_empty_time_axis(rng):
    b, a = ss.butter(2, 0.3)
    zi = rng.standard_normal((3, 2))
    y, zf = dask.compute(*rd.lfilter(b, a, da.zeros((3, 0), chunks=(2, 1)), zi=zi), **SYNC)
    assert y.shape == (3, 0)
    close(zf, zi)


@pytest.mark.parametrize("seed", range(8))
def test_fir_equals_in_memory(seed):
    rng = np.random.default_rng(100 + seed)
    shape, axis = CASES[seed % len(CASES)]
    x = rng.standard_normal(shape)
    h = rng.standard_normal(int(rng.choice([1, 2, 5, 40])))  # 40 > most chunks: history spans several
    close(rd.fir(h, chunked(rng, x, axis), axis=axis).compute(**SYNC), rnnlti.fir(h, x, axis=axis))


def test_fir_float32(rng):
    x = rng.standard_normal((3, 400)).astype(np.float32)
    h = rng.standard_normal(9)
    y = rd.fir(h, da.from_array(x, chunks=(2, 50)))
    assert y.dtype == np.float32
    close(y.compute(**SYNC), rnnlti.fir(h, x), np.float32)


# --------------------------------------------------------------------------------- sosfilt


def sos_case(rng):
    return ss.butter(int(rng.integers(1, 9)), float(rng.uniform(0.05, 0.5)), output="sos")


@pytest.fixture
def sosfilt_impl(request, monkeypatch):
    """rnnlti.sosfilt, or (until it exists) scipy's drop-in, to test the wrapper's chunking."""
    if request.param == "rnnlti":
        return rnnlti.sosfilt
    monkeypatch.setattr(rnnlti, "sosfilt", ss.sosfilt, raising=False)
    return ss.sosfilt


@pytest.mark.parametrize("sosfilt_impl", ["rnnlti", "scipy-stand-in"], indirect=True)
@pytest.mark.parametrize("seed", range(6))
def test_sosfilt_equals_in_memory(sosfilt_impl, seed):
    rng = np.random.default_rng(200 + seed)
    shape, axis = CASES[seed % len(CASES)]
    x = rng.standard_normal(shape)
    sos = sos_case(rng)
    xd = chunked(rng, x, axis)
    if seed % 2:
        close(rd.sosfilt(sos, xd, axis=axis).compute(**SYNC), sosfilt_impl(sos, x, axis=axis))
        return
    zi_shape = [sos.shape[0]] + list(shape)
    zi_shape[1 + axis % len(shape)] = 2
    zi = rng.standard_normal(zi_shape)
    y, zf = dask.compute(*rd.sosfilt(sos, xd, axis=axis, zi=zi), **SYNC)
    want_y, want_zf = sosfilt_impl(sos, x, axis=axis, zi=zi)
    close(y, want_y)
    close(zf, want_zf)


# --------------------------------------------------------------------------------- nonlinear IIR

ACT = {"tanh": np.tanh, "identity": lambda v: v, "relu": lambda v: np.maximum(v, 0.0),
       "sigmoid": lambda v: 1.0 / (1.0 + np.exp(-v))}


def nonlinear_iir_stand_in(w, x, activation="tanh", h0=None, axis=-1):
    """h[n] = g(x[n] + sum_m w[m-1] h[n-m]), all channels at once, a loop over time (small tests only)."""
    w, x = np.asarray(w, np.float64), np.moveaxis(np.asarray(x, np.float64), axis, -1)
    m = len(w)
    past = np.zeros(x.shape[:-1] + (m,)) if h0 is None else np.moveaxis(np.asarray(h0, np.float64), axis, -1)
    h = np.empty(x.shape)
    for n in range(x.shape[-1]):
        h[..., n] = ACT[activation](x[..., n] + past[..., ::-1] @ w)
        past = np.concatenate([past[..., 1:], h[..., n : n + 1]], axis=-1)
    return np.moveaxis(h, -1, axis)


@pytest.fixture
def niir_impl(request, monkeypatch):
    """rnnlti.nonlinear_iir, or (until it exists) a stand-in with its documented signature."""
    if request.param == "rnnlti":
        return rnnlti.nonlinear_iir
    monkeypatch.setattr(rnnlti, "nonlinear_iir", nonlinear_iir_stand_in, raising=False)
    return nonlinear_iir_stand_in


@pytest.mark.parametrize("niir_impl", ["rnnlti", "stand-in"], indirect=True)
@pytest.mark.parametrize("seed", range(6))
def test_nonlinear_iir_equals_in_memory(niir_impl, seed):
    rng = np.random.default_rng(300 + seed)
    shape, axis = CASES[seed % len(CASES)]
    x = rng.standard_normal(shape)
    w = 0.6 * rng.standard_normal(int(rng.choice([1, 3, 12])))  # 12 > some chunks: history spans several
    activation = ["tanh", "sigmoid", "relu", "identity"][seed % 4]
    h0 = None
    if seed % 2:
        h0_shape = list(shape)
        h0_shape[axis] = len(w)
        h0 = rng.standard_normal(h0_shape)
    got = rd.nonlinear_iir(w, chunked(rng, x, axis), activation=activation, h0=h0, axis=axis).compute(**SYNC)
    close(got, niir_impl(w, x, activation=activation, h0=h0, axis=axis))


# --------------------------------------------------------------------------------- graph structure


def ancestors(graph, key, deps):
    seen, todo = set(), [key]
    while todo:
        for d in deps[todo.pop()]:
            if d not in seen:
                seen.add(d)
                todo.append(d)
    return seen


def kind(key):
    name = key[0] if isinstance(key, tuple) else key
    for part in ("initial-state", "first-chunk", "zero-pass", "transition", "carry", "state", "scan"):
        if f"-{part}-" in name:
            return part
    return "input"


def depths(graph, deps):
    memo = {}

    def depth(k):
        if k not in memo:
            memo[k] = 1 + max((depth(d) for d in deps[k]), default=-1)
        return memo[k]

    return {k: depth(k) for k in graph}


def test_lfilter_graph_is_parallel_with_only_the_carry_sequential(rng):
    from dask.core import get_dependencies

    nc, nt = 2, 6
    x = da.from_array(rng.standard_normal((4, 60)), chunks=(2, 10))
    b, a = [1.0, 0.5], [1.0, -0.9, 0.2]
    y, zf = rd.lfilter(b, a, x, zi=np.ones((4, 2)))
    graph = dict(zf.dask)  # zf's graph holds y's tasks too
    deps = {k: get_dependencies(graph, k) for k in graph}
    by_kind = {}
    for k in graph:
        by_kind.setdefault(kind(k), []).append(k)
    # Tasks per chunk: the first time chunk once (its state is known), every later one twice.
    assert len(by_kind["first-chunk"]) == nc and len(by_kind["zero-pass"]) == nc * (nt - 1)
    assert len(by_kind["scan"]) == nc * nt
    assert len(by_kind["carry"]) == nc  # the sequential part: one small task per channel chunk
    assert len(by_kind["transition"]) == 1  # one chunk length: one small matrix
    for k in by_kind["zero-pass"]:  # pass 1: each chunk alone, from its own block only
        assert deps[k] == {(x.name,) + k[1:]}
    for k in by_kind["scan"]:  # pass 2: its own block and the state entering it, nothing else
        assert {kind(d) for d in deps[k]} <= {"input", "state", "first-chunk"}
        assert all(d[1:] == k[1:] for d in deps[k])
    for k in by_kind["carry"]:  # reads only small things: the chunks' states, never a data block
        assert {kind(d) for d in deps[k]} <= {"zero-pass", "transition", "state"}
        assert {d[2] for d in deps[k] if kind(d) == "zero-pass"} == set(range(1, nt))
        assert all(d[1] == k[1] for d in deps[k] if kind(d) != "transition")
    # Every pass-1 task sits at the same depth (all parallel); no output waits for another output,
    # and channel chunks never meet.
    depth = depths(graph, deps)
    assert len({depth[k] for k in by_kind["zero-pass"]}) == 1
    for k in by_kind["scan"]:
        up = ancestors(graph, k, deps)
        assert all(a[1] == k[1] for a in up if isinstance(a, tuple) and len(a) == 3 and kind(a) != "transition")
        assert not any(kind(a) == "scan" for a in up)
    states = dask.get(graph, by_kind["state"])  # the carried states: a few numbers per channel
    assert all(s.shape == (2, 2) for s in states)
    want_y, want_zf = rnnlti.lfilter(b, a, x.compute(), zi=np.ones((4, 2)))
    got_y, got_zf = dask.compute(y, zf, **SYNC)
    close(got_y, want_y)
    close(got_zf, want_zf)


def test_nonlinear_iir_graph_is_sequential_in_time_only(rng, monkeypatch):
    from dask.core import get_dependencies

    monkeypatch.setattr(rnnlti, "nonlinear_iir", nonlinear_iir_stand_in, raising=False)
    x = da.from_array(rng.standard_normal((4, 60)), chunks=(2, 10))
    y = rd.nonlinear_iir([0.5, 0.2], x)
    graph = dict(y.dask)
    for k in graph:
        if k[0] == y.name and k[2] > 0:  # chunk k waits for the history task fed by chunk k - 1
            (hist,) = [d for d in get_dependencies(graph, k) if "-history-" in d[0]]
            assert hist[1:] == k[1:] and (y.name, k[1], k[2] - 1) in get_dependencies(graph, hist)


def test_fir_graph_reads_only_neighbour_tails(rng):
    from dask.core import get_dependencies

    x = da.from_array(rng.standard_normal((4, 60)), chunks=(2, 10))
    y = rd.fir(np.ones(4), x)
    graph = dict(y.dask)
    for k in graph:
        if k[0] == y.name:
            ds = get_dependencies(graph, k)
            assert (x.name,) + k[1:] in ds
            tails = [d for d in ds if "-tail-" in d[0]]
            assert [d[1:] for d in tails] == ([(k[1], k[2] - 1)] if k[2] else [])


# --------------------------------------------------------------------------------- errors, import


def test_bad_inputs():
    x = da.ones((2, 10), chunks=(1, 5))
    with pytest.raises(TypeError, match="dask.array.Array"):
        rd.lfilter([1.0], [1.0, 0.5], np.ones((2, 10)))
    with pytest.raises(TypeError, match="x"):
        rd.fir([1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match=r"zi must have shape \(2, 1\).*got \(2, 3\)"):
        rd.lfilter([1.0], [1.0, 0.5], x, zi=np.zeros((2, 3)))
    with pytest.raises(ValueError, match="zi"):
        rd.lfilter([1.0], [1.0, 0.5], x, zi=da.zeros((3, 1)))
    with pytest.raises(ValueError, match=r"a\[0\]"):
        rd.lfilter([1.0], [0.0, 1.0], x)
    with pytest.raises(ValueError, match="b"):
        rd.lfilter(np.ones((2, 2)), [1.0], x)  # filter banks are not supported on Dask arrays
    with pytest.raises(TypeError, match="x"):
        rd.lfilter([1.0], [1.0], x.astype(complex))
    with pytest.raises(ValueError, match="axis"):
        rd.fir([1.0], x, axis=2)
    if hasattr(rnnlti, "sosfilt"):
        with pytest.raises(ValueError, match="sos"):
            rd.sosfilt(np.ones((2, 5)), x)
    if hasattr(rnnlti, "nonlinear_iir"):
        with pytest.raises(ValueError, match="h0"):
            rd.nonlinear_iir([0.5, 0.1], x, h0=np.zeros((3, 2)))
        with pytest.raises(ValueError, match="activation"):
            rd.nonlinear_iir([0.5], x, activation="softmax")


def test_missing_builds_say_so(monkeypatch):
    x = da.ones((2, 10), chunks=(1, 5))
    for name in ("sosfilt", "nonlinear_iir"):
        monkeypatch.delattr(rnnlti, name, raising=False)
        with pytest.raises(NotImplementedError, match=f"rnnlti.{name}"):
            getattr(rd, name)(np.ones((1, 6)) if name == "sosfilt" else [0.5], x)


def test_import_rnnlti_does_not_import_dask_and_missing_dask_is_explained():
    code = (
        "import sys, rnnlti; assert 'dask' not in sys.modules, 'import rnnlti imported dask'\n"
        "sys.modules['dask'] = None; sys.modules['dask.array'] = None\n"
        "try:\n    import rnnlti.dask\nexcept ImportError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "pip install rnnlti[dask]" in out


def test_bitwise_equal_across_schedulers_and_threads_and_inputs_untouched(rng):
    x = rng.standard_normal((6, 700))
    zi = rng.standard_normal((6, 4))
    x_copy, zi_copy = x.copy(), zi.copy()
    b, a = ss.butter(4, 0.2)
    xd = da.from_array(x, chunks=(4, 90))
    results = []
    for threads, scheduler in [(1, "sync"), (3, "threads"), (2, "sync")]:
        rnnlti.set_num_threads(threads)
        try:
            results.append(dask.compute(*rd.lfilter(b, a, xd, zi=zi), rd.fir(np.ones(7), xd), scheduler=scheduler))
        finally:
            rnnlti.set_num_threads(0)
    for other in results[1:]:
        for got, want in zip(other, results[0]):
            np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(x, x_copy)
    np.testing.assert_array_equal(zi, zi_copy)
