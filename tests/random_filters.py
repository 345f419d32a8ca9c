"""Random stable filters, random shapes and memory layouts, and the tolerance check shared by the
sweeps against scipy (test_linear_parity, test_sos_parity, test_filtfilt_parity, test_sos_backward)."""
import numpy as np
import numpy.testing as npt
import scipy.signal as ss


def stable_denominator(rng, na):
    """A random ``a`` of length na: poles inside |z| < 0.9 (complex pairs, one real pole when the
    order is odd), so long signals stay bounded; a[0] in {1, 2.5, -0.5} exercises the normalisation."""
    pairs = 0.9 * rng.uniform(0, 1, (na - 1) // 2) * np.exp(1j * rng.uniform(0, np.pi, (na - 1) // 2))
    real = rng.uniform(-0.9, 0.9, (na - 1) % 2)
    a = np.atleast_1d(np.real(np.poly(np.concatenate([pairs, pairs.conj(), real]))))
    return a * rng.choice([1.0, 2.5, -0.5])


def random_sos(rng, n_sections):
    """Stable sections: poles of radius < 0.95, some of them first-order (b2 = a2 = 0)."""
    if n_sections and rng.random() < 0.3:
        order = 2 * n_sections - int(rng.integers(0, 2))
        return ss.butter(order, float(rng.uniform(0.05, 0.9)), output="sos")
    sos = np.zeros((n_sections, 6))
    for s in range(n_sections):
        radius, angle = rng.uniform(0, 0.95), rng.uniform(0, np.pi)
        sos[s, :3] = rng.standard_normal(3)
        sos[s, 3:] = [1.0, -2 * radius * np.cos(angle), radius**2]
        if rng.random() < 0.2:  # a first-order section
            sos[s, 2] = 0.0
            sos[s, 4:] = [-rng.uniform(-0.9, 0.9), 0.0]
    return sos


def random_shape(rng, longest):
    """1 to 4 dimensions of length 1 to 3 and a random time axis of length 0, 1, 2, 7 or below ``longest``."""
    ndim = int(rng.integers(1, 5))
    shape = [int(rng.integers(1, 4)) for _ in range(ndim)]
    axis = int(rng.integers(-ndim, ndim))
    shape[axis] = int(rng.choice([0, 1, 2, 7, int(rng.integers(0, longest))]))
    return tuple(shape), axis


def view_of(x, rng):
    """x itself, or the same values in a transposed / strided / reversed layout."""
    kind = rng.integers(0, 4)
    if kind == 0:
        return x
    if kind == 1:
        return np.asfortranarray(x)
    if kind == 2:
        big = np.zeros(tuple(2 * n for n in x.shape), x.dtype)
        big[tuple(slice(None, None, 2) for _ in x.shape)] = x
        return big[tuple(slice(None, None, 2) for _ in x.shape)]
    return np.flip(np.ascontiguousarray(np.flip(x)))


def assert_close(got, want, tol):
    """Equal within ``tol`` relative to each value, or ``tol`` times the largest |want| (at least 1)."""
    scale = max(1.0, np.abs(want).max(initial=0))
    npt.assert_allclose(got, want, rtol=tol, atol=tol * scale)
