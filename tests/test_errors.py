"""Every row of the bad-input table raises its exception, naming the argument."""
import pytest

from bad_inputs import BAD_INPUTS


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_raises_clear_error(case):
    _, call, exc, word = case
    with pytest.raises(exc) as info:
        call()
    assert word in str(info.value)
