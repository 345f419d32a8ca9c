#!/usr/bin/env bash
# Builds rnnlti._core with AddressSanitizer + UndefinedBehaviorSanitizer (CMake option
# RNNLTI_SANITIZE) into build/asan, assembles a copy of the package around it in build/asan/pkg (no
# venv, nothing installed), and runs the test suite against that copy with the ASan runtime
# preloaded into the (uninstrumented) Python interpreter.  Any memory error, undefined behaviour or
# leak of rnnlti's own makes the run fail.
#
#   tools/sanitize.sh [extra pytest arguments]       e.g. tools/sanitize.sh tests/test_properties.py
#
# Not run under the sanitizers: tests marked bigmem (pyproject's addopts), and test files importing
# PyTorch or JAX (tests/conftest.py explains why).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD=${SANITIZE_BUILD_DIR:-build/asan}
# The interpreter itself, not a wrapper script (pyenv's shim is bash, which LD_PRELOAD would hit too).
PY=$(python -c 'import sys; print(sys.executable)')

# Build requirements (pyproject's [build-system]) when they are not there yet, e.g. in CI after
# `pip install .`, which builds in an isolated environment.
"$PY" -c 'import pybind11, cmeel' 2>/dev/null || "$PY" -m pip install -q "pybind11>=2.12" "cmeel-eigen>=3.4"
command -v cmake >/dev/null && command -v ninja >/dev/null || "$PY" -m pip install -q cmake ninja

echo "== sanitize: building $BUILD (ASan + UBSan)"
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRNNLTI_SANITIZE=ON \
  -Dpybind11_DIR="$("$PY" -m pybind11 --cmakedir)" -DPython_EXECUTABLE="$PY" >/dev/null
nice cmake --build "$BUILD"

PKG="$BUILD/pkg"
rm -rf "$PKG" && mkdir -p "$PKG"
cp -r python/rnnlti "$PKG/"
find "$PKG" \( -name '_core*.so' -o -name __pycache__ \) -prune -exec rm -rf {} +
cp "$BUILD"/_core*.so "$PKG/rnnlti/"

CXX=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$BUILD/CMakeCache.txt")
ASAN_LIB=$("$CXX" -print-file-name=libasan.so)
[ -f "$ASAN_LIB" ] || { echo "sanitize: no ASan runtime ($ASAN_LIB)"; exit 1; }

export RNNLTI_SANITIZER=1
export PYTHONPATH="$ROOT/$PKG:$ROOT/tests"
export ASAN_OPTIONS=detect_leaks=1:strict_init_order=1:check_initialization_order=1
# CPython, numpy and scipy keep some allocations alive until the process ends; lsan.supp lists them.
export LSAN_OPTIONS="suppressions=$ROOT/tools/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export PYTHONFAULTHANDLER=1

# The package under test must be the sanitizer build.
LD_PRELOAD="$ASAN_LIB" "$PY" -c "
import rnnlti, rnnlti._core as c
assert c.__file__.startswith('$ROOT/$PKG'), c.__file__
print('== sanitize: testing', c.__file__)"

echo "== sanitize: python -m pytest ${*:-tests}"
# --capture=sys: a sanitizer report is written to file descriptor 2 just before the process dies;
# pytest's default fd-level capture would swallow it with the dying test's output.
LD_PRELOAD="$ASAN_LIB" "$PY" -m pytest -p no:cacheprovider --capture=sys -q "${@:-tests}"
echo "== sanitize: no ASan, UBSan or LeakSanitizer report"
