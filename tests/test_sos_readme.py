"""The README's "The filtering family" examples run, and the functions they name match scipy there."""
import pathlib
import re

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def test_filtering_family_examples_run():
    text = README.read_text()
    section = text.split("## The filtering family", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})
