"""The examples run, and the README's main command reproduces Keras 1.2.2's predictions.

One example runs as the README shows it, in a fresh process; the others run as `__main__`
here (`python examples/NAME.py ARGS`: their exit status and stdout), where TensorFlow has
started already."""

import pathlib
import runpy
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).parent.parent


def run_example(name, *args, capsys, monkeypatch):
    """(exit status, stdout) of `python examples/NAME.py ARGS`, run as `__main__` here."""
    path = ROOT / "examples" / name
    monkeypatch.setattr(sys, "argv", [str(path), *map(str, args)])
    monkeypatch.setattr(sys, "path", [str(path.parent)] + sys.path)
    with pytest.raises(SystemExit) as done:
        runpy.run_path(str(path), run_name="__main__")
    return done.value.code, capsys.readouterr().out


@pytest.mark.subprocess
def test_keras1_predict_reproduces_both_backends():
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "keras1_predict.py")],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("(reproduced)") == 2
    assert result.stdout.count("(different)") == 2  # the two Keras 1 backends disagree


def test_readme_starts_with_the_two_commands():
    lines = [l for l in (ROOT / "README.md").read_text().splitlines() if l.startswith("pip install")]
    assert "legacy-conv convert examples/data/" in lines[0]
    assert "pytest" in lines[1]
    assert "pytest" in (ROOT / ".ci" / "run").read_text()


@pytest.mark.slow
def test_load_keras1_h5_example(capsys, monkeypatch):
    status, out = run_example("load_keras1_h5.py", capsys=capsys, monkeypatch=monkeypatch)
    assert status == 0, out
    assert "all predictions match Keras 1" in out


@pytest.mark.slow
def test_finetune_converted_example(tmp_path, capsys, monkeypatch):
    path = tmp_path / "finetuned.keras"
    status, out = run_example("finetune_converted.py", path, capsys=capsys,
                              monkeypatch=monkeypatch)
    assert status == 0, out
    assert "fine-tuning worked" in out and path.is_file()
