"""Times the "rnn" benchmark group without the shared runner: every (case, impl) in a process of its own,
the processes of a case alternating over rounds, medians of all timed calls, ratios peer / rnnlti.

    PYTHONPATH=python flock /tmp/rnnlti-bench.lock python tools/bench_rnn_local.py [--quick] [--rounds R]
        [--repeats N] [name filters ...]
"""
import argparse
import json
import statistics
import subprocess
import sys

sys.path.insert(0, "python")
from rnnlti.benchmarks import rnn as group  # noqa: E402

WORKER = r"""
import json, sys, time
sys.path.insert(0, "python")
from rnnlti.benchmarks import rnn as g
case, impl, reps, quick = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1"
try:
    f = g.make(case, impl, quick)
    t0 = time.perf_counter()
    f()
    if time.perf_counter() - t0 > 2.0:  # a peer's slow row (torch loops at N = 512): one timed call is enough
        reps = 1
except ImportError as e:
    print(json.dumps({"skipped": str(e)}))
    sys.exit()
ts = []
for _ in range(reps):
    t0 = time.perf_counter()
    f()
    ts.append((time.perf_counter() - t0) * 1e3)
print(json.dumps({"times_ms": ts}))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("filters", nargs="*")
    args = ap.parse_args()
    for case in group.cases(args.quick):
        if args.filters and not any(f in case["name"] for f in args.filters):
            continue
        times = {impl: [] for impl in case["impls"]}
        for _ in range(args.rounds):
            for impl in case["impls"]:
                cmd = [sys.executable, "-c", WORKER, case["name"], impl, str(args.repeats), "1" if args.quick else "0"]
                out = subprocess.run(cmd, capture_output=True, text=True)
                try:
                    res = json.loads(out.stdout.strip().splitlines()[-1])
                except (IndexError, ValueError):
                    print(f"FAILED {case['name']} {impl}: {out.stderr[-1500:]}", flush=True)
                    res = {}
                times[impl] += res.get("times_ms", [])
        med = {impl: statistics.median(v) for impl, v in times.items() if v}
        base = med.get("rnnlti")
        parts = []
        for impl, m in med.items():
            rate = case["work"] / (m * 1e-3) / 1e9
            ratio = f" x{m / base:.2f}" if base and impl != "rnnlti" else ""
            parts.append(f"{impl} {m:.2f} ms [{min(times[impl]):.2f}-{max(times[impl]):.2f}] {rate:.0f} GFLOP/s{ratio}")
        print(f"{case['name']:<15} {case['sizes']:<34} " + " | ".join(parts), flush=True)


if __name__ == "__main__":
    main()
