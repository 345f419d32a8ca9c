"""The vector RNN's calling conventions: unbatched input, h0 forms, V as a list, dtypes, empty inputs,
y broadcasting, thread-count determinism, concurrency, no input mutated, and the written example script."""
import concurrent.futures
import pathlib
import runpy

import numpy as np
import pytest

import rnnlti
from rnnlti import reference as ref

ROOT = pathlib.Path(__file__).resolve().parents[1]


def make(rng, B=3, T=8, D=4, N=5, M=2, K=3, dtype=np.float64):
    a = dict(
        x=rng.standard_normal((B, T, D)),
        U=rng.standard_normal((N, D)) * 0.5,
        V=rng.standard_normal((M, N, N)) * 0.9 / np.sqrt(M * N),  # stable: no inf or NaN over long T
        b=rng.standard_normal(N),
        h0=rng.standard_normal((B, M, N)),
        W=rng.standard_normal((K, N)),
        y=rng.standard_normal((B, T, K)),
    )
    return {k: v.astype(dtype) for k, v in a.items()}


def full(a, activation="tanh"):
    h = rnnlti.rnn_forward(a["x"], a["U"], a["V"], a["b"], a["h0"], activation)
    ro = rnnlti.readout_loss(h, a["W"], a["y"])
    return h, ro, rnnlti.rnn_backward(a["x"], h, a["U"], a["V"], ro.dh, a["b"], a["h0"], activation)


def test_unbatched_equals_batch_of_one(rng):
    a = make(rng, B=1)
    h, ro, g = full(a)
    u = {k: v[0] if k in ("x", "h0", "y") else v for k, v in a.items()}
    hu, rou, gu = full(u)
    assert hu.shape == (8, 5) and gu.dx.shape == (8, 4) and gu.dh0.shape == (2, 5) and rou.dh.shape == (8, 5)
    np.testing.assert_array_equal(hu, h[0])
    assert rou.loss == ro.loss
    for name in ("dh", "dxi", "dx", "dh0"):
        np.testing.assert_array_equal(getattr(gu, name), getattr(g, name)[0])
    for name in ("dU", "dV", "db"):
        np.testing.assert_array_equal(getattr(gu, name), getattr(g, name))


def test_shared_h0_and_its_gradient_summed_over_the_batch(rng):
    a = make(rng)
    shared = a["h0"][0]
    h = rnnlti.rnn_forward(a["x"], a["U"], a["V"], a["b"], shared)
    tiled = np.broadcast_to(shared, a["h0"].shape)
    np.testing.assert_array_equal(h, rnnlti.rnn_forward(a["x"], a["U"], a["V"], a["b"], tiled))
    dhp = rnnlti.readout_loss(h, a["W"], a["y"]).dh
    g = rnnlti.rnn_backward(a["x"], h, a["U"], a["V"], dhp, a["b"], shared)
    g_tiled = rnnlti.rnn_backward(a["x"], h, a["U"], a["V"], dhp, a["b"], tiled)
    assert g.dh0.shape == shared.shape
    np.testing.assert_allclose(g.dh0, g_tiled.dh0.sum(axis=0), rtol=1e-13, atol=1e-13)


def test_h0_none_is_zeros_and_gradients_of_absent_inputs_are_none(rng):
    a = make(rng)
    zeros = np.zeros_like(a["h0"])
    h = rnnlti.rnn_forward(a["x"], a["U"], a["V"])
    np.testing.assert_array_equal(h, rnnlti.rnn_forward(a["x"], a["U"], a["V"], None, zeros))
    g = rnnlti.rnn_backward(a["x"], h, a["U"], a["V"], np.ones_like(h))
    assert g.db is None and g.dh0 is None
    gz = rnnlti.rnn_backward(a["x"], h, a["U"], a["V"], np.ones_like(h), h0=zeros)
    np.testing.assert_array_equal(gz.dU, g.dU)
    assert gz.dh0.shape == zeros.shape
    assert rnnlti.readout_loss(h, a["W"], a["y"]).dc is None


@pytest.mark.parametrize("want_dx, want_dh", [(False, True), (True, False), (False, False)])
@pytest.mark.parametrize("batched", [True, False])
def test_front_ends_backward_skips_only_what_they_do_not_want(rng, batched, want_dx, want_dh):
    shape = (3, 7, 2) if batched else (7, 2)
    x, U, V, b = rng.standard_normal(shape), rng.standard_normal((4, 2)), 0.3 * rng.standard_normal((2, 4, 4)), rng.standard_normal(4)
    h = rnnlti.rnn_forward(x, U, V, b)
    dhp = rng.standard_normal(h.shape)
    full = rnnlti.rnn_backward(x, h, U, V, dhp, b)
    part = rnnlti.rnn._backward(x, h, U, V, dhp, b, None, "tanh", want_dx=want_dx, want_dh=want_dh)
    assert (part.dx is None) != want_dx and (part.dh is None) != want_dh
    for name in ("dh", "dxi", "dU", "dV", "db", "dx"):
        if getattr(part, name) is not None:
            np.testing.assert_array_equal(getattr(part, name), getattr(full, name), err_msg=name)


def test_v_as_a_list_of_matrices(rng):
    a = make(rng, M=3)
    h = rnnlti.rnn_forward(a["x"], a["U"], list(a["V"]), a["b"])
    np.testing.assert_array_equal(h, rnnlti.rnn_forward(a["x"], a["U"], a["V"], a["b"]))
    g = rnnlti.rnn_backward(a["x"], h, a["U"], list(a["V"]), np.ones_like(h), a["b"])
    assert g.dV.shape == (3, 5, 5)


def test_dtypes(rng):
    a32 = make(rng, dtype=np.float32)
    h, ro, g = full(a32)
    assert h.dtype == np.float32 and all(v.dtype == np.float32 for v in g if v is not None)
    assert isinstance(ro.loss, float)
    mixed = dict(a32, U=a32["U"].astype(np.float64))
    assert rnnlti.rnn_forward(mixed["x"], mixed["U"], mixed["V"]).dtype == np.float64
    ints = rnnlti.rnn_forward(np.ones((2, 3), dtype=int), np.ones((4, 3), dtype=int), np.zeros((1, 4, 4), dtype=int))
    assert ints.dtype == np.float64


def test_any_strides(rng):
    a = make(rng)
    x_f = np.asfortranarray(a["x"])
    x_sliced = np.concatenate([a["x"], a["x"]], axis=2)[:, :, ::2]
    x_sliced[:] = a["x"]
    base = rnnlti.rnn_forward(a["x"], a["U"], a["V"], a["b"])
    for x in (x_f, x_sliced):
        np.testing.assert_array_equal(rnnlti.rnn_forward(x, np.asfortranarray(a["U"]), np.asfortranarray(a["V"]), a["b"]), base)


@pytest.mark.parametrize("shape", [(0, 5, 4), (3, 0, 4)])
def test_empty_batch_or_sequence(rng, shape):
    a = make(rng)
    x = np.zeros(shape)
    h = rnnlti.rnn_forward(x, a["U"], a["V"], a["b"], np.zeros((shape[0], 2, 5)))
    assert h.shape == shape[:2] + (5,)
    ro = rnnlti.readout_loss(h, a["W"], np.zeros(3), np.zeros(3))
    assert ro.loss == 0.0 and ro.dW.shape == (3, 5) and not ro.dW.any() and not ro.dc.any()
    g = rnnlti.rnn_backward(x, h, a["U"], a["V"], h, a["b"], np.zeros((shape[0], 2, 5)))
    assert not g.dU.any() and not g.dV.any() and not g.db.any() and g.dx.shape == shape and not g.dh0.any()


@pytest.mark.parametrize("y_shape", [(3, 8, 3), (3, 1, 3), (3,), (8, 3), (1, 1, 1)])
def test_readout_y_broadcasts(rng, y_shape):
    a = make(rng)
    h = rnnlti.rnn_forward(a["x"], a["U"], a["V"])
    y = rng.standard_normal(y_shape)
    ro = rnnlti.readout_loss(h, a["W"], y)
    yb = np.broadcast_to(y, (3, 8, 3))
    L, dh = 0.0, []
    for i in range(3):
        Li, dhi, _, _ = ref.readout_loss(h[i], a["W"], yb[i])
        L += Li
        dh.append(dhi)
    np.testing.assert_allclose(ro.loss, L, rtol=1e-13)
    np.testing.assert_allclose(ro.dh, np.stack(dh), rtol=1e-12, atol=1e-13)


@pytest.fixture
def restore_threads():
    yield
    rnnlti.set_num_threads(0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("B, T, N", [(1, 300, 70), (7, 100, 70), (1, 300, 260), (3, 100, 150), (1, 2500, 40)])
def test_bitwise_identical_for_any_thread_count(rng, restore_threads, dtype, B, T, N):
    # B*T > one 256-row GEMM block; (1, 260) and (3, 150) split the state's columns across threads;
    # (1, 2500, 40): the weight gradients' tasks (two chunks of rows, ten blocks of dx) run while the
    # sweep of the single sequence goes on
    a = make(rng, B=B, T=T, D=20, N=N, M=2, K=6, dtype=dtype)
    results = []
    for n in (1, 2, 3, 4):
        rnnlti.set_num_threads(n)
        h, ro, g = full(a)
        results.append([h, ro.loss, ro.dh, ro.dW, *g])
    assert all(np.isfinite(v).all() for v in results[0] if v is not None)  # NaN != NaN would hide nothing
    for r in results[1:]:
        for u, v in zip(r, results[0]):
            assert np.array_equal(u, v)


def test_concurrent_python_threads_match_serial(rng):
    a = make(rng, B=4, T=50, N=33)
    serial = full(a)[2]
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        outs = list(pool.map(lambda _: full(a)[2], range(6)))
    for g in outs:
        for u, v in zip(g, serial):
            assert np.array_equal(u, v)


def test_inputs_are_not_modified(rng):
    a = make(rng)
    before = {k: v.copy() for k, v in a.items()}
    h, ro, g = full(a)
    h_before, dh_before = h.copy(), ro.dh.copy()
    rnnlti.rnn_backward(a["x"], h, a["U"], a["V"], ro.dh, a["b"], a["h0"])
    for k, v in a.items():
        assert np.array_equal(v, before[k]), k
    assert np.array_equal(h, h_before) and np.array_equal(ro.dh, dh_before)


def test_written_example_script_runs(capsys):
    runpy.run_path(str(ROOT / "examples" / "written_example.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "grad_{h[t]} L" in out and "max |difference|" in out
