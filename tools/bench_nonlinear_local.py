"""Stand-in for the benchmark runner until it lands: times each (case, impl) of the "nonlinear" group in
its own process, alternating, and prints medians and ratios against rnnlti.  Usage:
    flock /tmp/rnnlti-bench.lock python tools/bench_nonlinear_local.py [--quick] [--cpu] [--rounds N] [case ...]
--cpu times with the process's CPU time instead of the wall clock: on a loaded machine with one thread per
implementation (OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1 ...) it is far less noisy."""
import json
import statistics
import subprocess
import sys
import time


def worker(case, impl, quick, reps, cpu):
    import importlib.util
    import pathlib

    path = pathlib.Path(__file__).resolve().parents[1] / "python/rnnlti/benchmarks/nonlinear.py"
    spec = importlib.util.spec_from_file_location("bench_nonlinear", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    fn = mod.make(case, impl, quick)
    fn()  # warm-up
    clock = time.process_time if cpu else time.perf_counter
    times = []
    for _ in range(reps):
        t = clock()
        fn()
        times.append(clock() - t)
    print(json.dumps(times))


def main():
    args = sys.argv[1:]
    if args and args[0] == "--worker":
        worker(args[1], args[2], args[3] == "1", int(args[4]), args[5] == "1")
        return
    quick = "--quick" in args
    cpu = "--cpu" in args
    rounds = 3
    if "--rounds" in args:
        rounds = int(args[args.index("--rounds") + 1])
    names = [a for a in args if not a.startswith("--") and not a.isdigit()]
    print("clock:", "process CPU time" if cpu else "wall", flush=True)
    sys.path.insert(0, "python")
    import importlib.util
    spec = importlib.util.spec_from_file_location("bench_nonlinear", "python/rnnlti/benchmarks/nonlinear.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for c in mod.cases(quick):
        if names and c["name"] not in names:
            continue
        samples = {i: [] for i in c["impls"]}
        for _ in range(rounds):
            for impl in c["impls"]:
                reps = 3 if impl == "torch" else 5
                out = subprocess.run([sys.executable, __file__, "--worker", c["name"], impl, "1" if quick else "0", str(reps), "1" if cpu else "0"],
                                     capture_output=True, text=True, env={**__import__("os").environ, "PYTHONPATH": "python"})
                if out.returncode:
                    print(c["name"], impl, "failed:", out.stderr.strip().splitlines()[-1:])
                    break
                samples[impl] += json.loads(out.stdout.strip().splitlines()[-1])
        base = statistics.median(samples["rnnlti"]) if samples["rnnlti"] else float("nan")
        for impl, ts in samples.items():
            if not ts:
                continue
            med = statistics.median(ts)
            rate = c["work"] / med / 1e9 if c["work"] else float("nan")
            print(f"{c['name']:28s} {c['sizes']:26s} {impl:16s} {med*1e3:9.2f} ms  {rate:7.2f} {c['unit'] or ''}  "
                  f"x{med/base:6.2f} vs rnnlti  (n={len(ts)}, min {min(ts)*1e3:.2f})")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
