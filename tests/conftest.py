import os
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, settings

# Hypothesis: a fixed seed (derandomize) and a bounded number of examples, so that CI runs the same
# examples in the same time every time.  HYPOTHESIS_PROFILE=dev explores more, with fresh seeds.
_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
_PHASES = [Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink]  # no "explain" (slow)
settings.register_profile(
    "ci", derandomize=True, database=None, deadline=None, print_blob=True, suppress_health_check=_QUIET,
    phases=_PHASES,
)
settings.register_profile("dev", deadline=None, suppress_health_check=_QUIET, phases=_PHASES)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


# Under tools/sanitize.sh (RNNLTI_SANITIZER set) the test files that import PyTorch or JAX are not
# collected: jaxlib aborts at import under ASan (its C++ exceptions are thrown before ASan's
# __cxa_throw interceptor is set up), and importing torch costs ~2 minutes of leak scanning of its
# operator registry at exit.  Those files compare rnnlti with the peers; the kernels themselves are
# exercised under the sanitizers by the reference-based tests.
_PEER_IMPORT = re.compile(
    r"^\s*(import|from)\s+(torch|jax|jaxlib)\b|(importorskip|import_module)\(\s*['\"](torch|jax)|rnnlti\.(torch|jax)\b"
    r"|from\s+rnnlti\s+import\s+.*\b(torch|jax)\b",
    re.MULTILINE,
)


# Also the files that draw flow graphs with matplotlib: its ft2font module throws a C++ exception
# during import that ASan's __cxa_throw interceptor cannot handle ("CHECK failed:
# asan_interceptors.cpp:320"), an abort of the sanitizer runtime, not a bug of rnnlti's; the flow
# graphs are pure Python (no kernel), tested in the normal run.
# test_readme runs the README's blocks, which draw and use PyTorch.
_DRAWS = re.compile(r"matplotlib|\.draw\(|docs_flowgraph", re.MULTILINE)
_RUNS_README = {"test_readme.py"}

_NOT_COLLECTED = []


def pytest_ignore_collect(collection_path, config):
    if os.environ.get("RNNLTI_SANITIZER") and collection_path.suffix == ".py":
        text = collection_path.read_text()
        if collection_path.name.startswith("test_") and (_PEER_IMPORT.search(text) or _DRAWS.search(text)
                                                         or _DRAWS.search(collection_path.name)
                                                         or collection_path.name in _RUNS_README):
            _NOT_COLLECTED.append(collection_path.name)
            return True
    return None


def pytest_terminal_summary(terminalreporter):
    if _NOT_COLLECTED:
        terminalreporter.write_line(
            "not run under the sanitizers (they import PyTorch, JAX or matplotlib): " + ", ".join(sorted(_NOT_COLLECTED))
        )
