"""The "frameworks" benchmark group builds and runs every (case, impl) at its quick sizes (no timing)."""
import importlib.util

import pytest
import torch  # noqa: F401  (a test dependency: these rows must run, not skip)

from rnnlti.benchmarks import frameworks

@pytest.fixture(autouse=True)
def keep_torch_threads():
    import torch

    previous = torch.get_num_threads()
    yield
    torch.set_num_threads(previous)  # make() sets 2 threads, as a benchmark process does


ROWS = [(c["name"], impl) for c in frameworks.cases(quick=True) for impl in c["impls"]]


def test_cases_follow_the_runner_contract():
    assert frameworks.GROUP == "frameworks"
    for case in frameworks.cases(quick=False):
        assert set(case) >= {"name", "sizes", "impls", "work", "unit"}
        assert case["impls"][0] == "rnnlti"
    names = [c["name"] for c in frameworks.cases(quick=False)]
    assert {"train-n32", "train-n128", "train-n512", "train-b1", "overhead-rnn-n128", "lfilter-grad"} <= set(names)


@pytest.mark.parametrize("case, impl", ROWS, ids=[f"{c}:{i}" for c, i in ROWS])
def test_every_row_runs(case, impl):
    if impl == "torchaudio" and importlib.util.find_spec("torchaudio") is None:
        with pytest.raises(ImportError, match="torchaudio"):
            frameworks.make(case, impl, quick=True)
        return
    call = frameworks.make(case, impl, quick=True)
    call()
    call()  # twice: a step must be repeatable (gradients reset, no stale graph)
