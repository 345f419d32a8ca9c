"""lfilter_backward (the VJP of lfilter) against the reference loops, finite differences and torch."""
import importlib
import numpy as np
import pytest
import scipy.signal as ss

import rnnlti
from rnnlti import reference

from gradcheck import directional, rel_err


def stable_a(rng, na, a0=1.0):
    poles = rng.uniform(0.2, 0.7, na - 1) * rng.choice([-1.0, 1.0], na - 1)
    return a0 * np.real(np.poly(poles)) if na > 1 else np.array([a0])


FILTERS = [(1, 1), (3, 1), (1, 2), (3, 3), (2, 5), (6, 4), (4, 9), (12, 12)]  # (len(b), len(a))
# y given (da formed from it), or None (da formed from x through a second recurrence; with zi, y is
# computed first).
GIVEN_Y = pytest.mark.parametrize("given_y", [True, False], ids=["y", "y=None"])


@pytest.mark.parametrize("nb,na", FILTERS)
@pytest.mark.parametrize("with_zi", [False, True])
@GIVEN_Y
def test_matches_reference_loops(nb, na, with_zi, given_y):
    rng = np.random.default_rng(nb * 13 + na)
    b, a = rng.standard_normal(nb), stable_a(rng, na, a0=-1.7)
    order = max(nb, na) - 1
    T = 600
    x, dy = rng.standard_normal(T), rng.standard_normal(T)
    zi = rng.standard_normal(order) if with_zi else None
    y = rnnlti.lfilter(b, a, x, zi=zi)[0] if with_zi else rnnlti.lfilter(b, a, x)
    g = rnnlti.lfilter_backward(b, a, x, y if given_y else None, dy, zi=zi)
    db, da, dx, dzi = reference.lfilter_backward(b, a, x, y, dy, zi)
    np.testing.assert_allclose(g.db, db, rtol=1e-11, atol=1e-11)
    np.testing.assert_allclose(g.da, da, rtol=1e-11, atol=1e-11)
    np.testing.assert_allclose(g.dx, dx, rtol=1e-12, atol=1e-13 * np.abs(dx).max())
    if with_zi:
        np.testing.assert_allclose(g.dzi, dzi, rtol=1e-12, atol=1e-13 * np.abs(dzi).max(initial=0.0))
    else:
        assert g.dzi is None


@pytest.mark.parametrize("nb,na", FILTERS)
@pytest.mark.parametrize("shape,axis", [((50,), -1), ((3, 41, 2), 1), ((37, 3), 0)])
@pytest.mark.parametrize("with_zi", [True, False])
@GIVEN_Y
def test_gradients_match_finite_differences(nb, na, shape, axis, with_zi, given_y):
    rng = np.random.default_rng(nb + 3 * na + len(shape))
    b, a = rng.standard_normal(nb), stable_a(rng, na, a0=rng.choice([1.0, 2.5, -0.8]))
    order = max(nb, na) - 1
    x, c = rng.standard_normal(shape), rng.standard_normal(shape)
    zshape = list(shape)
    zshape[axis] = order
    zi = rng.standard_normal(zshape) if with_zi else None

    eps = 1e-4  # the gradients of high-order filters are large: keep the stencil's steps small

    def loss(b_, a_, x_, zi_):
        y_ = rnnlti.lfilter(b_, a_, x_, axis=axis, zi=zi_)
        return float(np.sum(c * (y_ if zi_ is None else y_[0])))

    y = rnnlti.lfilter(b, a, x, axis=axis, zi=zi)[0] if with_zi else rnnlti.lfilter(b, a, x, axis=axis)
    g = rnnlti.lfilter_backward(b, a, x, y if given_y else None, c, axis=axis, zi=zi)
    assert g.db.shape == b.shape and g.da.shape == a.shape and g.dx.shape == x.shape
    assert g.dzi.shape == zi.shape if with_zi else g.dzi is None
    for k in range(nb):
        e = np.eye(nb)[k]
        assert rel_err(g.db[k], directional(lambda b_: loss(b_, a, x, zi), b, e, eps)) <= 1e-7
    for k in range(na):  # a[0] included: the normalisation is differentiated too
        e = np.eye(na)[k]
        assert rel_err(g.da[k], directional(lambda a_: loss(b, a_, x, zi), a, e, eps)) <= 1e-7
    v = rng.standard_normal(shape)
    assert rel_err(np.sum(g.dx * v), directional(lambda x_: loss(b, a, x_, zi), x, v, eps)) <= 1e-7
    if order and with_zi:
        v0 = rng.standard_normal(zi.shape)
        assert rel_err(np.sum(g.dzi * v0), directional(lambda z_: loss(b, a, x, z_), zi, v0, eps)) <= 1e-7


def test_filter_banks_get_one_gradient_per_filter():
    rng = np.random.default_rng(9)
    x, dy = rng.standard_normal((4, 3, 200)), rng.standard_normal((4, 3, 200))
    b = rng.standard_normal((4, 1, 3))  # one numerator per row, shared along the middle axis
    a = np.stack([stable_a(rng, 3) for _ in range(3)])  # one denominator per middle index, shape (3, 3)
    y = rnnlti.lfilter(b, a, x)
    g = rnnlti.lfilter_backward(b, a, x, y, dy)
    assert g.db.shape == b.shape and g.da.shape == a.shape
    db = np.zeros_like(b)
    da = np.zeros_like(a)
    for i in range(4):
        for j in range(3):
            gi = rnnlti.lfilter_backward(b[i, 0], a[j], x[i, j], y[i, j], dy[i, j])
            np.testing.assert_array_equal(g.dx[i, j], gi.dx)
            db[i, 0] += gi.db
            da[j] += gi.da
    np.testing.assert_allclose(g.db, db, rtol=1e-12)
    np.testing.assert_allclose(g.da, da, rtol=1e-12)


def test_broadcast_zi_gets_summed_gradient():
    rng = np.random.default_rng(10)
    b, a = [0.5, 0.2, 0.1], [1.0, -0.4, 0.1]
    x, dy = rng.standard_normal((3, 80)), rng.standard_normal((3, 80))
    zi = rng.standard_normal((1, 2))
    y = rnnlti.lfilter(b, a, x, zi=zi)[0]
    g = rnnlti.lfilter_backward(b, a, x, y, dy, zi=zi)
    full = rnnlti.lfilter_backward(b, a, x, y, dy, zi=np.repeat(zi, 3, axis=0))
    assert g.dzi.shape == (1, 2)
    np.testing.assert_allclose(g.dzi, full.dzi.sum(axis=0, keepdims=True), rtol=1e-14)


def test_dx_is_the_time_reversed_filter():
    # The transpose of an LTI filter is the same filter run backward in time.
    rng = np.random.default_rng(12)
    b, a = ss.butter(4, 0.2)
    x, dy = rng.standard_normal(500), rng.standard_normal(500)
    g = rnnlti.lfilter_backward(b, a, x, rnnlti.lfilter(b, a, x), dy)
    np.testing.assert_allclose(g.dx, ss.lfilter(b, a, dy[::-1])[::-1], rtol=1e-10, atol=1e-12)


@GIVEN_Y
@pytest.mark.parametrize("with_zi", [True, False])
def test_short_and_empty_signals(given_y, with_zi):
    rng = np.random.default_rng(13)
    b, a = [1.0, 0.5, 0.25, 0.1], [2.0, 0.3]
    for T in (0, 1, 2, 5):
        x, dy, zi = rng.standard_normal(T), rng.standard_normal(T), rng.standard_normal(3) if with_zi else None
        y = rnnlti.lfilter(b, a, x, zi=zi)[0] if with_zi else rnnlti.lfilter(b, a, x)
        g = rnnlti.lfilter_backward(b, a, x, y if given_y else None, dy, zi=zi)
        ref = reference.lfilter_backward(b, a, x, y, dy, zi)
        for got, want in zip(g[:3], ref[:3]):
            np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)
        if with_zi:
            np.testing.assert_allclose(g.dzi, ref[3], rtol=1e-13, atol=1e-15)


@GIVEN_Y
def test_float32_within_stated_tolerance(given_y):
    # float32: gradients within 1e-4 of their largest magnitude (db and da sum 5000 products).
    rng = np.random.default_rng(14)
    b, a = ss.butter(3, 0.3)
    x, dy = rng.standard_normal((5, 1000)), rng.standard_normal((5, 1000))
    y = rnnlti.lfilter(b, a, x)
    g64 = rnnlti.lfilter_backward(b, a, x, y, dy)
    y32 = y.astype(np.float32) if given_y else None
    g32 = rnnlti.lfilter_backward(b, a, x.astype(np.float32), y32, dy.astype(np.float32))
    for got, want in zip(g32[:3], g64[:3]):
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, want, atol=1e-4 * np.abs(want).max())


@pytest.mark.parametrize("with_zi", [False, True])
@GIVEN_Y
def test_matches_torch_autograd(with_zi, given_y):
    torch = importlib.import_module("torch")
    rng = np.random.default_rng(15)
    b, a = rng.standard_normal(3), stable_a(rng, 4, a0=1.6)
    order, T = 3, 70
    x, c = rng.standard_normal((2, T)), rng.standard_normal((2, T))
    zi = rng.standard_normal((2, order)) if with_zi else np.zeros((2, order))
    bt, at = torch.tensor(b, requires_grad=True), torch.tensor(a, requires_grad=True)
    xt, zt = torch.tensor(x, requires_grad=True), torch.tensor(zi, requires_grad=True)
    # a torch lfilter: the FIR part with conv1d, the recursion as a loop over time
    bn, an = bt / at[0], at / at[0]
    bpad = torch.nn.functional.pad(bn, (0, order + 1 - 3))
    fir = torch.nn.functional.conv1d(torch.nn.functional.pad(xt[:, None, :], (order, 0)), bpad.flip(0)[None, None, :])[:, 0]
    ys = []
    for n in range(T):
        v = fir[:, n] + (zt[:, n] if n < order else 0.0)
        for k in range(1, order + 1):
            if n - k >= 0:
                v = v - an[k] * ys[n - k]
        ys.append(v)
    yt = torch.stack(ys, dim=1)
    (yt * torch.tensor(c)).sum().backward()
    y = rnnlti.lfilter(b, a, x, zi=zi)[0] if with_zi else rnnlti.lfilter(b, a, x)
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-11, atol=1e-13)
    g = rnnlti.lfilter_backward(b, a, x, y if given_y else None, c, zi=zi if with_zi else None)
    np.testing.assert_allclose(g.db, bt.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(g.da, at.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(g.dx, xt.grad.numpy(), rtol=1e-10, atol=1e-13)
    if with_zi:
        np.testing.assert_allclose(g.dzi, zt.grad.numpy(), rtol=1e-10, atol=1e-13)
