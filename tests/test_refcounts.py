"""No leaked Python objects: repeated calls neither grow the memory traced by tracemalloc (numpy
registers its data buffers there) nor change the reference counts of their inputs.  This covers
what LeakSanitizer cannot see under tools/sanitize.sh (tools/lsan.supp hides CPython's allocator).
Table: determinism_cases.CASES, plus the pure-Python functions."""
import gc
import sys
import tracemalloc

import numpy as np
import pytest

import determinism_cases as D
import rnnlti

CALLS = dict(D.CASES)
CALLS["lfilter_zi"] = lambda: rnnlti.lfilter_zi(D.B6, D.A6)
CALLS["freqz"] = lambda: rnnlti.freqz(D.B6, D.A6, worN=64)
CALLS["bad input"] = lambda: pytest.raises(ValueError, rnnlti.lfilter, D.B6, [0.0, 1.0], D.X64)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_repeated_calls_do_not_leak(name):
    call = CALLS[name]
    inputs = [v for v in vars(D).values() if isinstance(v, np.ndarray)]
    counts = [sys.getrefcount(v) for v in inputs]
    for _ in range(2):  # warm caches (numpy's small-buffer cache, lazy imports)
        call()
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(8):
            call()
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 64 * 1024, f"{name}: {grown} bytes still allocated after 8 calls"
    assert [sys.getrefcount(v) for v in inputs] == counts, f"{name} changed the reference count of an input"
