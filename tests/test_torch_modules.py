"""rnnlti.torch's modules: RNN against torch.nn.RNN (names, init, outputs, gradients, training), delays
M > 1 against a torch loop, chunking with h_n, and the filters with learnable coefficients."""
import pytest
import torch

import rnnlti
import rnnlti.torch as rt

F64 = torch.float64


@pytest.fixture(autouse=True)
def one_thread():
    # Tiny problems: one thread avoids an OpenMP barrier per call on a loaded machine (results are
    # bitwise the same for any thread count: tests/test_torch_functions.py).
    previous = torch.get_num_threads()
    rnnlti.set_num_threads(1)
    torch.set_num_threads(1)  # the same for torch.nn.RNN's side
    yield
    rnnlti.set_num_threads(0)
    torch.set_num_threads(previous)


def pair(D=5, N=8, seed=0, **kw):
    """torch.nn.RNN and rnnlti.torch.RNN created from the same seed."""
    torch.manual_seed(seed)
    ref = torch.nn.RNN(D, N, **kw)
    torch.manual_seed(seed)
    mine = rt.RNN(D, N, **kw)
    return ref, mine


@pytest.mark.parametrize("bias", [True, False])
def test_same_names_shapes_and_initialisation_as_nn_rnn(bias):
    ref, mine = pair(bias=bias, batch_first=True)
    ref_params, mine_params = dict(ref.named_parameters()), dict(mine.named_parameters())
    assert list(ref_params) == list(mine_params)
    for name, p in ref_params.items():
        assert torch.equal(p, mine_params[name]), name
    # state dicts load both ways
    mine.load_state_dict(ref.state_dict())
    ref.load_state_dict(mine.state_dict())


def test_extra_delays_are_named_and_registered_before_the_biases():
    rnn = rt.RNN(3, 4, delays=3)
    assert [n for n, _ in rnn.named_parameters()] == [
        "weight_ih_l0", "weight_hh_l0", "weight_hh_l0_d2", "weight_hh_l0_d3", "bias_ih_l0", "bias_hh_l0"
    ]
    assert rnn.delay_weights().shape == (3, 4, 4)
    assert "delays=3" in repr(rnn)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("batch_first", [True, False])
@pytest.mark.parametrize("bias", [True, False])
def test_outputs_and_gradients_match_nn_rnn(nonlinearity, batch_first, bias):
    ref, mine = pair(nonlinearity=nonlinearity, batch_first=batch_first, bias=bias)
    ref.double(), mine.double()
    x = torch.randn((3, 11, 5) if batch_first else (11, 3, 5), dtype=F64)
    h0 = torch.randn(1, 3, 8, dtype=F64)
    grads = []
    for model in (ref, mine):
        xg, h0g = x.clone().requires_grad_(), h0.clone().requires_grad_()
        out, h_n = model(xg, h0g)
        (out.sin().sum() + h_n.square().sum()).backward()
        grads.append((out, h_n, xg.grad, h0g.grad, [p.grad for p in model.parameters()]))
    (o1, n1, gx1, gh1, gp1), (o2, n2, gx2, gh2, gp2) = grads
    for got, want in zip([o2, n2, gx2, gh2, *gp2], [o1, n1, gx1, gh1, *gp1]):
        assert got.shape == want.shape
        torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-12)


def test_unbatched_input_and_default_h0_match_nn_rnn():
    ref, mine = pair(batch_first=False)
    x = torch.randn(7, 5)
    (o1, n1), (o2, n2) = ref(x), mine(x)
    assert o2.shape == (7, 8) and n2.shape == n1.shape == (1, 8)
    torch.testing.assert_close(o2, o1, rtol=1e-5, atol=1e-6)  # float32 tolerance
    torch.testing.assert_close(n2, n1, rtol=1e-5, atol=1e-6)


def train(rnn, steps=5, dtype=torch.float32, optimizer="adam"):
    """A few steps of RNN + Linear readout + MSE: the losses seen and the final parameters."""
    torch.manual_seed(1)
    readout = torch.nn.Linear(rnn.hidden_size, 2).to(dtype)
    rnn.to(dtype)
    x = torch.randn(4, 30, rnn.input_size, dtype=dtype)
    y = torch.randn(4, 30, 2, dtype=dtype)
    params = [*rnn.parameters(), *readout.parameters()]
    opt = torch.optim.Adam(params, lr=0.01) if optimizer == "adam" else torch.optim.SGD(params, lr=0.05)
    losses = []
    for _ in range(steps):
        out, _ = rnn(x)
        loss = torch.nn.functional.mse_loss(readout(out), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses, [p.detach().clone() for p in rnn.parameters()]


@pytest.mark.parametrize("dtype, rtol", [(torch.float32, 2e-6), (F64, 1e-12)])
@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_training_reaches_the_same_losses_as_nn_rnn(dtype, rtol, optimizer):
    ref, mine = pair(batch_first=True)
    losses_ref, params_ref = train(ref, dtype=dtype, optimizer=optimizer)
    losses_mine, params_mine = train(mine, dtype=dtype, optimizer=optimizer)
    assert losses_ref[-1] < losses_ref[0]
    torch.testing.assert_close(torch.tensor(losses_mine, dtype=F64), torch.tensor(losses_ref, dtype=F64), rtol=rtol, atol=0)
    for p, q in zip(params_mine, params_ref):
        torch.testing.assert_close(p, q, rtol=100 * rtol, atol=100 * rtol)


def loop_rnn(x, Us, Vs, b, h0, g):
    """A torch loop: h[t] = g(U x[t] + sum_m V[m-1] h[t-m] + b), h0 (B, M, N) in time order."""
    M = len(Vs)
    hist = list(h0.unbind(1))
    for t in range(x.shape[1]):
        xi = x[:, t] @ Us.T + b + sum(hist[-m] @ Vs[m - 1].T for m in range(1, M + 1))
        hist.append(g(xi))
    return torch.stack(hist[M:], 1)


@pytest.mark.parametrize("delays", [2, 3])
def test_delays_against_a_torch_loop(delays):
    torch.manual_seed(2)
    rnn = rt.RNN(3, 4, delays=delays).double()
    x = torch.randn(2, 9, 3, dtype=F64, requires_grad=True)
    h0 = torch.randn(delays, 2, 4, dtype=F64, requires_grad=True)
    out, h_n = rnn(x, h0)
    V = rnn.delay_weights()
    want = loop_rnn(x, rnn.weight_ih_l0, V, rnn.bias_ih_l0 + rnn.bias_hh_l0, h0.transpose(0, 1), torch.tanh)
    torch.testing.assert_close(out, want, rtol=1e-12, atol=1e-13)
    assert h_n.shape == (delays, 2, 4)
    torch.testing.assert_close(h_n, want[:, -delays:].transpose(0, 1))
    g_mine = torch.autograd.grad(out.cos().sum(), [x, h0, *rnn.parameters()])
    g_want = torch.autograd.grad(want.cos().sum(), [x, h0, *rnn.parameters()])
    for p, q in zip(g_mine, g_want):
        torch.testing.assert_close(p, q, rtol=1e-10, atol=1e-12)


def test_module_gradcheck_float64():
    rnn = rt.RNN(2, 3, delays=2, nonlinearity="sigmoid").double()
    x = torch.randn(2, 5, 2, dtype=F64, requires_grad=True)
    h0 = torch.randn(2, 2, 3, dtype=F64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x, h0: rnn(x, h0)[0], (x, h0))


def test_h_n_carries_the_state_to_the_next_chunk_also_when_shorter_than_the_delays():
    torch.manual_seed(3)
    rnn = rt.RNN(3, 4, delays=3).double()
    x = torch.randn(2, 12, 3, dtype=F64)
    full, _ = rnn(x)
    pieces, h = [], None
    for chunk in (x[:, :5], x[:, 5:6], x[:, 6:8], x[:, 8:]):  # chunks of 1 and 2 steps < 3 delays
        out, h = rnn(chunk, h)
        pieces.append(out)
    torch.testing.assert_close(torch.cat(pieces, 1), full, rtol=1e-13, atol=1e-14)
    torch.testing.assert_close(h, full[:, -3:].transpose(0, 1))


@pytest.mark.parametrize(
    "call, error, text",
    [
        (lambda r: r(torch.zeros(2, 5, 4)), ValueError, "x must have shape (B, T, D)"),
        (lambda r: r(torch.zeros(5)), ValueError, "x must have shape"),
        (lambda r: r(torch.zeros(2, 5, 3), torch.zeros(1, 2, 4)), ValueError, "h0 must have shape (2, 2, 4)"),
        (lambda r: r([[0.0] * 3]), TypeError, "x must be a torch.Tensor"),
        (lambda r: r(torch.zeros(2, 5, 3, dtype=F64)), TypeError, "share one dtype"),
        (lambda r: r(torch.zeros(2, 5, 3, device="meta")), TypeError, "CPU"),
    ],
)
def test_rnn_module_bad_input(call, error, text):
    rnn = rt.RNN(3, 4, delays=2)
    with pytest.raises(error) as info:
        call(rnn)
    assert text in str(info.value)


def test_rnn_module_bad_arguments():
    with pytest.raises(ValueError, match="nonlinearity"):
        rt.RNN(3, 4, nonlinearity="gelu")
    with pytest.raises(ValueError, match="delays"):
        rt.RNN(3, 4, delays=0)
    with pytest.raises(ValueError, match="hidden_size"):
        rt.RNN(3, 0)
    with pytest.raises(TypeError, match="device"):
        rt.RNN(3, 4, device="meta")


# --- filters with learnable coefficients ----------------------------------------------------------

def fit(module, x, target, steps, lr):
    opt = torch.optim.Adam(module.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        loss = ((module(x) - target) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def test_lfilter_module_learns_a_filter():
    torch.manual_seed(4)
    x = torch.randn(8, 300, dtype=F64)
    target = rt.lfilter([0.3, 0.1], [1.0, -0.6], x)
    filt = rt.LFilter([0.1, 0.0], [1.0, 0.0], dtype=F64)
    losses = fit(filt, x, target, 150, 3e-2)
    assert losses[-1] < 1e-3 * losses[0]
    got = torch.cat([filt.b / filt.a[0], filt.a / filt.a[0]]).detach()
    torch.testing.assert_close(got, torch.tensor([0.3, 0.1, 1.0, -0.6], dtype=F64), rtol=0, atol=2e-2)
    y, zf = filt(x, zi=torch.zeros(8, 1, dtype=F64))
    assert zf.shape == (8, 1) and "nb=2" in repr(filt)


def test_nonlinear_iir_and_fir_modules_learn():
    torch.manual_seed(5)
    x = torch.randn(8, 200, dtype=F64)
    target = rt.nonlinear_iir([0.5, -0.2], x, "tanh")
    iir = rt.NonlinearIIR(delays=2, dtype=F64)
    losses = fit(iir, x, target, 100, 5e-2)
    assert losses[-1] < 1e-2 * losses[0]
    assert iir.w.shape == (2,) and "delays=2" in repr(iir)
    h0 = torch.zeros(8, 2, dtype=F64)
    torch.testing.assert_close(iir(x, h0), iir(x))
    fir = rt.NonlinearFIR(3, activation="sigmoid", w=[0.1, 0.0, 0.0], dtype=F64)
    losses = fit(fir, x, rt.nonlinear_fir([0.4, 0.2, -0.3], x, "sigmoid"), 100, 5e-2)
    assert losses[-1] < 1e-2 * losses[0]
    with pytest.raises(ValueError, match="w"):
        rt.NonlinearFIR(3, w=[1.0, 2.0])
    with pytest.raises(ValueError, match="activation"):
        rt.NonlinearIIR(activation="elu")
