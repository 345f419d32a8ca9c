"""The README's "PyTorch" and "JAX" sections run as written (their ```python blocks, in order, in one
namespace), and their training examples do learn."""
import re
from pathlib import Path

import pytest

import rnnlti

ROOT = Path(__file__).resolve().parents[1]


def section_code(title):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"^## {title}\n(.*?)(?=^## |\Z)", readme, re.S | re.M)
    if match is None:
        pytest.fail(f"README.md has no '## {title}' section")
    blocks = re.findall(r"^```python\n(.*?)^```", match.group(1), re.S | re.M)
    assert blocks, f"the README's {title} section has no python block"
    return blocks


def run(blocks, capsys):
    namespace = {"__name__": "__readme__"}
    for i, source in enumerate(blocks):
        exec(compile(source, f"<README {i}>", "exec"), namespace)
    return namespace, capsys.readouterr().out


@pytest.fixture
def one_thread():
    """Small problems: one thread each for rnnlti and torch (an OpenMP barrier per call costs a
    scheduler quantum on a loaded machine); rnnlti's results do not depend on it."""
    import torch

    previous = torch.get_num_threads()
    rnnlti.set_num_threads(1)
    torch.set_num_threads(1)
    yield
    rnnlti.set_num_threads(0)
    torch.set_num_threads(previous)


def test_pytorch_section_runs_and_learns(capsys, one_thread):
    ns, out = run(section_code("PyTorch"), capsys)
    lines = out.strip().splitlines()
    assert lines[0].startswith("loss ")
    assert float(lines[0].split()[1]) < 0.1 * float(ns["y"].var())  # the RNN learnt the IIR target
    # The LFilter block recovers the filter it was fitted to.
    assert lines[1] == "[0.3, 0.1, 1.0, -0.6]"


def test_jax_section_runs_and_learns(capsys, one_thread):
    ns, out = run(section_code("JAX"), capsys)
    line = out.strip().splitlines()[-1]
    assert line.startswith("loss ")
    assert float(line.split()[1]) < 0.1 * float(ns["y"].var())
