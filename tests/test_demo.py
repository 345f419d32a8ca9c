"""`rnnlti demo` and `rnnlti bench` through the command line's entry point."""
import os

import pytest

from rnnlti import cli

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PLOTS = ["loss.png", "prediction.png", "freqz.png", "flowgraph.png"]


def test_demo_quick_writes_valid_plots(tmp_path, capsys):
    pytest.importorskip("matplotlib")
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
    out = tmp_path / "none"
    outputs = []
    for _ in range(2):
        assert cli.main(["demo", "--quick", "--no-plots", "--seed", "3", "--out", str(out)]) == 0
        text = capsys.readouterr().out
        outputs.append([line for line in text.splitlines() if not line.startswith("rnnlti demo OK")])
    assert not out.exists()
    assert "w1" in text and "1.600000" in text and "held-out" in text
    assert outputs[0] == outputs[1]


def test_demo_fails_with_a_nonzero_exit_code(monkeypatch, capsys):
    from rnnlti import demo

    monkeypatch.setattr(demo, "QUICK", demo.QUICK._replace(iir_epochs=2))  # far too short to recover w
    assert cli.main(["demo", "--quick", "--no-plots"]) == 1
    assert "FAILED" in capsys.readouterr().out


def test_bench_runs_from_the_command_line(monkeypatch, capsys):
    """`rnnlti bench --quick --only linear` end to end (runner, worker processes, table), cut down to one
    case, one implementation next to rnnlti, one process and one call each, to keep the suite fast."""
    import rnnlti.benchmarks as bench
    import rnnlti.benchmarks.linear as linear

    first = linear.cases(True)[0]
    monkeypatch.setattr(linear, "cases", lambda quick: [dict(first, impls=first["impls"][:2])])
    monkeypatch.setattr(bench, "_settings", lambda quick: {"rounds": 1, "repeats": 1})
    assert cli.main(["bench", "--quick", "--only", "linear"]) == 0
    text = capsys.readouterr().out
    assert first["name"] in text and "rnnlti" in text and "1.00x" in text
