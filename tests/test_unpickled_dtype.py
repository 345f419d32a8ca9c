"""Arrays that crossed a process boundary (pickle, Dask and multiprocessing workers) carry an unpickled
dtype object, equal to float64's but not the same object: the kernels must accept them."""
import pickle

import numpy as np

import rnnlti


def test_unpickled_dtype_is_accepted(rng):
    for dtype in (np.float32, np.float64):
        same = pickle.loads(pickle.dumps(np.dtype(dtype)))
        x = np.frombuffer(rng.standard_normal(50).astype(dtype).tobytes(), dtype=same).reshape(5, 10)
        assert x.dtype is not np.dtype(dtype)
        np.testing.assert_array_equal(rnnlti.lfilter([1.0, 0.5], [1.0, -0.5], x),
                                      rnnlti.lfilter([1.0, 0.5], [1.0, -0.5], x.copy(order="C").astype(dtype)))
        np.testing.assert_array_equal(rnnlti.fir([1.0, 0.5], x), rnnlti.fir([1.0, 0.5], np.array(x, dtype)))
