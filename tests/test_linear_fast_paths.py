"""The kernels' fast paths, chosen from the sizes: the chunked two-pass scan of lfilter for a few long
channels, the FFT overlap-save path of fir for many taps, the SIMD-along-time FIR and the in-register
transposes of time-last blocks.  Each against scipy (and the direct path), and bitwise identical for
any thread count."""
import numpy as np
import pytest
import scipy.signal as ss

import rnnlti

# Above the scan's threshold (2 * lanes * 2048 samples: 32768 for float64, 65536 for float32), with
# a tail after the last full chunk of 2048.
LONG = {np.float64: 3 * 2048 * 8 + 1234, np.float32: 2 * 2048 * 16 + 777}


def _close(y, y_ref, dtype):
    tol = 1e-10 if dtype == np.float64 else 1e-4
    np.testing.assert_allclose(y, y_ref, rtol=0, atol=tol * max(1.0, np.abs(y_ref).max()))


def _filters():
    rng = np.random.default_rng(3)
    out = [ss.butter(n, 0.1) for n in (1, 2, 4, 8)] + [ss.butter(10, 0.3), ss.cheby1(5, 1, 0.05)]
    # b longer than a, and a[0] != 1
    out.append((rng.standard_normal(6), np.array([2.0, -1.2, 0.5])))
    return out


@pytest.fixture
def restore_threads():
    yield
    rnnlti.set_num_threads(0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("k", range(7))
def test_single_long_channel_scan_matches_scipy(dtype, k):
    b, a = _filters()[k]
    x = np.random.default_rng(k).standard_normal(LONG[dtype]).astype(dtype)
    y = rnnlti.lfilter(b, a, x)
    assert y.dtype == dtype
    y_ref = ss.lfilter(b, a, x.astype(np.float64))
    if dtype == np.float32:
        # High-order transfer functions are ill-conditioned in float32 (scipy's own float32 result is
        # off by percents for butter(8, 0.1)): ask for scipy's float32 accuracy, or 1e-4.
        scale = np.abs(y_ref).max()
        err32 = np.abs(ss.lfilter(b.astype(dtype), a.astype(dtype), x) - y_ref).max() / scale
        assert np.abs(y - y_ref).max() / scale <= max(1e-4, 2 * err32)
        return
    _close(y, y_ref, dtype)


@pytest.mark.parametrize("layout", ["time_last", "time_first", "strided"])
def test_few_long_channels_scan_with_zi(layout):
    b, a = ss.butter(3, 0.05)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, LONG[np.float64]))
    zi = rng.standard_normal((3, 3))
    axis = -1
    if layout == "time_first":
        x, zi, axis = np.ascontiguousarray(x.T), np.ascontiguousarray(zi.T), 0
    elif layout == "strided":
        x = np.repeat(x, 2, axis=1)[:, ::2]  # time stride 2
    y, zf = rnnlti.lfilter(b, a, x, axis=axis, zi=zi)
    y_ref, zf_ref = ss.lfilter(b, a, x, axis=axis, zi=zi)
    _close(y, y_ref, np.float64)
    _close(zf, zf_ref, np.float64)


def test_scan_length_multiple_of_chunk_gives_final_state():
    b, a = ss.butter(2, 0.2)
    x = np.random.default_rng(2).standard_normal(2048 * 20)
    y, zf = rnnlti.lfilter(b, a, x, zi=[0.5, -0.25])
    y_ref, zf_ref = ss.lfilter(b, a, x, zi=[0.5, -0.25])
    _close(y, y_ref, np.float64)
    _close(zf, zf_ref, np.float64)


def test_scan_propagates_nan_like_the_recurrence():
    b, a = ss.butter(2, 0.2)
    x = np.random.default_rng(2).standard_normal(LONG[np.float64])
    x[40000] = np.nan
    y = rnnlti.lfilter(b, a, x)
    assert np.all(np.isfinite(y[:40000])) and np.all(np.isnan(y[40000:]))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("taps", [240, 300, 513])  # above the crossover (160 / 224 taps)
@pytest.mark.parametrize("shape_axis", [((3, 5000), -1), ((5000, 3), 0), ((20011,), -1), ((2, 9, 1500), 2)])
def test_fft_path_matches_direct_path_and_scipy(dtype, taps, shape_axis):
    shape, axis = shape_axis
    rng = np.random.default_rng(taps)
    h = rng.standard_normal(taps) / np.sqrt(taps)
    x = rng.standard_normal(shape).astype(dtype)
    y = rnnlti.fir(h, x, axis=axis)  # FFT path (taps above the crossover)
    assert y.dtype == dtype
    y_direct = rnnlti.lfilter(h, [1.0], x, axis=axis)  # the direct-form recurrence
    _close(y, y_direct.astype(np.float64), dtype)
    _close(y, ss.lfilter(h, [1.0], x.astype(np.float64), axis=axis), dtype)


def test_fft_path_filter_bank_and_views():
    rng = np.random.default_rng(5)
    h = rng.standard_normal((6, 200))  # one filter per channel
    base = rng.standard_normal((12, 4001))
    x = base[::2, ::-1]  # strided, negative time stride
    out = np.empty((6, 4001))
    y = rnnlti.fir(h, x, out=out)
    assert y is out
    ref = np.stack([ss.lfilter(h[c], [1.0], x[c]) for c in range(6)])
    _close(y, ref, np.float64)


@pytest.mark.parametrize("taps", [1, 2, 9, 33, 64, 79, 150])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_direct_fir_along_time(taps, dtype):
    rng = np.random.default_rng(taps)
    h = rng.standard_normal(taps)
    x = rng.standard_normal((5, 1000 + taps)).astype(dtype)
    _close(rnnlti.fir(h, x), ss.lfilter(h, [1.0], x.astype(np.float64)), dtype)


@pytest.mark.parametrize("taps", [1, 9, 64, 100])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_time_first_fir_over_several_time_blocks(taps, dtype):
    # Time first, channels adjacent: work items of 2048 samples x one block of channels, each starting
    # from the samples before it in x.  Every channel as filtered alone (bitwise) and against scipy.
    rng = np.random.default_rng(taps + 1)
    h = rng.standard_normal(taps)
    x = rng.standard_normal((3 * 2048 + 77, 19)).astype(dtype)  # two full lane blocks and a partial one
    y = rnnlti.fir(h, x, axis=0)
    _close(y, ss.lfilter(h, [1.0], x.astype(np.float64), axis=0), dtype)
    for c in (0, 8, 18):
        np.testing.assert_array_equal(y[:, c], rnnlti.fir(h, x[:, c : c + 1], axis=0)[:, 0])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_time_first_fir_bank_in_place_rows(dtype):
    # Full blocks of adjacent channels are filtered reading x's rows in place (after the first K - 1
    # samples, which go through tiles); a bank gives each channel its taps; the output may be a view.
    rng = np.random.default_rng(5)
    C, K = 40, 70
    h = rng.standard_normal((C, K))
    x = rng.standard_normal((2 * 2048 + 300, C)).astype(dtype)
    out = np.zeros((x.shape[0], C + 3), dtype)[:, 1 : C + 1]  # rows of another stride than x's
    y = rnnlti.fir(h, x, axis=0, out=out)  # bank along the channel axis: h is (C, K), x (T, C)
    assert y is out
    for c in (0, 17, 39):
        np.testing.assert_array_equal(y[:, c], rnnlti.fir(h[c], x[:, c : c + 1], axis=0)[:, 0])
        _close(y[:, c], ss.lfilter(h[c], [1.0], x[:, c].astype(np.float64)), dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("order", [1, 2, 5, 8, 9])
@pytest.mark.parametrize("axis", [0, 1])
def test_time_last_and_time_first_blocks(dtype, order, axis):
    # 19 channels: full SIMD blocks and a partial one; 1003 samples: not a multiple of the lanes.
    b, a = ss.butter(order, 0.15)
    x = np.random.default_rng(order).standard_normal((19, 1003)).astype(dtype)
    if axis == 0:
        x = np.ascontiguousarray(x.T)
    y, zf = rnnlti.lfilter(b, a, x, axis=axis, zi=np.zeros(x.shape[:axis] + (order,) + x.shape[axis + 1:]))
    y_ref, zf_ref = ss.lfilter(b, a, x.astype(np.float64), axis=axis, zi=np.zeros(zf.shape))
    _close(y, y_ref, dtype)
    _close(zf, zf_ref, dtype)


FAST_PATHS = {
    "scan_f64": lambda: rnnlti.lfilter(*ss.butter(4, 0.1), np.random.default_rng(0).standard_normal(LONG[np.float64])),
    "scan_f32": lambda: rnnlti.lfilter(
        *ss.butter(2, 0.1), np.random.default_rng(0).standard_normal(LONG[np.float32]).astype(np.float32)),
    "fft_batch": lambda: rnnlti.fir(np.hanning(300), np.random.default_rng(0).standard_normal((5, 7000))),
    "fft_single": lambda: rnnlti.fir(np.hanning(513), np.random.default_rng(0).standard_normal(50000)),
    "fir_time": lambda: rnnlti.fir(np.hanning(40), np.random.default_rng(0).standard_normal((3, 30000))),
}


@pytest.mark.parametrize("name", sorted(FAST_PATHS))
def test_fast_paths_bitwise_identical_for_any_thread_count(name, restore_threads):
    results = []
    for n in (1, 2, 3, 4):
        rnnlti.set_num_threads(n)
        results.append(FAST_PATHS[name]())
    for r in results[1:]:
        assert np.array_equal(r, results[0])


@pytest.mark.parametrize("ba", [([1.0], [1.0, -1.0]), ([0.5, 0.5], [1.0, -0.9995]),
                                ([1.0, 0.0, -1.0], [1.0, -1.9997 * np.cos(0.01), 0.9997 ** 2])])
def test_scan_carries_slowly_decaying_states(ba):
    # Poles at or near the unit circle: the state carried across a chunk (A^2048 z) does not vanish.
    b, a = ba
    x = np.random.default_rng(4).standard_normal(LONG[np.float64])
    y, zf = rnnlti.lfilter(b, a, x, zi=np.ones(len(a) - 1))
    y_ref, zf_ref = ss.lfilter(b, a, x, zi=np.ones(len(a) - 1))
    _close(y, y_ref, np.float64)
    _close(zf, zf_ref, np.float64)


@pytest.mark.parametrize("call, shape", [
    (lambda x, **kw: rnnlti.fir(np.hanning(300), x, **kw), (2, 9000)),  # FFT path
    (lambda x, **kw: rnnlti.fir(np.hanning(20), x, **kw), (2, 9000)),  # SIMD along time
    (lambda x, **kw: rnnlti.lfilter(*ss.butter(3, 0.1), x, **kw), (9, 9000)),  # transposed blocks
    (lambda x, **kw: rnnlti.lfilter(*ss.butter(3, 0.1), x, **kw), (LONG[np.float64],)),  # scan
])
def test_out_may_be_the_input_itself(call, shape):
    x = np.random.default_rng(9).standard_normal(shape)
    expected = call(x)
    y = call(x, out=x)
    assert y is x
    np.testing.assert_array_equal(y, expected)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("channels, length", [(8, 64), (9, 67), (16, 17), (64, 1000), (3, 7)])
def test_time_reversed_views_in_place_match_scipy(dtype, channels, length):
    # filtfilt's backward pass: lfilter on a reversed time-last view, written into that same view.
    # Full blocks of lanes take the reversed in-register transposes, the rest the tile loop.
    b, a = ss.butter(2 if dtype == np.float32 else 6, 0.15)
    x = np.random.default_rng(channels * length).standard_normal((channels, length)).astype(dtype)
    y_ref = ss.lfilter(b, a, x[:, ::-1].astype(np.float64))
    _close(rnnlti.lfilter(b, a, x[:, ::-1]), y_ref, dtype)
    buf = x.copy()
    view = buf[:, ::-1]
    y = rnnlti.lfilter(b, a, view, out=view)
    assert y is view
    _close(buf[:, ::-1], y_ref, dtype)
    # In place on the forward view too, and a shifted overlap (which must be copied first).
    buf = x.copy()
    rnnlti.lfilter(b, a, buf, out=buf)
    _close(buf, ss.lfilter(b, a, x.astype(np.float64)), dtype)
    buf = x.copy()
    rnnlti.lfilter(b, a, buf[:, 1:], out=buf[:, :-1])
    _close(buf[:, :-1], ss.lfilter(b, a, x[:, 1:].astype(np.float64)), dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("offset", [0, 1, 3, 7])
def test_outputs_beyond_the_cache_streamed_at_any_alignment(dtype, offset):
    # Outputs of 16 MiB and more go to memory through non-temporal stores, from the first sample at
    # which every row is aligned; the samples before it take the tile loop.  `offset` shifts the
    # output's rows off the 64-byte grid by whole samples.
    channels, length = 16, (20 << 20) // (16 * np.dtype(dtype).itemsize)
    b, a = ss.butter(2, 0.1)
    x = np.random.default_rng(offset).standard_normal((channels, length)).astype(dtype)
    store = np.empty(channels * length + 16, dtype)
    out = store[offset : offset + channels * length].reshape(channels, length)
    y = rnnlti.lfilter(b, a, x, out=out)
    assert y is out
    rows = [0, 5, channels - 1]
    _close(y[rows], ss.lfilter(b, a, x[rows].astype(np.float64)), dtype)
    np.testing.assert_array_equal(y, rnnlti.lfilter(b, a, x))
    np.testing.assert_array_equal(y[:, :1000], rnnlti.lfilter(b, a, x[:, :1000]))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("offset", [0, 5])
def test_short_fir_beyond_the_cache_streamed_at_any_alignment(dtype, offset):
    # Short FIR filters stream outputs of 16 MiB and more from each row's first aligned sample.
    channels, length = 8, (20 << 20) // (8 * np.dtype(dtype).itemsize)
    h = np.random.default_rng(1).standard_normal(9)
    x = np.random.default_rng(offset).standard_normal((channels, length)).astype(dtype)
    store = np.empty(channels * length + 16, dtype)
    out = store[offset : offset + channels * length].reshape(channels, length)
    y = rnnlti.fir(h, x, out=out)
    assert y is out
    rows = [0, channels - 1]
    _close(y[rows], ss.lfilter(h, [1.0], x[rows].astype(np.float64)), dtype)
    np.testing.assert_array_equal(y[:, :5000], rnnlti.fir(h, x[:, :5000]))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("offset", [0, 3])
def test_sosfilt_and_sosfiltfilt_beyond_the_cache_streamed(dtype, offset):
    # sosfilt streams its time tiles, shifted to start aligned; the same bits as unstreamed tiles.
    channels, length = 16, (20 << 20) // (16 * np.dtype(dtype).itemsize)
    sos = ss.butter(6, 0.1, output="sos")
    x = np.random.default_rng(offset).standard_normal((channels, length)).astype(dtype)
    store = np.empty(channels * length + 16, dtype)
    xs = store[offset : offset + channels * length].reshape(channels, length)
    xs[...] = x
    y = rnnlti.sosfilt(sos, xs)
    rows = [0, channels - 1]
    _close(y[rows], ss.sosfilt(sos, x[rows].astype(np.float64)), dtype)
    np.testing.assert_array_equal(y[:, :3000], rnnlti.sosfilt(sos, x[:, :3000]))
    z = rnnlti.sosfiltfilt(sos, xs)
    _close(z[rows], ss.sosfiltfilt(sos, x[rows].astype(np.float64)), dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("offset", [0, 1, 3])
@pytest.mark.parametrize("given_y", [True, False], ids=["y", "y=None"])
def test_lfilter_backward_beyond_the_cache_streamed(dtype, offset, given_y):
    # A dx of 16 MiB and more is written with non-temporal stores from the first sample where its rows
    # are whole 64-byte lines (dx starts at x's offset within a line; `offset` moves x off the grid by
    # whole samples); each half of the channels alone (8 MiB) takes ordinary stores: the same bits.
    channels, length = 16, (20 << 20) // (16 * np.dtype(dtype).itemsize)
    b, a = ss.butter(4, 0.2)
    rng = np.random.default_rng(7)
    store = np.empty(channels * length + 16, dtype)
    x = store[offset : offset + channels * length].reshape(channels, length)
    x[...] = rng.standard_normal((channels, length))
    dy = rng.standard_normal((channels, length)).astype(dtype)
    y = rnnlti.lfilter(b, a, x) if given_y else None
    full = rnnlti.lfilter_backward(b, a, x, y, dy)
    half = channels // 2
    parts = [rnnlti.lfilter_backward(b, a, x[s].copy(), y[s] if given_y else None, dy[s])
             for s in (slice(0, half), slice(half, None))]
    np.testing.assert_array_equal(full.dx, np.concatenate([p.dx for p in parts]))
    tol = 1e-10 if dtype == np.float64 else 1e-3
    np.testing.assert_allclose(full.db, parts[0].db + parts[1].db, rtol=tol, atol=tol * np.abs(full.db).max())
    np.testing.assert_allclose(full.da, parts[0].da + parts[1].da, rtol=tol, atol=tol * np.abs(full.da).max())
    # and dx against the definition on a row: the IIR 1/a run backward in time on dy, then the FIR b
    g = ss.lfilter([1.0], a, dy[3, ::-1].astype(np.float64))
    _close(full.dx[3], ss.lfilter(b, [1.0], g)[::-1], dtype)
