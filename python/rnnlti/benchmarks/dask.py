"""Benchmark group "dask": rnnlti.dask.lfilter on a LocalCluster of 2 worker processes vs the in-memory call.

A (64, 10^7) float32 signal in (16, 10^6) chunks (quick: (64, 10^6) in (16, 10^5)), a 4th-order
Butterworth low-pass along time.  Implementations:

- ``rnnlti``: ``rnnlti.lfilter`` on the whole array in this process, on 2 OpenMP threads (the
  cluster's 2 cores);
- ``dask-scan``: ``rnnlti.dask.lfilter`` on the cluster, input and output kept on the workers
  (``persist``): the two-pass chunked scan, exact;
- ``dask-blocks``: every block filtered on its own from zero state (``map_blocks``), which is *wrong*
  across time chunks but is the floor of what any chunked filter costs on the cluster: the scan's
  overhead is ``dask-scan / dask-blocks`` (its second pass, the zero-input responses, doubles the
  arithmetic; the carry itself is a few numbers per chunk).

Each worker runs one thread (Dask's nanny sets OMP_NUM_THREADS=1), two workers for two cores.
``work`` counts the bytes read and written once (float32 in and out), for a GB/s column.
"""
from __future__ import annotations

import atexit
import itertools
import uuid
from typing import Any, Callable, Dict, List

import numpy as np

GROUP = "dask"

# 4th-order Butterworth low-pass at 0.1 x Nyquist (scipy.signal.butter(4, 0.1)), written out so that
# the benchmark does not need scipy.
B = [0.000416599204407, 0.001666396817626, 0.002499595226439, 0.001666396817626, 0.000416599204407]
A = [1.0, -3.180638548874721, 3.861194348994217, -2.112155355110971, 0.438265142261981]
IMPLS = ["rnnlti", "dask-scan", "dask-blocks"]


def _sizes(quick: bool) -> Dict[str, Any]:
    if quick:
        return {"shape": (64, 10**6), "chunks": (16, 10**5)}
    return {"shape": (64, 10**7), "chunks": (16, 10**6)}


def cases(quick: bool) -> List[Dict[str, Any]]:
    s = _sizes(quick)
    (c, t), (cc, ct) = s["shape"], s["chunks"]
    return [{
        "name": "lfilter-butter4-f32",
        "sizes": f"x ({c}, {t:.0e}) float32 in ({cc}, {ct:.0e}) chunks, LocalCluster 2 workers x 1 thread",
        "impls": list(IMPLS),
        "work": float(2 * c * t * 4),
        "unit": "GB/s",
    }]


_CLUSTER: Dict[str, Any] = {}


def _same(block: np.ndarray) -> np.ndarray:
    return block


def _blockwise_lfilter(block: np.ndarray, b: np.ndarray, a: np.ndarray) -> np.ndarray:
    import rnnlti

    return rnnlti.lfilter(b, a, block)


def _client() -> Any:
    if "client" not in _CLUSTER:
        from dask.distributed import Client, LocalCluster

        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                               memory_limit="9GiB")
        client = Client(cluster)
        _CLUSTER.update(cluster=cluster, client=client)
        atexit.register(lambda: (client.close(), cluster.close()))
    return _CLUSTER["client"]


def make(case: str, impl: str, quick: bool) -> Callable[[], object]:
    if case != "lfilter-butter4-f32" or impl not in IMPLS:
        raise ValueError(f"unknown case/impl {case!r}/{impl!r}")
    s = _sizes(quick)
    if impl == "rnnlti":
        import rnnlti

        rnnlti.set_num_threads(2)
        x = np.random.default_rng(0).standard_normal(s["shape"], dtype=np.float32)
        out = np.empty_like(x)
        rnnlti.lfilter(B, A, x, out=out)  # touch the output's pages once

        return lambda: rnnlti.lfilter(B, A, x)

    import dask.array as da
    from dask.distributed import wait

    import rnnlti
    import rnnlti.dask

    client = _client()
    x = da.random.default_rng(0).standard_normal(s["shape"], chunks=s["chunks"], dtype=np.float32).persist()
    wait(x)
    b32, a32 = np.float32(B), np.float32(A)
    calls = itertools.count()

    def filtered() -> Any:
        # A fresh name per call (an identity layer: no copy), so that no call finds the previous
        # call's result still held by the workers.
        fresh = x.map_blocks(_same, dtype=x.dtype, name=f"bench-input-{uuid.uuid4().hex}-{next(calls)}")
        if impl == "dask-scan":
            return rnnlti.dask.lfilter(b32, a32, fresh)
        return fresh.map_blocks(_blockwise_lfilter, b32, a32, dtype=np.float32)

    def run() -> None:
        y = client.persist(filtered())
        wait(y)
        del y  # frees the result on the workers

    run()  # warm the workers (imports, first allocations)
    return run


def _main() -> None:
    """``python -m rnnlti.benchmarks.dask [--quick] IMPL [REPEATS]``: medians of one impl, one process
    (a stand-in until the group runner exists)."""
    import statistics
    import sys
    import time

    args = [a for a in sys.argv[1:] if a != "--quick"]
    quick = "--quick" in sys.argv
    impl, repeats = args[0], int(args[1]) if len(args) > 1 else 5
    case = cases(quick)[0]
    fn = make(case["name"], impl, quick)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    print(f"{case['name']} {impl:12s} median {med:.3f} s of {repeats} (min {min(times):.3f})  "
          f"{case['work'] / med / 1e9:.2f} GB/s  [{case['sizes']}]", flush=True)


if __name__ == "__main__":
    _main()
