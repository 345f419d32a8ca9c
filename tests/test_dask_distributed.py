"""rnnlti.dask on a real dask.distributed cluster: 2 worker processes on this machine, an array chunked
in channels and time, the results compared with the in-memory filters."""
import importlib
import os

import numpy as np
import pytest

da = importlib.import_module("dask.array")
distributed = importlib.import_module("dask.distributed")
import dask  # noqa: E402
import scipy.signal as ss  # noqa: E402

import rnnlti  # noqa: E402
import rnnlti.dask as rd  # noqa: E402


@pytest.fixture(scope="module")
def client():
    # The workers are fresh processes: they must import this very rnnlti (PYTHONPATH is inherited).
    here = os.path.dirname(os.path.dirname(os.path.abspath(rnnlti.__file__)))
    # LocalCluster leaves OMP_NUM_THREADS=1, MALLOC_TRIM_THRESHOLD_, PYTHONHASHSEED, ... in os.environ
    # (seen with distributed in a fresh venv): restore it, or later tests' subprocesses inherit them
    # (under LeakSanitizer the determinism test's subprocesses then died in LSan's tracer).
    saved = dict(os.environ)
    os.environ["PYTHONPATH"] = os.pathsep.join([here] + os.environ.get("PYTHONPATH", "").split(os.pathsep))
    try:
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                      worker_dashboard_address=None) as cluster, distributed.Client(cluster) as c:
            yield c
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_lfilter_fir_on_a_local_cluster(client, rng):
    x = rng.standard_normal((6, 4000))
    xd = da.from_array(x, chunks=(3, 500))
    b, a = ss.butter(4, 0.05)
    zi = rng.standard_normal((6, 4))
    h = rng.standard_normal(33)
    y, zf, yf = client.compute([*rd.lfilter(b, a, xd, zi=zi), rd.fir(h, xd)], sync=True)
    want_y, want_zf = rnnlti.lfilter(b, a, x, zi=zi)
    np.testing.assert_allclose(y, want_y, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(zf, want_zf, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(yf, rnnlti.fir(h, x), rtol=1e-10, atol=1e-10)
    # Both workers took part.
    assert len(client.scheduler_info()["workers"]) == 2


def test_time_axis_first_on_a_local_cluster(client, rng):
    x = rng.standard_normal((3000, 4)).astype(np.float32)
    xd = da.from_array(x, chunks=(700, 2))
    b, a = ss.cheby1(3, 1.0, 0.1)
    y = client.compute(rd.lfilter(b, a, xd, axis=0), sync=True)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, rnnlti.lfilter(b, a, x, axis=0), rtol=2e-4, atol=2e-4)


def test_nonlinear_iir_on_a_local_cluster(client, rng):
    x = rng.standard_normal((4, 3000))
    w = np.array([0.5, -0.2, 0.1])
    h0 = rng.standard_normal((4, 3))
    got = client.compute(rd.nonlinear_iir(w, da.from_array(x, chunks=(2, 400)), h0=h0), sync=True)
    np.testing.assert_allclose(got, rnnlti.nonlinear_iir(w, x, h0=h0), rtol=1e-10, atol=1e-10)
