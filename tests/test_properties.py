"""Property tests over the public functions (the table in function_specs.py): for random shapes,
axes, dtypes, memory layouts and values (NaN/inf included), every call either returns the
reference's answer or raises ValueError/TypeError naming the argument at fault; never another
exception, never a crash; and no input array (nor any byte of out='s buffer outside the view)
is modified.  A fixed seed and bounded example counts (tests/conftest.py) keep CI stable."""
import os

import numpy as np
import pytest
from hypothesis import event, given, settings

from bad_inputs import names_argument
from function_specs import SPECS, Expect
from function_specs_more import MORE_SPECS

SPECS = SPECS + MORE_SPECS

# numpy's "invalid value" warnings for NaN/inf data are expected here (IEEE propagation).
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def run_case(spec, case):
    snapshots = [np.array(b, copy=True) for b in case.buffers]
    out_before = None if case.out_guard is None else case.out_guard[0].copy()
    expected = case.error
    ref = None
    if expected is None:
        try:
            ref = spec.reference(case)
        except Expect as e:
            expected = (e.exc, e.name)
    event(f"{spec.name}: {case.label}" if case.error or not expected else f"{spec.name}: reference raises")
    if expected is not None:
        with pytest.raises((ValueError, TypeError)) as info:
            spec.func(*case.args, **case.kwargs)
        exc, name = expected
        assert isinstance(info.value, exc), f"raised {type(info.value).__name__}: {info.value}; expected {exc.__name__}"
        assert names_argument(str(info.value), name), f"message does not name {name!r}: {info.value}"
        got = None
    else:
        try:
            got = spec.func(*case.args, **case.kwargs)
        except (ValueError, TypeError) as exc:
            allowed = case.may_raise
            if not (allowed and isinstance(exc, allowed[0]) and names_argument(str(exc), allowed[1])):
                raise
            event(f"{spec.name}: refused {allowed[1]}")
            got = None
        else:
            spec.check(got, ref, case)
    for buf, before in zip(case.buffers, snapshots):
        assert buf.tobytes() == before.tobytes(), "an input array was modified"
    if case.out_guard is not None:
        base, view_of = case.out_guard
        if got is not None:  # the call may write out='s elements, nothing else of its buffer
            view_of(out_before)[...] = view_of(base)
        assert base.tobytes() == out_before.tobytes(), "bytes outside out= were written"


# RNNLTI_FUZZ_SCALE=10 runs ten times as many examples (with HYPOTHESIS_PROFILE=dev: fresh seeds).
SCALE = float(os.environ.get("RNNLTI_FUZZ_SCALE", "1"))


def _property_test(spec):
    @settings(max_examples=max(1, int(spec.max_examples * SCALE)))
    @given(case=spec.cases)
    def test(case):
        run_case(spec, case)

    test.__name__ = test.__qualname__ = f"test_{spec.name}_property"
    return test


for _spec in SPECS:
    globals()[f"test_{_spec.name}_property"] = _property_test(_spec)


# Public names whose behaviour is not a pure function of their arguments, or that take none.
NOT_FUZZED = {"__version__", "get_num_threads", "set_num_threads", "release_memory"}
# Pure NumPy (no kernel behind them), checked against loops and finite differences in
# tests/test_flowgraph_dense.py.
NOT_FUZZED |= {"dense_forward", "dense_backward"}


def test_every_public_function_has_a_spec():
    import inspect

    import rnnlti

    functions = {n for n in rnnlti.__all__ if inspect.isfunction(getattr(rnnlti, n))}  # not classes, modules
    missing = sorted(functions - NOT_FUZZED - {s.name for s in SPECS})
    assert not missing, f"no property spec (tests/function_specs*.py) for {missing}"
