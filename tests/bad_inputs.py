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
]
