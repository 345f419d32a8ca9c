#!/usr/bin/env bash
# Runs the rnn benchmarks on a quiet machine pinned to 2 cores (the targets' thread count).  Builds the
# extension there when the build tools are present, else uses the carried one.
set -u
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT"
{
  lscpu | grep -E "Model name|^CPU\(s\)|Flags" | cut -c1-300
  python -c "import numpy, torch, jax; print('numpy', numpy.__version__, 'torch', torch.__version__, 'jax', jax.__version__)"
  if command -v cmake >/dev/null && python -c "import pybind11, cmeel" 2>/dev/null; then
    BUILD_DIR=build/device tools/dev_build.sh >/dev/null 2>&1 && echo "built here" || echo "build failed, using the carried extension"
  else
    echo "no build tools, using the carried extension"
  fi
} > "$OUT/env.txt" 2>&1
cat "$OUT/env.txt"
export OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 MKL_NUM_THREADS=2
PYTHONPATH=python timeout "${BENCH_TIMEOUT:-480}" taskset -c 0,1 python tools/bench_rnn_local.py "$@" 2>&1 | tee "$OUT/bench.txt"
