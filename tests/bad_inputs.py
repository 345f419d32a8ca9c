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
]
