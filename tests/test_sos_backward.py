"""sosfilt_backward (the VJP of the biquad cascade) against central finite differences in float64 and
against the adjoint of a linear time-invariant filter (the same filter run backward in time)."""
import numpy as np
import pytest
import scipy.signal as ss

import rnnlti
from random_filters import random_sos


def loss(sos, x, dy, axis, zi):
    """L = sum(dy * sosfilt(sos, x)); a0 != 1 means the section divided by a0 (zi not divided)."""
    sos = np.array(sos, dtype=np.float64)
    sos = sos / sos[..., 3:4]
    y = rnnlti.sosfilt(sos, x, axis=axis, zi=zi)
    return float(np.sum(dy * (y if zi is None else y[0])))


def numeric(f, value, eps=1e-6):
    grad = np.zeros_like(value)
    for i in np.ndindex(*value.shape):
        up, down = value.copy(), value.copy()
        up[i] += eps
        down[i] -= eps
        grad[i] = (f(up) - f(down)) / (2 * eps)
    return grad


CASES = [  # (x shape, axis, bank batch shape or None, with zi)
    ((3, 600), -1, None, True),
    ((2, 300), -1, None, False),
    ((40, 2), 0, None, True),
    ((2, 5, 3), 1, (3,), True),
    ((2, 3), -1, None, True),  # shorter than the state
    ((4, 1), -1, (4,), True),
    ((17, 257), -1, (17,), False),
]


@pytest.mark.parametrize("shape,axis,batch,with_zi", CASES)
def test_gradients_match_finite_differences(shape, axis, batch, with_zi):
    rng = np.random.default_rng(len(shape) * 100 + shape[0])
    n_sections = 2 if shape[0] != 17 else 3
    sos = random_sos(rng, n_sections) if batch is None else np.stack([random_sos(rng, n_sections) for _ in range(batch[0])])
    x = rng.standard_normal(shape)
    dy = rng.standard_normal(shape)
    zshape = list(shape)
    zshape[axis] = 2
    zi = rng.standard_normal((n_sections,) + tuple(zshape)) if with_zi else None
    g = rnnlti.sosfilt_backward(sos, x, dy, axis=axis, zi=zi)
    assert g.dsos.shape == sos.shape and g.dx.shape == x.shape
    scale = lambda v: max(1.0, np.abs(v).max())  # noqa: E731
    num_sos = numeric(lambda s: loss(s, x, dy, axis, zi), sos)
    np.testing.assert_allclose(g.dsos, num_sos, rtol=1e-6, atol=1e-6 * scale(num_sos))
    if shape[0] * shape[-1] <= 1200:
        num_x = numeric(lambda v: loss(sos, v, dy, axis, zi), x)
        np.testing.assert_allclose(g.dx, num_x, rtol=1e-6, atol=1e-6 * scale(num_x))
    if with_zi:
        num_zi = numeric(lambda z: loss(sos, x, dy, axis, z), zi)
        np.testing.assert_allclose(g.dzi, num_zi, rtol=1e-6, atol=1e-6 * scale(num_zi))
    else:
        assert g.dzi is None


@pytest.mark.parametrize("seed", range(20))
def test_dx_is_the_filter_run_backward(seed):
    rng = np.random.default_rng(4000 + seed)
    sos = random_sos(rng, int(rng.integers(1, 9)))
    n = int(rng.choice([0, 1, 5, 256, 257, int(rng.integers(1, 2000))]))
    dtype = [np.float64, np.float32][seed % 2]
    dy = rng.standard_normal((3, n)).astype(dtype)
    x = rng.standard_normal((3, n)).astype(dtype)
    g = rnnlti.sosfilt_backward(sos, x, dy)
    want = ss.sosfilt(sos, dy[:, ::-1].astype(np.float64))[:, ::-1] if n else np.zeros((3, 0))
    assert g.dx.dtype == dtype and g.dsos.dtype == dtype
    tol = 1e-10 if dtype == np.float64 else 2e-4
    np.testing.assert_allclose(g.dx, want, rtol=tol, atol=tol * max(1.0, np.abs(want).max(initial=0)))


def test_a_shared_filter_gets_the_sum_of_the_channels_gradients():
    rng = np.random.default_rng(5)
    sos = ss.butter(6, 0.2, output="sos")
    x, dy = rng.standard_normal((5, 700)), rng.standard_normal((5, 700))
    shared = rnnlti.sosfilt_backward(sos, x, dy)
    bank = rnnlti.sosfilt_backward(np.broadcast_to(sos, (5,) + sos.shape), x, dy)
    assert bank.dsos.shape == (5,) + sos.shape
    np.testing.assert_allclose(bank.dsos.sum(axis=0), shared.dsos, rtol=1e-12, atol=1e-9)
    np.testing.assert_array_equal(bank.dx, shared.dx)


def test_bitwise_identical_for_any_thread_count_and_no_mutation():
    rng = np.random.default_rng(6)
    sos = ss.butter(8, 0.2, output="sos")
    x, dy = rng.standard_normal((37, 1001)), rng.standard_normal((37, 1001))
    zi = rng.standard_normal((4, 37, 2))
    before = [v.copy() for v in (sos, x, dy, zi)]
    results = []
    try:
        for n in (1, 2, 3, 4):
            rnnlti.set_num_threads(n)
            results.append(rnnlti.sosfilt_backward(sos, x, dy, zi=zi))
    finally:
        rnnlti.set_num_threads(0)
    for r in results[1:]:
        for a, b in zip(r, results[0]):
            assert np.array_equal(a, b)
    for v, b in zip((sos, x, dy, zi), before):
        assert np.array_equal(v, b)
