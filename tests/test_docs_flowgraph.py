"""The flow-graph tutorial (docs/flowgraph.md) and the README's "Flow graphs" section run as written.

Their ```python blocks are executed in order in one namespace; what a block prints must match the
```text blocks that follow it (before the next python block), so the page cannot drift from the code.
"""
import contextlib
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)


def blocks(text):
    """[(python source, expected output or None)] in the order of the page."""
    out = []
    for lang, body in FENCE.findall(text):
        if lang == "python":
            out.append([body, None])
        elif lang == "text" and out:
            out[-1][1] = (out[-1][1] or "") + body
    return out


def run_blocks(pairs, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # draw() writes its PNGs here
    namespace = {"__name__": "__docs__"}
    for i, (source, expected) in enumerate(pairs):
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            exec(compile(source, f"<block {i}>", "exec"), namespace)
        if expected is not None:
            got = [line.rstrip() for line in buffer.getvalue().strip().splitlines()]
            want = [line.rstrip() for line in expected.strip().splitlines()]
            assert got == want, f"block {i} printed:\n" + "\n".join(got)
    return namespace


def test_tutorial_runs(tmp_path, monkeypatch):
    pairs = blocks((ROOT / "docs" / "flowgraph.md").read_text(encoding="utf-8"))
    assert len(pairs) >= 10
    run_blocks(pairs, tmp_path, monkeypatch)
    assert (tmp_path / "flowgraph-partial.png").stat().st_size > 5000
    assert (tmp_path / "flowgraph-held.png").stat().st_size > 5000


def test_tutorial_images_exist():
    text = (ROOT / "docs" / "flowgraph.md").read_text(encoding="utf-8")
    for image in re.findall(r"\]\((images/[^)]+)\)", text):
        assert (ROOT / "docs" / image).is_file(), image


def test_readme_flow_graph_section_runs(tmp_path, monkeypatch):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^## Flow graphs\n(.*?)(?=^## )", readme, re.S | re.M)
    if match is None:
        pytest.fail("README.md has no '## Flow graphs' section")
    pairs = blocks(match.group(1))
    assert pairs and "docs/flowgraph.md" in match.group(1)
    run_blocks(pairs, tmp_path, monkeypatch)
