"""The examples run, and the README's main command reproduces Keras 1.2.2's predictions."""

import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).parent.parent


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


@pytest.mark.subprocess
def test_load_keras1_h5_example(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "load_keras1_h5.py")],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "all predictions match Keras 1" in result.stdout


@pytest.mark.subprocess
def test_finetune_converted_example(tmp_path):
    out = tmp_path / "finetuned.keras"
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "finetune_converted.py"),
                             str(out)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "fine-tuning worked" in result.stdout and out.is_file()
