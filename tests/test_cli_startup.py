"""The command line starts at once: help, --version, bad arguments and `migrate --check`
answer without importing TensorFlow (or Keras, or the layers); a command that needs them
imports them."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from legacy_conv import cli
from legacy_conv import loading
from legacy_conv.cli import migrate as migrate_cli
from legacy_conv.migration import run as runner

SCRIPT = Path(sys.executable).parent / "legacy-conv"
KERAS1_CODE = Path(__file__).parent / "fixtures" / "migrate" / "keras1_code"
LIGHT = [  # (argv, exit status)
    (["--help"], 0),
    (["--version"], 0),
    (["convert", "--help"], 0),
    (["migrate", "--check", "--help"], 0),
    (["convert", "in.h5"], 2),
    (["inspect", "in.h5", "--target", "modern"], 2),
    (["migrate", "--check"], 2),
    (["bogus"], 2),
]
HEAVY = ("tensorflow", "keras", "h5py", "legacy_conv.layers")


def _imported(argv, command):
    """(exit status, the top-level names of the modules the command imported)."""
    code, names, _ = _run(argv, command)
    return code, names


def _run(argv, command):
    """(exit status, the names of the modules the command imported, its other stderr)."""
    if command == "script" and not SCRIPT.exists():
        pytest.skip("the console script is not installed next to this Python")
    start = [str(SCRIPT)] if command == "script" else [sys.executable, "-m", "legacy_conv"]
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}
    done = subprocess.run(start + argv, env=env, capture_output=True, text=True, timeout=120)
    names = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines()
             if line.startswith("import time:")}
    rest = "".join(line for line in done.stderr.splitlines(keepends=True)
                   if not line.startswith("import time:"))
    return done.returncode, names, rest


@pytest.mark.subprocess
@pytest.mark.parametrize("command", ["script", "module"])
@pytest.mark.parametrize("argv, status", LIGHT, ids=[" ".join(a) for a, _ in LIGHT])
def test_answers_without_tensorflow(argv, status, command):
    code, names = _imported(argv, command)
    assert code == status
    assert "legacy_conv.cli" in names
    assert not [n for n in names if n.startswith(HEAVY)]


@pytest.mark.subprocess
@pytest.mark.parametrize("command", ["script", "module"])
def test_migrate_check_reads_code_without_tensorflow(command):
    code, names, report = _run(["migrate", "--check", str(KERAS1_CODE)], command)
    assert not [n for n in names if n.startswith(HEAVY)]
    expected = io.StringIO()  # the same report as in a process with the whole package
    assert code == migrate_cli.main(["--check", str(KERAS1_CODE)], stderr=expected) == 1
    assert report == expected.getvalue()
    assert " trap" in report.splitlines()[-1]


@pytest.mark.subprocess
def test_a_command_imports_the_whole_package(tmp_path):
    code, names = _imported(["inspect", str(tmp_path / "missing.h5")], "module")
    assert code == 1
    assert {"tensorflow", "keras", "legacy_conv.layers.convolution"} <= names


def test_the_parser_knows_the_choices_of_what_it_does_not_import():
    assert cli.TARGETS == loading.TARGETS
    assert migrate_cli.TARGETS == runner.TARGETS
    assert migrate_cli.DIM_ORDERINGS == runner.DIM_ORDERINGS


def test_a_command_run_from_python_keeps_the_imported_package():
    import legacy_conv
    from legacy_conv import _startup

    layers = legacy_conv.LAYERS
    assert _startup.import_package() is legacy_conv
    assert legacy_conv.LAYERS is layers  # not imported again
