"""`rnnlti demo` and `rnnlti bench` through the command line's entry point."""
import importlib
import json
import os
import pathlib
import subprocess
import sys

import pytest

import rnnlti
from rnnlti import cli

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PLOTS = ["loss.png", "prediction.png", "freqz.png", "flowgraph.png"]


def test_demo_quick_writes_valid_plots(tmp_path, capsys):
    importlib.import_module("matplotlib")
    out = tmp_path / "plots"
    assert cli.main(["demo", "--quick", "--seed", "1", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "rnnlti demo OK" in text and str(out) in text
    for name in PLOTS:
        data = (out / name).read_bytes()
        assert data[:8] == PNG_MAGIC, name
        assert len(data) > 10_000, name  # a drawn figure, not an empty canvas
        assert data[12:16] == b"IHDR"
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        assert width >= 400 and height >= 200, (name, width, height)


def test_demo_no_plots_prints_the_weights_writes_nothing_and_is_deterministic(tmp_path, capsys):
    """Once in-process, once through `python -m rnnlti.cli` (the exit code of the real entry point):
    the same printout, no files."""
    out = tmp_path / "none"
    argv = ["demo", "--quick", "--no-plots", "--seed", "3", "--out", str(out)]
    assert cli.main(argv) == 0
    text = capsys.readouterr().out
    package_root = pathlib.Path(rnnlti.__file__).resolve().parent.parent
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(package_root), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-m", "rnnlti.cli", *argv], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    assert not out.exists()
    assert "w1" in text and "1.600000" in text and "held-out" in text
    drop_timing = lambda s: [line for line in s.splitlines() if not line.startswith("rnnlti demo OK")]
    assert drop_timing(proc.stdout) == drop_timing(text)


def test_demo_fails_with_a_nonzero_exit_code(monkeypatch, capsys):
    from rnnlti import demo

    monkeypatch.setattr(demo, "QUICK", demo.QUICK._replace(iir_epochs=2))  # far too short to recover w
    assert cli.main(["demo", "--quick", "--no-plots"]) == 1
    assert "FAILED" in capsys.readouterr().out


def test_bench_runs_from_the_command_line(monkeypatch, capsys, tmp_path):
    """`rnnlti bench --quick --only linear` end to end (runner, worker processes, table), cut down to one
    case, one implementation next to rnnlti, one process and one call each, to keep the suite fast."""
    import rnnlti.benchmarks as bench
    import rnnlti.benchmarks.linear as linear

    first = linear.cases(True)[0]
    monkeypatch.setattr(linear, "cases", lambda quick: [dict(first, impls=first["impls"][:2])])
    monkeypatch.setattr(bench, "_settings", lambda quick: {"rounds": 1, "repeats": 1})
    report = tmp_path / "bench.json"
    assert cli.main(["bench", "--quick", "--only", "linear", "--json", str(report)]) == 0
    text = capsys.readouterr().out
    assert first["name"] in text and "rnnlti" in text and "1.00x" in text
    rows = json.loads(report.read_text())["results"]
    assert [row["impl"] for row in rows] == first["impls"][:2]
    assert rows[0]["median_ms"] > 0
