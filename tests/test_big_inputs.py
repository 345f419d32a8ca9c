"""Index arithmetic is 64-bit: offsets beyond 2^31 elements, cheaply through huge strided views of
lazily allocated memory (always on), and for real through a float32 array of more than 2^31
elements (marked bigmem: run by .ci/run with ``pytest -m bigmem`` when the machine has the memory).

With 32-bit index arithmetic anywhere between the Python layer and the kernels' pointer arithmetic
these tests read or write the wrong addresses: a crash or wrong values."""
import numpy as np
import pytest
import scipy.signal as ss

import rnnlti

BIG = 2**31 + 5  # a stride in elements that does not fit in int32


def mem_available() -> int:
    """Bytes of memory available to a new allocation (MemAvailable), 0 when unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except ImportError:
        return 0


def lazy_zeros(n: int) -> np.ndarray:
    """np.zeros of n float32: virtual memory only (calloc/mmap), pages appear when written."""
    try:
        return np.zeros(n, np.float32)
    except MemoryError:  # a failure, not a skip: the 64-bit index test must run
        pytest.fail(f"the system refuses {4 * n / 2**30:.0f} GiB of virtual memory (overcommit policy)")


def huge_view(buf: np.ndarray, shape, strides) -> np.ndarray:
    """A view of ``buf`` with element ``strides``, whose farthest element is inside ``buf``."""
    last = sum((n - 1) * s for n, s in zip(shape, strides))
    assert last < buf.size
    return np.lib.stride_tricks.as_strided(buf, shape, [4 * s for s in strides])


def test_offsets_beyond_2_31_elements_in_strided_views():
    n = 2 * BIG + 16
    src, dst = lazy_zeros(n), lazy_zeros(n)
    rng = np.random.default_rng(0)
    # Two channels 2^31 + 5 elements apart (channel offsets overflow int32).
    x = huge_view(src, (3, 4), (BIG, 1))
    x[...] = rng.standard_normal((3, 4))
    h = np.array([0.5, -1.0, 2.0], np.float32)
    np.testing.assert_allclose(rnnlti.fir(h, x), rnnlti.fir(h, np.array(x)), rtol=0, atol=0)
    # The time axis strided by 2^31 + 5 (time offsets overflow int32), written in place through out=.
    out = huge_view(dst, (3, 4), (BIG, 1))
    b, a = [0.3, 0.2], [1.0, -0.5]
    y = rnnlti.lfilter(b, a, x, axis=0, out=out)
    assert y is out
    expected = ss.lfilter(np.float32(b), np.float32(a), np.array(x), axis=0)
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    for row in range(3):  # nothing written next to the rows
        start = row * BIG
        assert not dst[max(start - 64, 0):start].any() and not dst[start + 4:start + 68].any()


@pytest.mark.bigmem
def test_fir_on_more_than_2_31_elements():
    n = 1_100_000_000  # (2, n) float32: 2.2e9 elements > 2^31, 8.2 GiB per array
    need = 2 * n * 4 + 2 * 2**30  # the output, and room to spare; the input stays lazily zero
    if mem_available() < need:  # .ci/run selects this test only where the memory is there
        pytest.fail(f"needs {need / 2**30:.1f} GiB of available memory, has {mem_available() / 2**30:.1f}")
    x = np.zeros((2, n), np.float32)  # untouched pages read as zero without taking memory
    flat_2_31 = 2**31 - n  # row 1's sample at flat index 2^31
    spikes = {(0, 0): 1.0, (0, 5): 2.0, (1, 3): 3.0, (1, flat_2_31 - 1): 4.0, (1, flat_2_31 + 7): 5.0, (1, n - 2): 6.0}
    for pos, v in spikes.items():
        x[pos] = v
    h = np.array([1.0, 2.0, 3.0], np.float32)
    y = rnnlti.fir(h, x)
    assert y.shape == x.shape and y.dtype == np.float32
    expected_nonzero = 0
    for (row, t), v in spikes.items():
        for m in range(3):
            if t + m < n:
                assert y[row, t + m] == h[m] * v, (row, t + m)
                expected_nonzero += 1
    assert np.count_nonzero(y) == expected_nonzero
