"""The bad-input table (bad_inputs.py): every row raises its exception, naming the argument; the
valid-but-odd inputs answer; every public function has rows; the README lists them all."""
import inspect
import pathlib
import re

import numpy as np
import pytest

import rnnlti
from bad_inputs import BAD_INPUTS, NOT_ERRORS, names_argument

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"
# Public names with nothing to get wrong: no arguments, or not a function.
NO_ARGUMENTS = {"__version__", "get_num_threads", "release_memory"}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_raises_clear_error(case):
    _, call, exc, word = case
    with pytest.raises(exc) as info:
        call()
    assert names_argument(str(info.value), word), f"the message does not name {word!r}: {info.value}"


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("case", NOT_ERRORS, ids=[c[0] for c in NOT_ERRORS])
def test_odd_but_valid_input_answers(case):
    _, call, check = case
    result = call()
    assert check(result) is not False


def functions_in_table():
    return {row[0].split()[0] for row in BAD_INPUTS + NOT_ERRORS}


def public_functions():
    """rnnlti.__all__ less the classes (gradient named tuples) and submodules (flowgraph has its own
    error tests, test_flowgraph_errors.py)."""
    return {n for n in rnnlti.__all__ if inspect.isfunction(getattr(rnnlti, n))}


def test_every_public_function_has_rows():
    missing = sorted(public_functions() - NO_ARGUMENTS - functions_in_table())
    assert not missing, f"append rows for {missing} to tests/bad_inputs.py"


def test_readme_errors_section_lists_every_function_in_the_table():
    text = README.read_text()
    match = re.search(r"^## Errors\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert match, "README.md has no '## Errors' section"
    section = match.group(1)
    missing = sorted(f for f in functions_in_table() if f"`{f}`" not in section)
    assert not missing, f"README's Errors section does not mention {missing}"


def test_names_argument():
    assert names_argument("a[0] must be nonzero", "a")
    assert not names_argument("x must be a real array", "a")
    assert not names_argument("rnnlti._core: x has the wrong dtype", "x")
    np.testing.assert_equal(names_argument("axis=3 is out of range", "axis"), True)
