"""Bitwise-identical results for any number of OpenMP threads - set by OMP_NUM_THREADS in a fresh
process or by set_num_threads - and from 8 Python threads calling at once; and no call modifies its
inputs (table: determinism_cases.py)."""
import concurrent.futures
import importlib.util
import inspect
import os
import subprocess
import sys

import numpy as np
import pytest

import rnnlti
import determinism_cases
from determinism_cases import CASES, run_all

HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.fixture(scope="module")
def serial():
    rnnlti.set_num_threads(1)
    try:
        return run_all()
    finally:
        rnnlti.set_num_threads(0)


def assert_same_bits(results, serial, how):
    assert results.keys() == serial.keys()
    for key, ref in serial.items():
        got = results[key]
        assert got.dtype == ref.dtype and got.shape == ref.shape, f"{key} ({how})"
        assert got.tobytes() == ref.tobytes(), f"{key}: bits differ from one thread ({how})"


@pytest.mark.parametrize("threads", [1, 2, 3, 4])
def test_omp_num_threads_in_a_fresh_process(threads, serial, tmp_path):
    path = tmp_path / "results.npz"
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    # The same rnnlti as this process (an install, the working tree or the sanitizer build).
    package_root = os.path.dirname(os.path.dirname(rnnlti.__file__))
    env["PYTHONPATH"] = os.pathsep.join([package_root, HERE, env.get("PYTHONPATH", "")])
    proc = subprocess.run([sys.executable, os.path.join(HERE, "determinism_cases.py"), str(path)],
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with np.load(path) as data:
        assert int(data["threads"]) == threads, "OMP_NUM_THREADS was not honoured"
        results = {k: data[k] for k in data.files if k != "threads"}
    assert_same_bits(results, serial, f"OMP_NUM_THREADS={threads}")


def test_set_num_threads(serial):
    try:
        for threads in (4, 3, 2, 1, 0):
            rnnlti.set_num_threads(threads)
            if threads:
                assert rnnlti.get_num_threads() == threads
            assert_same_bits(run_all(), serial, f"set_num_threads({threads})")
    finally:
        rnnlti.set_num_threads(0)


def test_eight_python_threads_at_once(serial):
    rnnlti.set_num_threads(2)  # each call also runs OpenMP threads of its own
    try:
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            futures = [pool.submit(run_all) for _ in range(16)]
            for f in futures:
                assert_same_bits(f.result(), serial, "8 concurrent Python threads")
    finally:
        rnnlti.set_num_threads(0)


def test_inputs_are_not_modified():
    """No case writes into the table's input arrays (the module-level arrays of determinism_cases).

    On a fresh copy of the table: a write by an earlier test into the shared one (a state that then
    converges) could hide from a check made afterwards."""
    spec = importlib.util.spec_from_file_location("fresh_determinism_cases", determinism_cases.__file__)
    fresh = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fresh)
    inputs = {k: v for k, v in vars(fresh).items() if isinstance(v, np.ndarray)}
    saved = {k: v.copy() for k, v in inputs.items()}
    for name, call in fresh.CASES.items():
        call()
        for k, v in inputs.items():
            assert v.tobytes() == saved[k].tobytes(), f"{name} modified its input {k}"


# Public names that run no C++ kernel of their own (pure numpy, the thread knob, the memory pool).
NO_KERNEL = {"__version__", "freqz", "lfilter_zi", "set_num_threads", "get_num_threads", "release_memory",
             "dense_forward", "dense_backward"}  # dense: numpy matmuls (BLAS), no kernel of rnnlti's


def test_every_kernel_has_a_case():
    """Every public function in rnnlti.__all__ that runs a kernel has an entry in CASES."""
    covered = {name.split()[0] for name in CASES}
    functions = {n for n in rnnlti.__all__ if inspect.isfunction(getattr(rnnlti, n))}  # not classes, modules
    missing = sorted(functions - NO_KERNEL - covered)
    assert not missing, f"add determinism cases (tests/determinism_cases.py) for {missing}"
