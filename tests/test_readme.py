"""Every ```python block of README.md (a ```py block is shown but not run: it needs a cluster), executed in order in one namespace (as a reader would paste them),
inside a temporary folder so that files they write do not land in the working tree."""
import pathlib
import re

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"


def python_blocks(text):
    # The JAX section needs jax, an optional extra outside the test extras: tests/test_docs_frameworks.py
    # runs it when jax is installed.
    text = re.sub(r"(?ms)^## JAX\n.*?(?=^## )", "", text)
    return re.findall(r"^```python[ \t]*\n(.*?)^```[ \t]*$", text, flags=re.S | re.M)


def test_readme_has_python_blocks():
    assert len(python_blocks(README.read_text(encoding="utf-8"))) >= 2


def test_readme_python_blocks_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__readme__"}
    for number, block in enumerate(python_blocks(README.read_text(encoding="utf-8")), 1):
        code = compile(block, f"README.md python block {number}", "exec")
        exec(code, namespace)  # a failure names the block in its traceback
