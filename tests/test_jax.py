"""rnnlti.jax: lfilter and the vector RNN as custom_vjp functions, checked against lax.scan versions
(values and jax.grad), under jit and vmap; what is documented as unsupported fails loudly."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import rnnlti
import rnnlti.jax as rj


@pytest.fixture(autouse=True)
def x64_one_thread():
    """float64 for tight comparisons (restored afterwards: JAX's flag is global); one rnnlti thread
    for the many tiny calls (results do not depend on it)."""
    previous = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    rnnlti.set_num_threads(1)
    yield
    rnnlti.set_num_threads(0)
    jax.config.update("jax_enable_x64", previous)


def arr(*shape, seed=0, scale=1.0):
    return jnp.asarray(scale * np.random.default_rng(seed).standard_normal(shape))


def close(got, want, tol=1e-11):
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=tol, atol=tol)


# --- lax.scan references ---------------------------------------------------------------------------

def scan_lfilter(b, a, x, zi):
    """Transposed direct form II along the last axis of x, by lax.scan over time."""
    order = max(len(a), len(b)) - 1
    bn = jnp.pad(b / a[0], (0, order + 1 - len(b)))
    an = jnp.pad(a / a[0], (0, order + 1 - len(a)))

    def step(z, xn):
        yn = bn[0] * xn + z[..., 0]
        shifted = jnp.concatenate([z[..., 1:], jnp.zeros_like(z[..., :1])], -1)
        return shifted + bn[1:] * xn[..., None] - an[1:] * yn[..., None], yn

    zf, ys = jax.lax.scan(step, zi, jnp.moveaxis(x, -1, 0))
    return jnp.moveaxis(ys, 0, -1), zf


def scan_rnn(x, U, V, b, h0, g=jnp.tanh):
    """h[t] = g(U x[t] + sum_m V[m-1] h[t-m] + b) by lax.scan; x (B, T, D), h0 (B, M, N) in time order."""
    M = V.shape[0]

    def step(hist, xt):  # hist: (B, M, N), hist[:, M-1] = h[t-1]
        xi = xt @ U.T + b + sum(hist[:, M - m] @ V[m - 1].T for m in range(1, M + 1))
        h = g(xi)
        return jnp.concatenate([hist[:, 1:], h[:, None]], 1), h

    _, hs = jax.lax.scan(step, h0, jnp.moveaxis(x, 1, 0))
    return jnp.moveaxis(hs, 0, 1)


# --- lfilter ---------------------------------------------------------------------------------------

B_, A_ = np.array([0.4, 0.2, -0.1]), np.array([1.3, -0.5, 0.2])  # float64 (jnp arrays made here would be float32)


@pytest.mark.parametrize("T", [1, 40])
def test_lfilter_values_and_grad_against_scan(T):
    x, zi = arr(3, T, seed=1), arr(3, 2, seed=2)
    y, zf = rj.lfilter(B_, A_, x, zi=zi)
    y_ref, zf_ref = scan_lfilter(B_, A_, x, zi)
    close(y, y_ref), close(zf, zf_ref)

    def loss(f):
        def L(b, a, x, zi):
            y, zf = f(b, a, x, zi)
            return jnp.sum(jnp.sin(y)) + jnp.sum(zf**2)
        return L

    g = jax.grad(loss(lambda *v: rj.lfilter(*v[:3], zi=v[3])), argnums=(0, 1, 2, 3))(B_, A_, x, zi)
    g_ref = jax.grad(loss(scan_lfilter), argnums=(0, 1, 2, 3))(B_, A_, x, zi)
    for p, q in zip(g, g_ref):
        close(p, q)


def test_lfilter_without_zi_under_jit_and_other_axis():
    x = arr(30, 2, seed=3)
    f = jax.jit(lambda b, a, x: jnp.sum(rj.lfilter(b, a, x, axis=0) ** 2))
    g = jax.grad(f, argnums=(0, 1, 2))(B_, A_, x)
    zero = jnp.zeros((2, 2))
    g_ref = jax.grad(lambda b, a, x: jnp.sum(scan_lfilter(b, a, x.T, zero)[0] ** 2), argnums=(0, 1, 2))(B_, A_, x)
    for p, q in zip(g, g_ref):
        close(p, q)
    close(rj.lfilter(B_, A_, x, axis=0), rnnlti.lfilter(np.asarray(B_), np.asarray(A_), np.asarray(x), axis=0), 1e-14)


def test_lfilter_vmap_loops_but_is_right():
    x = arr(4, 25, seed=4)
    loss = lambda x: jnp.sum(rj.lfilter(B_, A_, x) ** 2)  # noqa: E731
    close(jax.vmap(lambda x: rj.lfilter(B_, A_, x))(x), rj.lfilter(B_, A_, x), 1e-14)
    close(jax.vmap(jax.grad(loss))(x), jax.grad(loss)(x), 1e-14)


def test_lfilter_float32_without_x64():
    jax.config.update("jax_enable_x64", False)
    x = jnp.asarray(np.random.default_rng(5).standard_normal((2, 50)), dtype=jnp.float32)
    y = rj.lfilter([0.5, 0.5], [1.0, -0.3], x)
    assert y.dtype == jnp.float32
    g = jax.grad(lambda x: jnp.sum(rj.lfilter([0.5, 0.5], [1.0, -0.3], x) ** 2))(x)
    assert g.dtype == jnp.float32
    close(y, rnnlti.lfilter([0.5, 0.5], [1.0, -0.3], np.asarray(x)), 1e-6)


# --- the vector RNN --------------------------------------------------------------------------------

@pytest.mark.parametrize("M", [1, 2])
def test_rnn_values_and_grad_against_scan(M):
    x, U, V = arr(2, 8, 3, seed=6), arr(4, 3, seed=7, scale=0.5), arr(M, 4, 4, seed=8, scale=0.3)
    b, h0 = arr(4, seed=9), arr(2, M, 4, seed=10)
    close(rj.rnn(x, U, V, b, h0), scan_rnn(x, U, V, b, h0))

    def L(f):
        return lambda *args: jnp.sum(jnp.cos(f(*args)))

    g = jax.jit(jax.grad(L(rj.rnn), argnums=(0, 1, 2, 3, 4)))(x, U, V, b, h0)
    g_ref = jax.grad(L(scan_rnn), argnums=(0, 1, 2, 3, 4))(x, U, V, b, h0)
    for p, q in zip(g, g_ref):
        close(p, q)


def test_rnn_without_bias_and_h0_unbatched_and_relu():
    x, U, V = arr(8, 3, seed=11), arr(4, 3, seed=12, scale=0.5), arr(2, 4, 4, seed=13, scale=0.3)
    relu = lambda v: jnp.maximum(v, 0.0)  # noqa: E731
    zeros_b, zeros_h0 = jnp.zeros(4), jnp.zeros((1, 2, 4))
    g = jax.grad(lambda x, U, V: jnp.sum(rj.rnn(x, U, V, activation="relu") ** 2), argnums=(0, 1, 2))(x, U, V)
    g_ref = jax.grad(
        lambda x, U, V: jnp.sum(scan_rnn(x[None], U, V, zeros_b, zeros_h0, relu) ** 2), argnums=(0, 1, 2)
    )(x, U, V)
    for p, q in zip(g, g_ref):
        close(p, q)


def test_rnn_vmap():
    x, U, V = arr(3, 2, 6, 3, seed=14), arr(4, 3, seed=15, scale=0.5), arr(1, 4, 4, seed=16, scale=0.3)
    close(jax.vmap(lambda x: rj.rnn(x, U, V))(x), rj.rnn(x.reshape(6, 6, 3), U, V).reshape(3, 2, 6, 4), 1e-14)


# --- documented limits and bad input ---------------------------------------------------------------

def test_forward_mode_is_not_supported():
    x = arr(2, 10, seed=17)
    with pytest.raises(TypeError):
        jax.jvp(lambda x: rj.lfilter(B_, A_, x), (x,), (x,))


@pytest.mark.parametrize(
    "call, error, text",
    [
        (lambda: rj.lfilter(B_, A_, jnp.zeros((2, 5), jnp.float16)), TypeError, "x has dtype float16"),
        (lambda: rj.lfilter(B_, A_, jnp.zeros((2, 5), jnp.complex64)), TypeError, "x must be real"),
        (lambda: rj.lfilter(jnp.zeros(0), A_, jnp.zeros((2, 5))), ValueError, "b must be"),
        (lambda: rj.lfilter(B_, A_, jnp.zeros((2, 5)), zi=jnp.zeros((2, 3))), ValueError, "zi must have shape (2, 2)"),
        (lambda: rj.lfilter(B_, A_, jnp.zeros((2, 5)), axis=2), ValueError, "axis"),
        (lambda: rj.rnn(jnp.zeros((2, 5, 3)), jnp.zeros((4, 2)), jnp.zeros((1, 4, 4))), ValueError, "U must have shape"),
        (lambda: rj.rnn(jnp.zeros((2, 5, 3)), jnp.zeros((4, 3)), jnp.zeros((4, 4))), ValueError, "V must have shape"),
        (lambda: rj.rnn(jnp.zeros((2, 5, 3)), jnp.zeros((4, 3)), jnp.zeros((1, 4, 4)), b=jnp.zeros(3)), ValueError, "b must"),
        (lambda: rj.rnn(jnp.zeros((2, 5, 3)), jnp.zeros((4, 3)), jnp.zeros((1, 4, 4)), h0=jnp.zeros((3, 4))), ValueError, "h0"),
        (lambda: rj.rnn(jnp.zeros((5,)), jnp.zeros((4, 3)), jnp.zeros((1, 4, 4))), ValueError, "x must have shape"),
        (lambda: rj.rnn(jnp.zeros((2, 5, 3)), jnp.zeros((4, 3)), jnp.zeros((1, 4, 4)), activation="gelu"), ValueError, "activation"),
    ],
)
def test_bad_input(call, error, text):
    with pytest.raises(error) as info:
        call()
    assert text in str(info.value)
