#!/usr/bin/env bash
# Builds rnnlti._core in place for development: the extension lands in python/rnnlti/, so that
#   PYTHONPATH=python python -m pytest
# runs against the working tree without an install.  Extra arguments go to cmake's configure step
# (e.g. -DRNNLTI_SANITIZE=ON).  BUILD_DIR (default build/dev) keeps separate trees apart.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build/dev}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -Dpybind11_DIR="$(python -m pybind11 --cmakedir)" -DPython_EXECUTABLE="$(command -v python)" "$@" >/dev/null
cmake --build "$BUILD_DIR"
cp "$BUILD_DIR"/_core*.so python/rnnlti/
