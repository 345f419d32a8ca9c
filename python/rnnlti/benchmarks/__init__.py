"""The benchmark runner behind ``rnnlti bench`` and ``bench/compare.py``.

Each group is a module ``rnnlti.benchmarks.<group>`` with::

    GROUP = "<group>"
    def cases(quick: bool) -> list[dict]:
        # each: {"name": str, "sizes": str, "impls": [impl names, "rnnlti" first],
        #        "work": float | None, "unit": "GFLOP/s" | "GB/s" | None}
    def make(case: str, impl: str, quick: bool) -> Callable[[], object]:
        # builds the data (outside the timing), returns a zero-argument callable running one call;
        # raises ImportError when the peer is not installed.

Every (case, impl) runs in a process of its own (`worker`); the processes of a case alternate over
several rounds, so that the machine's drift hits every implementation alike.  The table shows the
median over all timed calls, their min-max, the rate (``work`` per second in ``unit``) and the ratio
median(impl) / median(rnnlti): above 1 means rnnlti is faster.
"""
from __future__ import annotations

import importlib
import json
import os
import statistics
import subprocess
import sys
from typing import Dict, List, Optional

# The group modules, in the order they are run; a module that does not exist yet is skipped.
GROUP_MODULES = ["linear", "nonlinear", "rnn", "sos", "frameworks", "dask"]


def _settings(quick: bool) -> Dict[str, int]:
    # rounds: processes per (case, impl), alternated; repeats: timed calls inside each process.
    return {"rounds": 2, "repeats": 3} if quick else {"rounds": 3, "repeats": 5}


def _load_groups(only: Optional[List[str]]) -> List[object]:
    unknown = sorted(set(only or []) - set(GROUP_MODULES))
    if unknown:
        raise ValueError(f"unknown benchmark group(s) {unknown}; the groups are {GROUP_MODULES}")
    modules = []
    for name in GROUP_MODULES:
        if only and name not in only:
            continue
        try:
            modules.append(importlib.import_module(f"{__name__}.{name}"))
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise  # the group exists but imports something missing at module level: a bug
    return modules


def _run_worker(group: str, case: str, impl: str, repeats: int, quick: bool) -> dict:
    cmd = [sys.executable, "-m", f"{__name__}.worker", group, case, impl, str(repeats)]
    if quick:
        cmd.append("--quick")
    env = dict(os.environ)
    # The worker must import this very package (a development tree on PYTHONPATH included).
    package_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = os.pathsep.join([package_root] + [p for p in [env.get("PYTHONPATH")] if p])
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        return {"error": f"exit {proc.returncode}: {tail}"}
    return json.loads(lines[-1])


def _measure_case(group: str, case: dict, settings: Dict[str, int], quick: bool) -> List[dict]:
    times: Dict[str, List[float]] = {impl: [] for impl in case["impls"]}
    notes: Dict[str, str] = {}
    for _ in range(settings["rounds"]):
        for impl in case["impls"]:
            if impl in notes:
                continue
            result = _run_worker(group, case["name"], impl, settings["repeats"], quick)
            if "times_ms" in result:
                times[impl].extend(result["times_ms"])
            else:
                notes[impl] = result.get("skipped") or result.get("error", "?")
    base = statistics.median(times[case["impls"][0]]) if times[case["impls"][0]] else None
    rows = []
    for impl in case["impls"]:
        row = {"group": group, "case": case["name"], "sizes": case["sizes"], "impl": impl,
               "unit": case.get("unit"), "work": case.get("work")}
        if impl in notes:
            row["note"] = notes[impl]
        elif times[impl]:
            med = statistics.median(times[impl])
            row.update(median_ms=med, min_ms=min(times[impl]), max_ms=max(times[impl]), times_ms=times[impl])
            if case.get("work") and case.get("unit"):
                row["rate"] = case["work"] / (med * 1e-3) / 1e9
            if base:
                row["ratio"] = med / base
        rows.append(row)
    return rows


def _format_row(row: dict) -> str:
    head = f"{row['case']:<26} {row['sizes']:<18} {row['impl']:<20}"
    if "median_ms" not in row:
        return head + f" skipped ({row.get('note', 'no timings')})"
    rate = f"{row['rate']:8.2f} {row['unit']:<7}" if "rate" in row else " " * 16
    ratio = f"{row['ratio']:7.2f}x" if "ratio" in row else ""
    return head + f" {row['median_ms']:10.3f} {row['min_ms']:9.3f}-{row['max_ms']:<9.3f} {rate} {ratio}"


def main(quick: bool = False, json_path: Optional[str] = None, only: Optional[List[str]] = None) -> int:
    """Runs the benchmark groups, prints the table, optionally writes JSON; returns the exit status."""
    try:
        groups = _load_groups(only)
    except ValueError as exc:
        print(f"rnnlti bench: {exc}", file=sys.stderr)
        return 2
    settings = _settings(quick)
    print(f"rnnlti bench ({'quick' if quick else 'full'}): {settings['rounds']} alternating processes x "
          f"{settings['repeats']} timed calls per implementation; ratio = median(impl) / median(rnnlti)")
    header = (f"{'case':<26} {'sizes':<18} {'impl':<20} {'median ms':>10} {'min-max ms':^19} "
              f"{'rate':>16} {'ratio':>8}")
    results = []
    for module in groups:
        group = module.GROUP
        print(f"\n[{group}]\n{header}", flush=True)
        for case in module.cases(quick):
            rows = _measure_case(group, case, settings, quick)
            for row in rows:
                print(_format_row(row), flush=True)
            results.extend(rows)
    if json_path:
        with open(json_path, "w") as fh:
            json.dump({"quick": quick, "settings": settings, "cpu_count": os.cpu_count(), "results": results},
                      fh, indent=1)
        print(f"\nwrote {json_path}")
    return 0
