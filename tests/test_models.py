"""The models (NonlinearIIR, RNN) and optimisers: losses against loops written from the lecture,
gradients against central finite differences, training, truncated BPTT, persistence."""
import importlib
import numpy as np
import pytest

import rnnlti
from rnnlti import RNN, NonlinearIIR
from rnnlti.optim import SGD, Adam, clip_grad_norm, global_norm

G = {"tanh": np.tanh, "sigmoid": lambda v: 1 / (1 + np.exp(-v)),
     "relu": lambda v: np.maximum(v, 0), "identity": lambda v: v}


# -- loop oracles of the two losses (the lecture's equations, one time step at a time) -----------
def iir_loss_loop(w, x, y, activation, h0=None):
    x, y = np.reshape(x, (-1, np.shape(x)[-1])), np.reshape(y, (-1, np.shape(y)[-1]))
    M, loss = len(w), 0.0
    for s in range(x.shape[0]):
        past = list(np.zeros(M) if h0 is None else np.reshape(h0, (-1, M))[s])  # past[-m] is h[n-m]
        for n in range(x.shape[1]):
            h = G[activation](x[s, n] + sum(w[m - 1] * past[-m] for m in range(1, M + 1)))
            loss += 0.5 * (h - y[s, n]) ** 2
            past.append(h)
    return loss


def rnn_loss_loop(p, x, y, activation, h0=None):
    x = x[None] if x.ndim == 2 else x
    B, T, _ = x.shape
    y = np.broadcast_to(y, (B, T, p["W"].shape[0]))
    M, N = p["V"].shape[:2]
    loss = 0.0
    for s in range(B):
        past = list(np.zeros((M, N)) if h0 is None else np.reshape(h0, (-1, M, N))[s])
        for t in range(T):
            xi = p["U"] @ x[s, t] + sum(p["V"][m - 1] @ past[-m] for m in range(1, M + 1)) + p.get("b", 0)
            h = G[activation](xi)
            r = y[s, t] - (p["W"] @ h + p.get("c", 0))
            loss += 0.5 * r @ r
            past.append(h)
    return loss


def finite_differences(model, x, y, h0=None, eps=1e-6):
    grads = {}
    for name, value in model.parameters.items():
        g = np.zeros_like(value)
        for i in np.ndindex(value.shape):
            keep = value[i]
            value[i] = keep + eps
            up, _ = model.loss_and_grads(x, y, h0)
            value[i] = keep - eps
            down, _ = model.loss_and_grads(x, y, h0)
            value[i] = keep
            g[i] = (up - down) / (2 * eps)
        grads[name] = g
    return grads


def assert_grads_close(got, want, rtol=1e-6):
    assert set(got) == set(want)
    for name in want:
        scale = max(1.0, np.abs(want[name]).max())
        np.testing.assert_allclose(got[name], want[name], rtol=0, atol=rtol * scale, err_msg=name)


# -- loss_and_grads ---------------------------------------------------------------------------
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "identity", "relu"])
@pytest.mark.parametrize("order", [1, 3])
@pytest.mark.parametrize("with_h0", [False, True])
def test_nonlinear_iir_loss_and_grads(rng, activation, order, with_h0):
    model = NonlinearIIR(order, activation, seed=1)
    model.parameters["w"][:] = rng.uniform(-0.6, 0.6, order) / order
    x = rng.standard_normal((2, 3, 17))
    y = rng.standard_normal((2, 3, 17))
    h0 = rng.standard_normal((2, 3, order)) if with_h0 else None
    loss, grads = model.loss_and_grads(x, y, h0)
    assert loss == pytest.approx(iir_loss_loop(model.parameters["w"], x, y, activation, h0), rel=1e-12)
    assert_grads_close(grads, finite_differences(model, x, y, h0))


@pytest.mark.parametrize("delays", [1, 2, 3])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("y_shape", ["BTK", "K", "B1K"])
def test_rnn_loss_and_grads(rng, delays, bias, y_shape):
    model = RNN(2, 3, 2, delays=delays, bias=bias, seed=2)
    x = rng.standard_normal((2, 9, 2))
    y = rng.standard_normal({"BTK": (2, 9, 2), "K": (2,), "B1K": (2, 1, 2)}[y_shape])
    loss, grads = model.loss_and_grads(x, y)
    assert loss == pytest.approx(rnn_loss_loop(model.parameters, x, y, "tanh"), rel=1e-12)
    assert_grads_close(grads, finite_differences(model, x, y))


@pytest.mark.parametrize("activation", ["sigmoid", "relu", "identity"])
def test_rnn_loss_and_grads_unbatched_with_h0(rng, activation):
    model = RNN(2, 3, 2, delays=2, activation=activation, seed=3)
    x, y, h0 = rng.standard_normal((7, 2)), rng.standard_normal((7, 2)), rng.standard_normal((2, 3))
    loss, grads = model.loss_and_grads(x, y, h0)
    assert loss == pytest.approx(rnn_loss_loop(model.parameters, x, y, activation, h0), rel=1e-12)
    assert_grads_close(grads, finite_differences(model, x, y, h0))


def test_the_written_example_model_has_no_bias():
    model = RNN(3, 4, 2, delays=2, bias=False, seed=0)
    assert sorted(model.parameters) == ["U", "V", "W"]
    assert model.parameters["V"].shape == (2, 4, 4)


def test_forward_matches_the_loss(rng):
    model = RNN(3, 5, 2, seed=4)
    x = rng.standard_normal((2, 11, 3))
    yhat = model.forward(x)
    assert yhat.shape == (2, 11, 2)
    loss, _ = model.loss_and_grads(x, yhat)
    assert loss == pytest.approx(0.0, abs=1e-20)
    iir = NonlinearIIR(2, seed=4)
    h = iir.forward(x[..., 0])
    assert iir.loss_and_grads(x[..., 0], h)[0] == pytest.approx(0.0, abs=1e-20)


# -- training ---------------------------------------------------------------------------------
def test_fit_recovers_known_nonlinear_iir_weights(rng):
    w_true = np.array([1.6, -0.8])  # a resonator: poles at radius 0.89
    x = 0.5 * rng.standard_normal((4, 300))
    teacher = NonlinearIIR(2)
    teacher.parameters["w"][:] = w_true
    y = teacher.forward(x)
    model = NonlinearIIR(2, seed=0)
    history = model.fit(x, y, epochs=300, lr=0.05, progress=False)
    history += model.fit(x, y, epochs=100, lr=0.002, progress=False)
    assert history[-1] < 1e-3 * history[0]
    np.testing.assert_allclose(model.parameters["w"], w_true, atol=1e-4)


@pytest.mark.parametrize("optimizer, lr", [("adam", 0.02), ("sgd", 2e-4)])
def test_fit_decreases_the_loss_of_an_rnn(rng, optimizer, lr):
    x = rng.standard_normal((8, 40, 2))
    teacher = RNN(2, 3, 1, seed=10)
    y = teacher.forward(x)
    model = RNN(2, 6, 1, seed=11)
    history = model.fit(x, y, epochs=40, lr=lr, optimizer=optimizer, batch_size=4, clip=50.0, progress=False)
    assert len(history) == 40
    assert history[-1] < 0.5 * history[0]


def test_sgd_is_the_lecture_update(rng):
    model = NonlinearIIR(2, seed=5)
    x, y = rng.standard_normal(50), rng.standard_normal(50)
    w = model.parameters["w"].copy()
    _, grads = model.loss_and_grads(x, y)
    model.fit(x, y, epochs=1, lr=0.01, optimizer="sgd", progress=False)
    np.testing.assert_array_equal(model.parameters["w"], w - 0.01 * grads["w"])


def test_truncated_bptt_with_k_at_least_t_equals_full_bptt(rng):
    x = rng.standard_normal((6, 25, 2))
    y = rng.standard_normal((6, 25, 1))
    runs = []
    for truncate in [None, 25, 40]:
        model = RNN(2, 4, 1, seed=6)
        history = model.fit(x, y, epochs=5, lr=0.01, batch_size=4, truncate=truncate, progress=False)
        runs.append((history, model.parameters))
    for history, params in runs[1:]:
        assert history == runs[0][0]
        for name in params:
            np.testing.assert_array_equal(params[name], runs[0][1][name])


@pytest.mark.parametrize("truncate", [1, 3, 7])
def test_truncated_bptt_carries_the_last_states(rng, truncate):
    """One SGD epoch of fit(truncate=K) against the same windows done by hand: each window starts
    from the last M hidden states of the sequence so far, and gradients stop at its start."""
    x, y = rng.standard_normal((3, 10, 2)), rng.standard_normal((3, 10, 2))
    model, manual = RNN(2, 3, 2, delays=2, seed=7), RNN(2, 3, 2, delays=2, seed=7)
    model.fit(x, y, epochs=1, lr=1e-3, optimizer="sgd", truncate=truncate, progress=False)
    states = np.zeros((3, 2, 3))
    for t0 in range(0, 10, truncate):
        xw, yw = x[:, t0 : t0 + truncate], y[:, t0 : t0 + truncate]
        h0 = None if t0 == 0 else states[:, -2:]
        _, grads = manual.loss_and_grads(xw, yw, h0)
        states = np.concatenate([states, manual.hidden(xw, h0)], axis=1)
        for name, g in grads.items():
            manual.parameters[name] -= 1e-3 * g
    for name in model.parameters:
        np.testing.assert_allclose(model.parameters[name], manual.parameters[name], rtol=1e-13, atol=1e-15)
    # the same for the scalar model, whose state is carried along the last axis
    xs, ys = x[..., 0], y[..., 0]
    iir, by_hand = NonlinearIIR(2, seed=8), NonlinearIIR(2, seed=8)
    iir.fit(xs, ys, epochs=1, lr=1e-3, optimizer="sgd", truncate=truncate, progress=False)
    past = np.zeros((3, 2))
    for t0 in range(0, 10, truncate):
        xw, yw = xs[:, t0 : t0 + truncate], ys[:, t0 : t0 + truncate]
        h0 = None if t0 == 0 else past[:, -2:]
        _, grads = by_hand.loss_and_grads(xw, yw, h0)
        past = np.concatenate([past, by_hand.forward(xw, h0)], axis=1)
        by_hand.parameters["w"] -= 1e-3 * grads["w"]
    np.testing.assert_allclose(iir.parameters["w"], by_hand.parameters["w"], rtol=1e-13)


def test_fit_is_deterministic_and_does_not_mutate_inputs(rng):
    x, y = rng.standard_normal((5, 20, 2)), rng.standard_normal((5, 20, 1))
    x_copy, y_copy = x.copy(), y.copy()
    results = []
    try:
        for threads in (1, 2):
            rnnlti.set_num_threads(threads)
            model = RNN(2, 4, 1, seed=9)
            history = model.fit(x, y, epochs=3, lr=0.01, batch_size=2, truncate=6, progress=False)
            results.append((history, model.parameters))
    finally:
        rnnlti.set_num_threads(0)
    assert results[0][0] == results[1][0]
    for name in results[0][1]:
        np.testing.assert_array_equal(results[0][1][name], results[1][1][name])
    np.testing.assert_array_equal(x, x_copy)
    np.testing.assert_array_equal(y, y_copy)


def test_callback_sees_every_epoch_and_can_stop(rng):
    x, y = rng.standard_normal((2, 30)), rng.standard_normal((2, 30))
    seen = []

    def callback(model, epoch, loss):
        seen.append((epoch, loss))
        return epoch == 2

    history = NonlinearIIR(2, seed=0).fit(x, y, epochs=10, lr=0.01, progress=False, callback=callback)
    assert [e for e, _ in seen] == [0, 1, 2]
    assert history == [loss for _, loss in seen]


def test_progress_bar_shows_the_loss(rng, capsys):
    importlib.import_module("tqdm")
    x, y = rng.standard_normal((2, 30)), rng.standard_normal((2, 30))
    NonlinearIIR(2, seed=0).fit(x, y, epochs=3, lr=0.01)
    assert "loss=" in capsys.readouterr().err


# -- persistence ------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda: RNN(3, 4, 2, delays=3, activation="relu", bias=False, seed=1),
    lambda: RNN(2, 5, 1, seed=2, dtype=np.float32),
    lambda: NonlinearIIR(4, "sigmoid", seed=3),
])
def test_save_load_round_trip_is_exact(tmp_path, rng, make):
    model = make()
    for value in model.parameters.values():  # values with every bit significant
        value[...] = rng.standard_normal(value.shape).astype(value.dtype)
    path = model.save(tmp_path / "model")
    assert path.endswith(".npz")
    loaded = type(model).load(path)
    assert repr(loaded) == repr(model)
    assert sorted(loaded.parameters) == sorted(model.parameters)
    for name, value in model.parameters.items():
        assert loaded.parameters[name].dtype == value.dtype
        np.testing.assert_array_equal(loaded.parameters[name], value)
    x = rng.standard_normal((2, 6, model.input_size) if isinstance(model, RNN) else (2, 6))
    np.testing.assert_array_equal(loaded.forward(x), model.forward(x))


def test_load_refuses_another_model(tmp_path):
    path = NonlinearIIR(2).save(tmp_path / "iir.npz")
    with pytest.raises(ValueError, match="NonlinearIIR"):
        RNN.load(path)


# -- optimisers -------------------------------------------------------------------------------
def test_clip_grad_norm_scales_all_gradients_together():
    grads = {"a": np.array([3.0, 0.0]), "b": np.array([[4.0]]), "c": None}
    clipped, norm = clip_grad_norm(grads, 1.0)
    assert norm == 5.0
    assert global_norm(clipped) == pytest.approx(1.0)
    np.testing.assert_allclose(clipped["a"], [0.6, 0.0])
    np.testing.assert_allclose(clipped["b"], [[0.8]])
    assert clipped["c"] is None and grads["a"][0] == 3.0
    same, _ = clip_grad_norm(grads, 10.0)
    assert same["a"] is grads["a"]


def test_adam_first_step_has_size_lr_and_sgd_is_exact():
    params = {"w": np.array([1.0, -2.0])}
    Adam(0.1).step(params, {"w": np.array([3.0, -1e-3])})
    np.testing.assert_allclose(params["w"], [0.9, -1.9], rtol=1e-6)
    before = params["w"].copy()
    SGD(0.5).step(params, {"w": np.array([2.0, 2.0])})
    np.testing.assert_array_equal(params["w"], before - 0.5 * np.array([2.0, 2.0]))


@pytest.mark.parametrize("make, x_shape", [(lambda: RNN(2, 3, 1, seed=0, dtype=np.float32), (2, 12, 2)),
                                           (lambda: NonlinearIIR(2, seed=0, dtype=np.float32), (2, 12))])
def test_float32_models_compute_and_train_in_float32(rng, make, x_shape):
    model = make()
    x = rng.standard_normal(x_shape)  # float64 data: cast to the model's dtype
    y = model.forward(x)
    assert y.dtype == np.float32
    _, grads = model.loss_and_grads(x, y + 0.1)
    assert all(g.dtype == np.float32 for g in grads.values())
    history = model.fit(x, y + 0.1, epochs=5, lr=0.01, progress=False)
    assert history[-1] < history[0]
    assert all(p.dtype == np.float32 for p in model.parameters.values())
