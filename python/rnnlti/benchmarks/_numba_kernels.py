"""The numba peer of the linear group: prange over channels, a plain loop in time (imports numba)."""
import numba
import numpy as np


@numba.njit(parallel=True, fastmath=False, cache=True)
def fir_rows(h, x, y):
    """y[c, n] = sum_m h[m] x[c, n-m] for every row c of a 2-D x (any strides)."""
    k = h.shape[0]
    for c in numba.prange(x.shape[0]):
        for n in range(x.shape[1]):
            acc = x[c, n] * 0  # x's dtype: float32 stays float32
            for m in range(min(k, n + 1)):
                acc += h[m] * x[c, n - m]
            y[c, n] = acc
    return y


@numba.njit(parallel=True, fastmath=False, cache=True)
def lfilter_rows(b, a, x, y):
    """Transposed direct form II along each row of a 2-D x; b and a of equal length, a[0] == 1."""
    n_state = b.shape[0] - 1
    for c in numba.prange(x.shape[0]):
        z = np.zeros(n_state + 1, dtype=x.dtype)
        for n in range(x.shape[1]):
            xn = x[c, n]
            yn = b[0] * xn + z[0]
            for k in range(n_state - 1):
                z[k] = b[k + 1] * xn + z[k + 1] - a[k + 1] * yn
            z[n_state - 1] = b[n_state] * xn - a[n_state] * yn
            y[c, n] = yn
    return y
