"""One benchmark process: ``python -m rnnlti.benchmarks.worker <group> <case> <impl> <repeats> [--quick]``.

Builds the data with the group's ``make`` (outside the timing), calls it once to warm up (JIT
compilation, first-touch page faults of caches), then times ``repeats`` calls and prints one JSON
line: ``{"times_ms": [...]}``, or ``{"skipped": "<reason>"}`` when the peer is not installed.
Each implementation runs in a process of its own so that thread runtimes (OpenMP, numba, torch,
JAX) never share a process.
"""
from __future__ import annotations

import importlib
import json
import sys
import time
from typing import List, Optional


def run(group: str, case: str, impl: str, repeats: int, quick: bool) -> dict:
    module = importlib.import_module(f"rnnlti.benchmarks.{group}")
    try:
        call = module.make(case, impl, quick)
        call()  # warm-up: JIT, allocator, caches
    except ImportError as exc:
        return {"skipped": f"{type(exc).__name__}: {exc}"}
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1e3)
    return {"times_ms": times}


def main(argv: Optional[List[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    quick = "--quick" in args
    args = [a for a in args if a != "--quick"]
    if len(args) != 4:
        print("usage: python -m rnnlti.benchmarks.worker <group> <case> <impl> <repeats> [--quick]", file=sys.stderr)
        return 2
    group, case, impl, repeats = args
    print(json.dumps(run(group, case, impl, int(repeats), quick)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
