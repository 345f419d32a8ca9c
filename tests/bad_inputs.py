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
