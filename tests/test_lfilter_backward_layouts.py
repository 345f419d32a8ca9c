"""lfilter_backward on every memory layout its kernel has a path for (time last and time first with full
SIMD blocks of channels, strided, partial blocks), each channel against the reference loops and,
bitwise, against the same channel filtered alone."""
import numpy as np
import pytest

import rnnlti
from rnnlti import reference


def stable_a(rng, na):
    poles = rng.uniform(0.2, 0.7, na - 1) * rng.choice([-1.0, 1.0], na - 1)
    return -1.3 * np.real(np.poly(poles)) if na > 1 else np.array([-1.3])


def layouts(rng, C, T, dtype):
    """(name, x, dy, axis) for each layout: the same C channels of T samples, channel c = flat index c."""
    base = rng.standard_normal((C, T)).astype(dtype), rng.standard_normal((C, T)).astype(dtype)
    yield "time_last", base[0], base[1], -1
    yield "time_first", np.ascontiguousarray(base[0].T), np.ascontiguousarray(base[1].T), 0
    wide = [np.zeros((C, 2 * T), dtype) for _ in base]
    for w, v in zip(wide, base):
        w[:, ::2] = v
    yield "strided_time", wide[0][:, ::2], wide[1][:, ::2], 1


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("nb,na", [(1, 1), (2, 2), (3, 3), (5, 5), (9, 4), (10, 10)])
@pytest.mark.parametrize("T", [3, 8, 203])
@pytest.mark.parametrize("given_y", [True, False], ids=["y", "y=None"])
def test_every_layout_matches_the_channel_alone_and_the_reference(dtype, nb, na, T, given_y):
    rng = np.random.default_rng(nb * 100 + na * 10 + T)
    C = 37 if dtype == np.float32 else 19  # two full SIMD blocks and a partial one
    b = rng.standard_normal((C, nb))  # one filter per channel: per-channel db, da
    a = np.stack([stable_a(rng, na) for _ in range(C)])
    alone = None
    for name, x, dy, axis in layouts(rng, C, T, dtype):
        xs, dys = np.moveaxis(x, axis, -1), np.moveaxis(dy, axis, -1)  # (C, T) views
        y = np.moveaxis(rnnlti.lfilter(b, a, xs), -1, axis)
        g = rnnlti.lfilter_backward(b, a, x, y if given_y else None, dy, axis=axis)  # banks: (channels, taps)
        if alone is None:  # each channel alone: one lane, the kernel's tile path
            alone = [rnnlti.lfilter_backward(b[c], a[c], xs[c], np.moveaxis(y, axis, -1)[c] if given_y else None, dys[c])
                     for c in range(C)]
        dx = np.moveaxis(g.dx, axis, -1)
        for c in range(C):
            assert np.array_equal(dx[c], alone[c].dx), (name, c)
            assert np.array_equal(g.db[c], alone[c].db) and np.array_equal(g.da[c], alone[c].da), (name, c)
    if dtype == np.float64:
        for c in (0, 8, C - 1):
            ref = reference.lfilter_backward(b[c], a[c], xs[c], np.moveaxis(y, axis, -1)[c], dys[c])
            for got, want in zip(alone[c][:3], ref[:3]):
                np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12 * np.abs(want).max(initial=1.0))


@pytest.mark.parametrize("axis", [-1, 0])
def test_inf_in_the_last_sample_stays_out_of_the_other_gradients(axis):
    # x[T-1] (and so y[T-1]) infinite: only the terms that really contain it may be inf/NaN (db[0],
    # da[0]); the kernel leaves out the window entries past the end instead of multiplying them by 0.
    rng = np.random.default_rng(3)
    b, a = [0.3, 0.2, 0.1], [1.0, -0.4, 0.1]
    x, dy = rng.standard_normal((16, 101)), rng.standard_normal((16, 101))
    x[:, -1] = np.inf
    with np.errstate(invalid="ignore"):
        y = rnnlti.lfilter(b, a, x)
    if axis == 0:
        x, y, dy = (np.ascontiguousarray(v.T) for v in (x, y, dy))
    g = rnnlti.lfilter_backward(np.tile(b, (16, 1)), np.tile(a, (16, 1)), x, y, dy, axis=axis)
    assert np.all(np.isfinite(g.dx))
    assert np.all(np.isfinite(g.db[:, 1:])) and np.all(np.isfinite(g.da[:, 1:]))
