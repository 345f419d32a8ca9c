"""The bad-input table: each malformed call, the exception it must raise, and a word the message must
contain (the argument's name).  One place for every public function; test_errors.py runs it and the
README's "Errors" section summarises it.  Append rows for new functions here."""
import numpy as np

import rnnlti

X = np.ones((2, 10))

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
