"""The bad-input table: each malformed call, the exception it must raise, and the argument its
message must name.  One place for every public function; test_errors.py runs it, checks that every
public function has rows and that the README's "Errors" section lists them.  Append rows for new
functions here (the id starts with the function's name).

NOT_ERRORS lists inputs that look wrong but are valid and must give an answer (IEEE values, empty
signals, unstable filters...): each row's check receives the call's result."""
import re

import numpy as np

import rnnlti


def names_argument(message: str, name: str) -> bool:
    """Does an error message name the argument?  It must start with the name (the library's
    convention: "x must be ...", "a[0] must be ...", "axis=3 is ...") or quote it ('x', `x`)."""
    return bool(re.match(rf"{re.escape(name)}(?![\w])", message)) or any(q + name + q in message for q in "'`\"")

X = np.ones((2, 10))


def _dask():
    """rnnlti.dask, imported only when a row runs (this table must not need Dask to be imported)."""
    import rnnlti.dask

    return rnnlti.dask


def _chunked():
    import dask.array as da

    return da.ones((2, 10), chunks=(1, 5))

# (id, call, exception type, substring of the message)
BAD_INPUTS = [
    ("lfilter a[0]=0", lambda: rnnlti.lfilter([1.0], [0.0, 1.0], X), ValueError, "a[0]"),
    ("lfilter empty b", lambda: rnnlti.lfilter([], [1.0], X), ValueError, "b"),
    ("lfilter empty a", lambda: rnnlti.lfilter([1.0], [], X), ValueError, "a"),
    ("lfilter 0-d b", lambda: rnnlti.lfilter(1.0, [1.0], X), ValueError, "b"),
    ("lfilter bank b not broadcastable", lambda: rnnlti.lfilter(np.ones((3, 2)), [1.0], X), ValueError, "b"),
    ("lfilter zi wrong shape", lambda: rnnlti.lfilter([1.0, 2.0], [1.0], X, zi=np.zeros((2, 2))), ValueError, "zi"),
    ("lfilter complex x", lambda: rnnlti.lfilter([1.0], [1.0], X + 1j), TypeError, "x"),
    ("lfilter object x", lambda: rnnlti.lfilter([1.0], [1.0], np.array(["a", "b"], dtype=object)), TypeError, "x"),
    ("lfilter string b", lambda: rnnlti.lfilter("ab", [1.0], X), TypeError, "b"),
    ("lfilter complex a", lambda: rnnlti.lfilter([1.0], [1.0, 0.5j], X), TypeError, "a"),
    ("lfilter axis out of range", lambda: rnnlti.lfilter([1.0], [1.0], X, axis=2), ValueError, "axis"),
    ("lfilter axis not int", lambda: rnnlti.lfilter([1.0], [1.0], X, axis=0.5), TypeError, "axis"),
    ("lfilter 0-d x", lambda: rnnlti.lfilter([1.0], [1.0], 3.0), ValueError, "x"),
    ("lfilter out wrong shape", lambda: rnnlti.lfilter([1.0], [1.0], X, out=np.empty((10, 2))), ValueError, "out"),
    ("lfilter out wrong dtype", lambda: rnnlti.lfilter([1.0], [1.0], X, out=np.empty((2, 10), np.float32)), ValueError, "out"),
    ("lfilter out read-only", lambda: rnnlti.lfilter([1.0], [1.0], X, out=np.broadcast_to(np.empty(10), (2, 10))), ValueError, "out"),
    ("lfilter out not array", lambda: rnnlti.lfilter([1.0], [1.0], X, out=[0.0] * 20), TypeError, "out"),
    ("lfilter ragged x", lambda: rnnlti.lfilter([1.0], [1.0], [[1.0], [1.0, 2.0]]), TypeError, "x"),
    ("fir empty h", lambda: rnnlti.fir([], X), ValueError, "h"),
    ("fir complex x", lambda: rnnlti.fir([1.0], X * 1j), TypeError, "x"),
    ("fir axis", lambda: rnnlti.fir([1.0], X, axis=-3), ValueError, "axis"),
    ("fir 2-d h that does not broadcast", lambda: rnnlti.fir(np.ones((5, 3)), X), ValueError, "h"),
    ("lfilter_zi 2-d b", lambda: rnnlti.lfilter_zi(np.ones((2, 2)), [1.0]), ValueError, "b"),
    ("lfilter_zi zero a", lambda: rnnlti.lfilter_zi([1.0], [0.0, 0.0]), ValueError, "a"),
    ("freqz negative worN", lambda: rnnlti.freqz([1.0], worN=-1), ValueError, "worN"),
    ("set_num_threads negative", lambda: rnnlti.set_num_threads(-1), ValueError, "n"),
    # dense_forward / dense_backward (the fully-connected network of section 5)
    ("dense_forward W1 1-D", lambda: rnnlti.dense_forward(np.ones(3), np.ones(3), np.ones((2, 3))), ValueError, "W1"),
    ("dense_forward W2 columns", lambda: rnnlti.dense_forward(np.ones(3), np.ones((4, 3)), np.ones((2, 3))), ValueError, "W2"),
    ("dense_forward x width", lambda: rnnlti.dense_forward(np.ones((5, 2)), np.ones((4, 3)), np.ones((2, 4))), ValueError, "x"),
    ("dense_forward 0-d x", lambda: rnnlti.dense_forward(1.0, np.ones((4, 3)), np.ones((2, 4))), ValueError, "x"),
    ("dense_forward b1 shape", lambda: rnnlti.dense_forward(np.ones(3), np.ones((4, 3)), np.ones((2, 4)), b1=np.ones(3)), ValueError, "b1"),
    ("dense_forward b2 shape", lambda: rnnlti.dense_forward(np.ones(3), np.ones((4, 3)), np.ones((2, 4)), b2=np.ones((1, 2))), ValueError, "b2"),
    ("dense_forward activation", lambda: rnnlti.dense_forward(np.ones(3), np.ones((4, 3)), np.ones((2, 4)), activation="softplus"), ValueError, "activation"),
    ("dense_forward output_activation", lambda: rnnlti.dense_forward(np.ones(3), np.ones((4, 3)), np.ones((2, 4)), output_activation="elu"), ValueError, "activation"),
    ("dense_forward complex x", lambda: rnnlti.dense_forward(np.ones(3) * 1j, np.ones((4, 3)), np.ones((2, 4))), TypeError, "x"),
    ("dense_backward h batch", lambda: rnnlti.dense_backward(np.ones((5, 3)), np.ones((4, 3)), np.ones((2, 4)), np.ones((6, 4)), np.ones((5, 2)), np.ones((5, 2))), ValueError, "h"),
    ("dense_backward h width", lambda: rnnlti.dense_backward(np.ones((5, 3)), np.ones((4, 3)), np.ones((2, 4)), np.ones((5, 3)), np.ones((5, 2)), np.ones((5, 2))), ValueError, "h"),
    ("dense_backward yhat", lambda: rnnlti.dense_backward(np.ones((5, 3)), np.ones((4, 3)), np.ones((2, 4)), np.ones((5, 4)), np.ones((5, 3)), np.ones((5, 2))), ValueError, "yhat"),
    ("dense_backward dyhat", lambda: rnnlti.dense_backward(np.ones((5, 3)), np.ones((4, 3)), np.ones((2, 4)), np.ones((5, 4)), np.ones((5, 2)), np.ones(2)), ValueError, "dyhat"),
    ("dense_backward string W2", lambda: rnnlti.dense_backward(np.ones(3), np.ones((4, 3)), "W2", np.ones(4), np.ones(2), np.ones(2)), TypeError, "W2"),
    # nonlinear filters and their gradients
    ("nonlinear_fir unknown activation", lambda: rnnlti.nonlinear_fir([1.0], X, "softplus"), ValueError, "activation"),
    ("nonlinear_fir activation not a string", lambda: rnnlti.nonlinear_fir([1.0], X, None), ValueError, "activation"),
    ("nonlinear_fir empty w", lambda: rnnlti.nonlinear_fir([], X), ValueError, "w"),
    ("nonlinear_fir 2-d w", lambda: rnnlti.nonlinear_fir(np.ones((2, 2)), X), ValueError, "w"),
    ("nonlinear_fir complex x", lambda: rnnlti.nonlinear_fir([1.0], X * 1j), TypeError, "x"),
    ("nonlinear_fir complex w", lambda: rnnlti.nonlinear_fir([1j], X), TypeError, "w"),
    ("nonlinear_fir 0-d x", lambda: rnnlti.nonlinear_fir([1.0], 2.0), ValueError, "x"),
    ("nonlinear_fir axis", lambda: rnnlti.nonlinear_fir([1.0], X, axis=2), ValueError, "axis"),
    ("nonlinear_fir out wrong shape", lambda: rnnlti.nonlinear_fir([1.0], X, out=np.empty(3)), ValueError, "out"),
    ("nonlinear_fir_backward yhat wrong shape", lambda: rnnlti.nonlinear_fir_backward([1.0], X, X[:, :5], X), ValueError, "yhat"),
    ("nonlinear_fir_backward dyhat wrong shape", lambda: rnnlti.nonlinear_fir_backward([1.0], X, X, X.T), ValueError, "dyhat"),
    ("nonlinear_fir_backward string dyhat", lambda: rnnlti.nonlinear_fir_backward([1.0], X, X, "ab"), TypeError, "dyhat"),
    ("nonlinear_fir_backward unknown activation", lambda: rnnlti.nonlinear_fir_backward([1.0], X, X, X, "Tanh"), ValueError, "activation"),
    ("nonlinear_iir unknown activation", lambda: rnnlti.nonlinear_iir([0.5], X, "gelu"), ValueError, "activation"),
    ("nonlinear_iir empty w", lambda: rnnlti.nonlinear_iir([], X), ValueError, "w"),
    ("nonlinear_iir 2-d w", lambda: rnnlti.nonlinear_iir([[0.5]], X), ValueError, "w"),
    ("nonlinear_iir h0 wrong length", lambda: rnnlti.nonlinear_iir([0.5, 0.1], X, h0=np.zeros((2, 3))), ValueError, "h0"),
    ("nonlinear_iir h0 wrong ndim", lambda: rnnlti.nonlinear_iir([0.5], X, h0=np.zeros(1)), ValueError, "h0"),
    ("nonlinear_iir complex h0", lambda: rnnlti.nonlinear_iir([0.5], X, h0=np.zeros((2, 1)) * 1j), TypeError, "h0"),
    ("nonlinear_iir object x", lambda: rnnlti.nonlinear_iir([0.5], np.array([None, 1]), h0=None), TypeError, "x"),
    ("nonlinear_iir axis not int", lambda: rnnlti.nonlinear_iir([0.5], X, axis="0"), TypeError, "axis"),
    ("nonlinear_iir out wrong dtype", lambda: rnnlti.nonlinear_iir([0.5], X, out=np.empty((2, 10), np.float32)), ValueError, "out"),
    ("nonlinear_iir_backward dh_partial wrong shape", lambda: rnnlti.nonlinear_iir_backward([0.5], X, X[:1]), ValueError, "dh_partial"),
    ("nonlinear_iir_backward h0 wrong shape", lambda: rnnlti.nonlinear_iir_backward([0.5], X, X, h0=np.zeros((3, 1))), ValueError, "h0"),
    ("nonlinear_iir_backward complex h", lambda: rnnlti.nonlinear_iir_backward([0.5], X * 1j, X), TypeError, "h"),
    ("nonlinear_iir_backward unknown activation", lambda: rnnlti.nonlinear_iir_backward([0.5], X, X, "elu"), ValueError, "activation"),
    ("lfilter_backward a[0]=0", lambda: rnnlti.lfilter_backward([1.0], [0.0, 1.0], X, X, X), ValueError, "a[0]"),
    ("lfilter_backward empty b", lambda: rnnlti.lfilter_backward([], [1.0], X, X, X), ValueError, "b"),
    ("lfilter_backward y wrong shape", lambda: rnnlti.lfilter_backward([1.0], [1.0], X, X[0], X), ValueError, "y"),
    ("lfilter_backward dy wrong shape", lambda: rnnlti.lfilter_backward([1.0], [1.0], X, X, X[:, 1:]), ValueError, "dy"),
    ("lfilter_backward y=None dy wrong shape", lambda: rnnlti.lfilter_backward([1.0], [1.0], X, None, X[:, 1:]), ValueError, "dy"),
    ("lfilter_backward y=None complex x", lambda: rnnlti.lfilter_backward([1.0], [1.0], X * 1j, None, X), TypeError, "x"),
    ("lfilter_backward zi wrong shape", lambda: rnnlti.lfilter_backward([1.0, 2.0], [1.0], X, X, X, zi=np.zeros((2, 2))), ValueError, "zi"),
    ("lfilter_backward complex dy", lambda: rnnlti.lfilter_backward([1.0], [1.0], X, X, X * 1j), TypeError, "dy"),
    ("lfilter_backward bank b not broadcastable", lambda: rnnlti.lfilter_backward(np.ones((3, 2)), [1.0], X, X, X), ValueError, "b"),
    # models and optimisers
    ("NonlinearIIR order 0", lambda: rnnlti.NonlinearIIR(0), ValueError, "order"),
    ("NonlinearIIR order float", lambda: rnnlti.NonlinearIIR(2.5), TypeError, "order"),
    ("NonlinearIIR unknown activation", lambda: rnnlti.NonlinearIIR(2, "softplus"), ValueError, "activation"),
    ("NonlinearIIR int dtype", lambda: rnnlti.NonlinearIIR(2, dtype=np.int64), TypeError, "dtype"),
    ("NonlinearIIR y shape", lambda: rnnlti.NonlinearIIR(2).loss_and_grads(X, X[:, :5]), ValueError, "y"),
    ("NonlinearIIR complex x", lambda: rnnlti.NonlinearIIR(2).loss_and_grads(X * 1j, X), TypeError, "x"),
    ("NonlinearIIR scalar x", lambda: rnnlti.NonlinearIIR(2).loss_and_grads(1.0, 1.0), ValueError, "x"),
    ("RNN hidden_size 0", lambda: rnnlti.RNN(1, 0, 1), ValueError, "hidden_size"),
    ("RNN delays 0", lambda: rnnlti.RNN(1, 2, 1, delays=0), ValueError, "delays"),
    ("RNN x feature size", lambda: rnnlti.RNN(3, 2, 1).loss_and_grads(np.ones((2, 5, 2)), np.ones(1)), ValueError, "x"),
    ("RNN x 1-d", lambda: rnnlti.RNN(1, 2, 1).loss_and_grads(np.ones(5), np.ones(1)), ValueError, "x"),
    ("RNN y not broadcastable", lambda: rnnlti.RNN(1, 2, 2).loss_and_grads(np.ones((2, 5, 1)), np.ones((2, 5, 3))), ValueError, "y"),
    ("RNN string y", lambda: rnnlti.RNN(1, 2, 1).loss_and_grads(np.ones((2, 5, 1)), "y"), TypeError, "y"),
    ("fit negative epochs", lambda: rnnlti.NonlinearIIR(2).fit(X, X, epochs=-1, lr=0.1), ValueError, "epochs"),
    ("fit lr 0", lambda: rnnlti.NonlinearIIR(2).fit(X, X, epochs=1, lr=0.0), ValueError, "lr"),
    ("fit unknown optimizer", lambda: rnnlti.NonlinearIIR(2).fit(X, X, 1, 0.1, optimizer="lbfgs"), ValueError, "optimizer"),
    ("fit optimizer without step", lambda: rnnlti.NonlinearIIR(2).fit(X, X, 1, 0.1, optimizer=object()), TypeError, "optimizer"),
    ("fit batch_size 0", lambda: rnnlti.NonlinearIIR(2).fit(X, X, 1, 0.1, batch_size=0), ValueError, "batch_size"),
    ("fit truncate 0", lambda: rnnlti.NonlinearIIR(2).fit(X, X, 1, 0.1, truncate=0), ValueError, "truncate"),
    ("fit negative clip", lambda: rnnlti.NonlinearIIR(2).fit(X, X, 1, 0.1, clip=-1.0), ValueError, "clip"),
    ("clip_grad_norm NaN max_norm", lambda: rnnlti.optim.clip_grad_norm({"w": X}, float("nan")), ValueError, "max_norm"),
    ("Adam beta 1", lambda: rnnlti.optim.Adam(0.1, betas=(1.0, 0.999)), ValueError, "betas"),
]

# The vector RNN (rnnlti.rnn).  x (2, 5, 3), U (4, 3), V (2, 4, 4).
RX, RU, RV = np.ones((2, 5, 3)), np.ones((4, 3)), np.zeros((2, 4, 4))
RH = np.zeros((2, 5, 4))
BAD_INPUTS += [
    ("rnn_forward x 1-d", lambda: rnnlti.rnn_forward(np.ones(5), RU, RV), ValueError, "x"),
    ("rnn_forward x 4-d", lambda: rnnlti.rnn_forward(np.ones((1, 2, 5, 3)), RU, RV), ValueError, "x"),
    ("rnn_forward mismatched D", lambda: rnnlti.rnn_forward(RX, np.ones((4, 2)), RV), ValueError, "U"),
    ("rnn_forward U 1-d", lambda: rnnlti.rnn_forward(RX, np.ones(3), RV), ValueError, "U"),
    ("rnn_forward mismatched N", lambda: rnnlti.rnn_forward(RX, RU, np.zeros((2, 5, 5))), ValueError, "V"),
    ("rnn_forward V not square", lambda: rnnlti.rnn_forward(RX, RU, np.zeros((2, 4, 3))), ValueError, "V"),
    ("rnn_forward V 2-d", lambda: rnnlti.rnn_forward(RX, RU, np.zeros((4, 4))), ValueError, "V"),
    ("rnn_forward V no delay", lambda: rnnlti.rnn_forward(RX, RU, np.zeros((0, 4, 4))), ValueError, "V"),
    ("rnn_forward V empty list", lambda: rnnlti.rnn_forward(RX, RU, []), ValueError, "V"),
    ("rnn_forward V list mismatched", lambda: rnnlti.rnn_forward(RX, RU, [np.zeros((4, 4)), np.zeros((3, 3))]), ValueError, "V[1]"),
    ("rnn_forward b wrong size", lambda: rnnlti.rnn_forward(RX, RU, RV, b=np.zeros(3)), ValueError, "b"),
    ("rnn_forward h0 wrong M", lambda: rnnlti.rnn_forward(RX, RU, RV, h0=np.zeros((2, 1, 4))), ValueError, "h0"),
    ("rnn_forward h0 wrong B", lambda: rnnlti.rnn_forward(RX, RU, RV, h0=np.zeros((3, 2, 4))), ValueError, "h0"),
    ("rnn_forward h0 batched for unbatched x", lambda: rnnlti.rnn_forward(RX[0], RU, RV, h0=np.zeros((1, 2, 4))), ValueError, "h0"),
    ("rnn_forward unknown activation", lambda: rnnlti.rnn_forward(RX, RU, RV, activation="gelu"), ValueError, "activation"),
    ("rnn_forward complex x", lambda: rnnlti.rnn_forward(RX + 1j, RU, RV), TypeError, "x"),
    ("rnn_forward complex V", lambda: rnnlti.rnn_forward(RX, RU, RV + 1j), TypeError, "V"),
    ("rnn_forward string U", lambda: rnnlti.rnn_forward(RX, "U", RV), TypeError, "U"),
    ("rnn_forward object h0", lambda: rnnlti.rnn_forward(RX, RU, RV, h0=np.zeros((2, 4), dtype=object)), TypeError, "h0"),
    ("rnn_backward h wrong shape", lambda: rnnlti.rnn_backward(RX, np.zeros((2, 5, 3)), RU, RV, RH), ValueError, "h"),
    ("rnn_backward dh_partial wrong shape", lambda: rnnlti.rnn_backward(RX, RH, RU, RV, np.zeros((2, 4, 4))), ValueError, "dh_partial"),
    ("rnn_backward complex dh_partial", lambda: rnnlti.rnn_backward(RX, RH, RU, RV, RH + 1j), TypeError, "dh_partial"),
    ("rnn_backward h0 wrong shape", lambda: rnnlti.rnn_backward(RX, RH, RU, RV, RH, h0=np.zeros((2, 4))[None, None]), ValueError, "h0"),
    ("rnn_backward unknown activation", lambda: rnnlti.rnn_backward(RX, RH, RU, RV, RH, activation=None), ValueError, "activation"),
    ("readout_loss W mismatched N", lambda: rnnlti.readout_loss(RH, np.ones((2, 3)), np.zeros(2)), ValueError, "W"),
    ("readout_loss h 1-d", lambda: rnnlti.readout_loss(np.ones(4), np.ones((2, 4)), np.zeros(2)), ValueError, "h"),
    ("readout_loss y not broadcastable", lambda: rnnlti.readout_loss(RH, np.ones((2, 4)), np.zeros(3)), ValueError, "y"),
    ("readout_loss y too many dims", lambda: rnnlti.readout_loss(RH, np.ones((2, 4)), np.zeros((1, 2, 5, 2))), ValueError, "y"),
    ("readout_loss c wrong size", lambda: rnnlti.readout_loss(RH, np.ones((2, 4)), np.zeros(2), c=np.zeros(4)), ValueError, "c"),
    ("readout_loss complex y", lambda: rnnlti.readout_loss(RH, np.ones((2, 4)), np.zeros(2) + 1j), TypeError, "y"),
]

SOS = [[1.0, 0.5, 0.2, 1.0, -0.3, 0.1]]

BAD_INPUTS += [
    ("sosfilt 1-d sos", lambda: rnnlti.sosfilt([1.0, 0.0, 0.0, 1.0, 0.0, 0.0], X), ValueError, "sos"),
    ("sosfilt sos rows of 5", lambda: rnnlti.sosfilt(np.ones((2, 5)), X), ValueError, "sos"),
    ("sosfilt a0 not 1", lambda: rnnlti.sosfilt([[1.0, 0.0, 0.0, 2.0, 0.0, 0.0]], X), ValueError, "sos"),
    ("sosfilt bank does not broadcast", lambda: rnnlti.sosfilt(np.tile(SOS, (3, 1, 1)), X), ValueError, "sos"),
    ("sosfilt complex sos", lambda: rnnlti.sosfilt(np.array(SOS) * 1j, X), TypeError, "sos"),
    ("sosfilt complex x", lambda: rnnlti.sosfilt(SOS, X + 1j), TypeError, "x"),
    ("sosfilt 0-d x", lambda: rnnlti.sosfilt(SOS, 1.0), ValueError, "x"),
    ("sosfilt axis out of range", lambda: rnnlti.sosfilt(SOS, X, axis=2), ValueError, "axis"),
    ("sosfilt zi wrong shape", lambda: rnnlti.sosfilt(SOS, X, zi=np.zeros((2, 2))), ValueError, "zi"),
    ("sosfilt zi time axis 3", lambda: rnnlti.sosfilt(SOS, X, zi=np.zeros((1, 2, 3))), ValueError, "zi"),
    ("sosfilt out wrong shape", lambda: rnnlti.sosfilt(SOS, X, out=np.empty((10, 2))), ValueError, "out"),
    ("sosfilt_zi 1-d", lambda: rnnlti.sosfilt_zi([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]), ValueError, "sos"),
    ("sosfilt_zi pole at 1", lambda: rnnlti.sosfilt_zi([[1.0, 0.0, 0.0, 1.0, -1.0, 0.0]]), ValueError, "sos"),
    ("filtfilt bad padtype", lambda: rnnlti.filtfilt([1.0, 1.0], [1.0, -0.5], X, padtype="wrap"), ValueError, "padtype"),
    ("filtfilt padlen too long", lambda: rnnlti.filtfilt([1.0, 1.0], [1.0, -0.5], X, padlen=10), ValueError, "padlen"),
    ("filtfilt default padlen too long", lambda: rnnlti.filtfilt(np.ones(4), [1.0, -0.5], X), ValueError, "padlen"),
    ("filtfilt negative padlen", lambda: rnnlti.filtfilt([1.0, 1.0], [1.0, -0.5], X, padlen=-1), ValueError, "padlen"),
    ("filtfilt fractional padlen", lambda: rnnlti.filtfilt([1.0, 1.0], [1.0, -0.5], X, padlen=1.5), ValueError, "padlen"),
    ("filtfilt 2-d b", lambda: rnnlti.filtfilt(np.ones((2, 2)), [1.0, -0.5], X), ValueError, "b"),
    ("filtfilt a[0]=0", lambda: rnnlti.filtfilt([1.0], [0.0, 1.0], X), ValueError, "a[0]"),
    ("filtfilt complex x", lambda: rnnlti.filtfilt([1.0], [1.0, -0.5], X * 1j), TypeError, "x"),
    ("filtfilt axis", lambda: rnnlti.filtfilt([1.0], [1.0, -0.5], X, axis=5), ValueError, "axis"),
    ("sosfiltfilt bad padtype", lambda: rnnlti.sosfiltfilt(SOS, X, padtype="zeros"), ValueError, "padtype"),
    ("sosfiltfilt x too short", lambda: rnnlti.sosfiltfilt(SOS, X[:, :5]), ValueError, "padlen"),
    ("sosfiltfilt a0 not 1", lambda: rnnlti.sosfiltfilt([[1.0, 0.0, 0.0, 0.0, 0.0, 0.0]], X), ValueError, "sos"),
    ("sosfiltfilt bank does not broadcast", lambda: rnnlti.sosfiltfilt(np.tile(SOS, (3, 1, 1)), X), ValueError, "sos"),
    ("lfiltic empty a", lambda: rnnlti.lfiltic([1.0], [], [1.0]), ValueError, "a"),
    ("lfiltic a[0]=0", lambda: rnnlti.lfiltic([1.0], [0.0, 1.0], [1.0]), ValueError, "a[0]"),
    ("lfiltic 2-d b", lambda: rnnlti.lfiltic(np.ones((2, 2)), [1.0, 0.5], [1.0]), ValueError, "b"),
    ("lfiltic 2-d y", lambda: rnnlti.lfiltic([1.0], [1.0, 0.5], np.ones((2, 2))), ValueError, "y"),
    ("lfiltic complex x", lambda: rnnlti.lfiltic([1.0, 1.0], [1.0, 0.5], [1.0], x=[1j]), TypeError, "x"),
]

BAD_INPUTS += [
    ("sosfilt_backward dy wrong shape", lambda: rnnlti.sosfilt_backward(SOS, X, np.ones((2, 9))), ValueError, "dy"),
    ("sosfilt_backward complex dy", lambda: rnnlti.sosfilt_backward(SOS, X, X * 1j), TypeError, "dy"),
    ("sosfilt_backward zi wrong shape", lambda: rnnlti.sosfilt_backward(SOS, X, X, zi=np.zeros((1, 2, 3))), ValueError, "zi"),
    ("sosfilt_backward a0 not 1", lambda: rnnlti.sosfilt_backward([[1.0, 0, 0, 3.0, 0, 0]], X, X), ValueError, "sos"),
    ("sosfilt_backward bank does not broadcast", lambda: rnnlti.sosfilt_backward(np.tile(SOS, (3, 1, 1)), X, X), ValueError, "sos"),
    ("dask lfilter numpy x", lambda: _dask().lfilter([1.0], [1.0, 0.5], X), TypeError, "x"),
    ("dask fir numpy x", lambda: _dask().fir([1.0, 1.0], X), TypeError, "x"),
    ("dask lfilter zi wrong shape", lambda: _dask().lfilter([1.0], [1.0, 0.5], _chunked(), zi=np.zeros((2, 3))), ValueError, "zi"),
    # Appended by the reliability work (issue 7): the remaining cases of the linear functions.
    ("lfilter zi complex", lambda: rnnlti.lfilter([1.0, 2.0], [1.0], X, zi=np.zeros((2, 1)) + 1j), TypeError, "zi"),
    ("lfilter zi time axis does not broadcast", lambda: rnnlti.lfilter([1.0, 2.0, 3.0], [1.0], X, zi=np.zeros((2, 1))), ValueError, "zi"),
    ("lfilter zi wrong ndim", lambda: rnnlti.lfilter([1.0, 2.0], [1.0], X, zi=np.zeros(1)), ValueError, "zi"),
    ("lfilter a[0]=0 in one filter of a bank", lambda: rnnlti.lfilter([1.0], [[1.0], [0.0]], X), ValueError, "a[0]"),
    ("lfilter bank b would enlarge x", lambda: rnnlti.lfilter(np.ones((3, 2, 1)), [1.0], X), ValueError, "b"),
    ("lfilter datetime x", lambda: rnnlti.lfilter([1.0], [1.0], np.zeros(3, "M8[s]")), TypeError, "x"),
    ("lfilter out misaligned", lambda: rnnlti.lfilter([1.0], [1.0], X, out=np.frombuffer(bytearray(161), np.float64, 20, 1).reshape(2, 10)), ValueError, "out"),
    ("lfilter out big-endian", lambda: rnnlti.lfilter([1.0], [1.0], X, out=np.zeros((2, 10), ">f8")), ValueError, "out"),
    ("fir 0-d x", lambda: rnnlti.fir([1.0], 2.0), ValueError, "x"),
    ("fir object x", lambda: rnnlti.fir([1.0], X.astype(object)), TypeError, "x"),
    ("fir 0-d h", lambda: rnnlti.fir(1.0, X), ValueError, "h"),
    ("fir complex h", lambda: rnnlti.fir([1j], X), TypeError, "h"),
    ("fir axis not int", lambda: rnnlti.fir([1.0], X, axis="0"), TypeError, "axis"),
    ("fir out wrong shape", lambda: rnnlti.fir([1.0], X, out=np.empty(20)), ValueError, "out"),
    ("lfilter_zi pole at z=1 (singular)", lambda: rnnlti.lfilter_zi([1.0, 1.0], [1.0, -1.0]), ValueError, "a"),
    ("lfilter_zi empty b", lambda: rnnlti.lfilter_zi([], [1.0]), ValueError, "b"),
    ("lfilter_zi complex a", lambda: rnnlti.lfilter_zi([1.0], [1.0, 1j]), TypeError, "a"),
    ("freqz 2-d b", lambda: rnnlti.freqz(np.ones((2, 2))), ValueError, "b"),
    ("freqz complex a", lambda: rnnlti.freqz([1.0], [1.0, 1j]), TypeError, "a"),
    ("freqz fs not positive", lambda: rnnlti.freqz([1.0], fs=0), ValueError, "fs"),
    ("freqz complex worN", lambda: rnnlti.freqz([1.0], worN=[1j]), TypeError, "worN"),
    ("set_num_threads not an integer", lambda: rnnlti.set_num_threads(1.5), TypeError, "n"),
    ("set_num_threads beyond int32", lambda: rnnlti.set_num_threads(2**40), ValueError, "n"),
]


def _finite(shape):
    def check(y):
        assert np.shape(y) == shape and np.isfinite(y).all()
    return check


def _all_nan(y):
    assert np.isnan(y).all()


# (id, call, check of the result): valid inputs that must not raise.
NOT_ERRORS = [
    ("lfilter NaN coefficient", lambda: rnnlti.lfilter([1.0, np.nan], [1.0], X), lambda y: np.isnan(y[:, 1:]).all()),
    ("lfilter NaN a[0]", lambda: rnnlti.lfilter([1.0], [np.nan], X), _all_nan),
    ("lfilter inf in x", lambda: rnnlti.lfilter([1.0], [1.0, -0.5], np.array([1.0, np.inf, 1.0])), lambda y: np.isposinf(y[1:]).all()),
    ("lfilter unstable filter overflows to inf", lambda: rnnlti.lfilter([1.0], [1.0, -2.0], np.ones(2000)), lambda y: np.isposinf(y[-1])),
    ("lfilter zero-length time axis with zi", lambda: rnnlti.lfilter([1.0, 2.0], [1.0], np.ones((2, 0)), zi=np.ones((2, 1))), lambda r: r[0].shape == (2, 0) and (r[1] == 1).all()),
    ("lfilter zero channels", lambda: rnnlti.lfilter([1.0], [1.0], np.ones((0, 5))), lambda y: y.shape == (0, 5)),
    ("lfilter integer and bool input", lambda: rnnlti.lfilter([1], [2], np.array([True, False])), lambda y: y.dtype == np.float64),
    ("lfilter broadcast (zero-stride) x", lambda: rnnlti.lfilter([1.0], [1.0, 0.5], np.broadcast_to(np.arange(4.0), (3, 4))), _finite((3, 4))),
    ("lfilter zi with size-1 channel axes", lambda: rnnlti.lfilter([1.0, 1.0], [1.0], X, zi=np.ones((1, 1))), lambda r: r[0].shape == (2, 10)),
    ("fir inf tap", lambda: rnnlti.fir([1.0, np.inf], np.array([1.0, 2.0])), lambda y: y[0] == 1.0 and np.isposinf(y[1])),
    ("fir misaligned x", lambda: rnnlti.fir([1.0], np.frombuffer(bytearray(81), np.float64, 10, 1)), _finite((10,))),
    ("lfilter_zi NaN coefficient", lambda: rnnlti.lfilter_zi([1.0, np.nan], [1.0, 0.5]), _all_nan),
    ("freqz zero on the unit circle", lambda: rnnlti.freqz([1.0], [1.0, -1.0], worN=4), lambda r: np.isinf(r[1][0])),
    ("freqz float worN is one frequency", lambda: rnnlti.freqz([1.0, 1.0], worN=0.5), lambda r: r[0].shape == (1,)),
]

# Appended by issue 7's extension to every function (rel2): states never broadcast along time.
BAD_INPUTS += [
    ("nonlinear_iir h0 time axis does not broadcast", lambda: rnnlti.nonlinear_iir([0.5, 0.1], X, h0=np.zeros((2, 1))), ValueError, "h0"),
    ("nonlinear_iir_backward h0 time axis does not broadcast", lambda: rnnlti.nonlinear_iir_backward([0.5, 0.1], X, X, h0=np.zeros((1, 1))), ValueError, "h0"),
    ("sosfilt zi time axis does not broadcast", lambda: rnnlti.sosfilt(SOS, X, zi=np.zeros((1, 2, 1))), ValueError, "zi"),
    ("sosfilt zi sections do not broadcast", lambda: rnnlti.sosfilt(SOS + SOS, X, zi=np.zeros((1, 2, 2))), ValueError, "zi"),
    ("sosfilt_backward zi time axis does not broadcast", lambda: rnnlti.sosfilt_backward(SOS, X, X, zi=np.zeros((1, 2, 1))), ValueError, "zi"),
    ("lfilter_backward zi time axis does not broadcast", lambda: rnnlti.lfilter_backward([1.0, 2.0, 3.0], [1.0], X, X, X, zi=np.zeros((2, 1))), ValueError, "zi"),
    ("filtfilt padlen not smaller than x", lambda: rnnlti.filtfilt([1.0, 1.0], [1.0, -0.5], X, padlen=12), ValueError, "padlen"),
    ("lfiltic 2-d x", lambda: rnnlti.lfiltic([1.0, 1.0], [1.0, 0.5], [1.0], x=np.ones((2, 1))), ValueError, "x"),
]
NOT_ERRORS += [
    ("lfiltic inf in y stays out of the terms it is not in", lambda: rnnlti.lfiltic([1.0], [1.0, 0.5, 0.25], [1.0, np.inf]),
     lambda zi: np.isinf(zi[0]) and np.isfinite(zi[1])),
    ("nonlinear_fir relu keeps NaN", lambda: rnnlti.nonlinear_fir([1.0], np.array([np.nan, -1.0]), "relu"),
     lambda y: np.isnan(y[0]) and y[1] == 0),
    ("rnn_forward relu keeps NaN", lambda: rnnlti.rnn_forward(np.array([[np.nan]]), np.ones((1, 1)), np.zeros((1, 1, 1)), activation="relu"),
     lambda h: np.isnan(h).all()),
]
