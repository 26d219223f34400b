"""`legacy-conv convert`'s files (issue 12, item 6): OUT never destroys the user's files, IN
is read only when it is a regular file, and SIGTERM/SIGHUP clean up as Ctrl-C does.

Inputs are the Keras 1.2.2 CLI fixtures, copied to tmp_path. The command runs in-process
(`cli.main`), except the signal cases, which run it in a fresh process and signal it while
it writes (a hook holds the write open).
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

import _fixtures
from legacy_conv import _atomic
from legacy_conv import cli
from legacy_conv import serving
from legacy_conv.errors import ConversionError

FIXTURES = _fixtures.CLI / "tensorflow"
ACCEPTED = "only a regular file, an empty folder or a SavedModel folder is replaced"


@pytest.fixture(autouse=True)
def no_hang():
    """A case that would block (reading a FIFO) fails after 60 s instead."""
    def hung(signum, frame):
        raise TimeoutError("the command blocked")
    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def run(capsys, *argv):
    start = time.monotonic()
    status = cli.main([str(a) for a in argv] + ["-q", "--keras1-backend", "tensorflow"])
    _, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("legacy-conv: error: "), err
    return status, lines[0].removeprefix("legacy-conv: error: "), time.monotonic() - start


def tree(root):
    """Every path below `root` with its bytes (files) or None (folders, others)."""
    found = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(folder, name)
            found[os.path.relpath(path, root)] = (
                Path(path).read_bytes() if os.path.isfile(path) and not os.path.islink(path)
                else None)
    return found


@pytest.fixture
def model_h5(tmp_path):
    path = tmp_path / "proj" / "model.h5"
    path.parent.mkdir()
    shutil.copy(FIXTURES / "func.h5", path)
    (tmp_path / "proj" / "notes.txt").write_text("the user's notes")
    return path


# -- what --force replaces ---------------------------------------------------------------------
def _user_folder(tmp_path):
    out = tmp_path / "work"
    out.mkdir()
    (out / "thesis.tex").write_text("mine")
    (out / "saved_model.pb").write_text("a SavedModel's name does not make it one")
    return out, "is a folder that is not a SavedModel (it holds thesis.tex)"


def _fifo(tmp_path):
    out = tmp_path / "pipe"
    os.mkfifo(out)
    return out, "is a FIFO"


def _device(tmp_path):
    return Path("/dev/null"), "is a character device"


def _symlink(tmp_path):
    target = tmp_path / "precious.keras"
    target.write_text("mine")
    out = tmp_path / "out.keras"
    out.symlink_to(target)
    return out, f"is a symbolic link (to {target}); name the file it points to"


def _current_folder(tmp_path):
    os.chdir(tmp_path / "empty")
    return Path("."), "is the current folder or one above it"


def _above_current_folder(tmp_path):
    (tmp_path / "empty" / "deeper").mkdir()
    os.chdir(tmp_path / "empty" / "deeper")
    return Path(".."), "is the current folder or one above it"


def _home(tmp_path):
    os.environ["HOME"] = str(tmp_path / "empty")  # restored by the test's monkeypatch
    return tmp_path / "empty", "is the root or home folder"


@pytest.mark.parametrize("make", [_user_folder, _fifo, _device, _symlink, _current_folder,
                                  _above_current_folder, _home],
                         ids=lambda f: f.__name__.strip("_"))
def test_force_replaces_only_files_and_saved_models(capsys, tmp_path, monkeypatch, make):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", os.environ.get("HOME", "/root"))
    (tmp_path / "empty").mkdir()
    source = tmp_path / "in.h5"
    shutil.copy(FIXTURES / "func.h5", source)
    out, why = make(tmp_path)
    before = tree(tmp_path)
    status, line, _ = run(capsys, "convert", source, out, "--force")
    assert status == 1
    assert line == f"{out}: {why}; {ACCEPTED}"
    assert tree(tmp_path) == before  # nothing written, removed or left behind


@pytest.mark.parametrize("existing", ["empty", "saved_model"])
def test_force_replaces_an_empty_folder_or_a_saved_model(capsys, tmp_path, existing):
    out = tmp_path / "served"
    out.mkdir()
    if existing == "saved_model":
        (out / "saved_model.pb").write_text("old")
        (out / "variables").mkdir()
        (out / "variables" / "variables.index").write_text("old")
    status = cli.main(["convert", str(FIXTURES / "func.h5"), str(out), "--force", "-q",
                       "--keras1-backend", "tensorflow"])
    assert status == 0, capsys.readouterr().err
    assert (out / "saved_model.pb").read_bytes() != b"old"
    assert sorted(os.listdir(tmp_path)) == ["served"]


def test_serving_export_refuses_a_folder_of_other_files(tmp_path):
    import legacy_conv
    model = legacy_conv.load_model(str(FIXTURES / "func.h5"), keras1_backend="tensorflow")
    out, _ = _user_folder(tmp_path)
    before = tree(tmp_path)
    with pytest.raises(ConversionError, match="cannot be replaced: is a folder that is not "
                                              "a SavedModel .it holds thesis.tex.") as error:
        serving.export_for_serving(model, str(out), overwrite=True)
    assert str(out) in str(error.value)
    assert tree(tmp_path) == before


# -- OUT that is or holds IN or --weights --------------------------------------------------------
@pytest.mark.parametrize("out", ["proj", "proj/../proj/", ".", "link", "/"])
def test_out_that_contains_in_is_refused(capsys, tmp_path, monkeypatch, model_h5, out):
    monkeypatch.chdir(tmp_path if out != "." else model_h5.parent)
    (tmp_path / "link").symlink_to(tmp_path / "proj")
    before = tree(tmp_path)
    status, line, _ = run(capsys, "convert", model_h5, out, "--force")
    assert status == 2
    assert line == f"{out}: OUT contains IN ({model_h5}); write the conversion to another path"
    assert tree(tmp_path) == before


def test_out_that_contains_weights_is_refused(capsys, tmp_path):
    (tmp_path / "w").mkdir()
    weights = tmp_path / "w" / "weights.h5"
    shutil.copy(FIXTURES / "func_weights.h5", weights)
    before = tree(tmp_path)
    status, line, _ = run(capsys, "convert", FIXTURES / "func.json", tmp_path / "w",
                          "--weights", weights, "--force")
    assert status == 2
    assert line == (f"{tmp_path / 'w'}: OUT contains --weights ({weights}); write the "
                    "conversion to another path")
    assert tree(tmp_path) == before


def test_out_that_is_in_through_a_hard_link_is_refused(capsys, tmp_path):
    source = tmp_path / "model.json"
    shutil.copy(FIXTURES / "func.json", source)
    os.link(source, tmp_path / "out.json")
    status, line, _ = run(capsys, "convert", source, tmp_path / "out.json", "--force")
    assert status == 2 and line.endswith("OUT is IN; write the conversion to another path")
    assert (tmp_path / "out.json").read_bytes() == (FIXTURES / "func.json").read_bytes()


# -- IN that is not a regular file ---------------------------------------------------------------
def _in_fifo(tmp_path):
    os.mkfifo(tmp_path / "model.json")
    return tmp_path / "model.json", "is a FIFO"


def _in_zero_link(tmp_path):
    (tmp_path / "model.yaml").symlink_to("/dev/zero")
    return tmp_path / "model.yaml", "is a character device"


def _in_socket(tmp_path):
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(tmp_path / "model.h5"))
    return tmp_path / "model.h5", "is a socket"


def _in_loop(tmp_path):
    (tmp_path / "model.json").symlink_to(tmp_path / "model.json")
    return tmp_path / "model.json", "cannot be read (Too many levels of symbolic links)"


@pytest.mark.parametrize("make", [_in_fifo, _in_zero_link, _in_socket, _in_loop],
                         ids=lambda f: f.__name__.removeprefix("_in_"))
@pytest.mark.parametrize("role", ["IN", "--weights"])
def test_input_that_is_not_a_regular_file_is_refused_at_once(capsys, tmp_path, make, role):
    path, why = make(tmp_path)
    argv = (["convert", path, tmp_path / "out.keras"] if role == "IN" else
            ["convert", FIXTURES / "func.json", tmp_path / "out.keras", "--weights", path])
    status, line, elapsed = run(capsys, *argv)
    assert status == 1 and elapsed < 10
    assert line.startswith(f"{path}: {why}")
    if why.startswith("is a"):
        assert line == (f"{path}: {why}, not a Keras 1 model file ({role} must be a regular "
                        "file)")
    assert not (tmp_path / "out.keras").exists()


def test_text_input_over_the_limit_is_refused_before_reading(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(cli.reading, "MAX_TEXT_BYTES", 1000)
    source = tmp_path / "model.json"
    shutil.copy(FIXTURES / "func.json", source)
    status, line, _ = run(capsys, "convert", source, tmp_path / "out.json")
    assert status == 1
    assert line == (f"{source}: is {source.stat().st_size} bytes; a Keras 1 config (IN) is "
                    "read up to 1000 bytes")


# -- a swap that fails ------------------------------------------------------------------------
def _saved_model(path, text):
    path.mkdir()
    (path / "saved_model.pb").write_text(text)


def test_a_failed_swap_restores_the_old_folder_and_leaves_no_aside(tmp_path, monkeypatch):
    out = tmp_path / "served"
    _saved_model(out, "old")
    rename = os.rename

    def failing(source, target):
        if str(source).endswith(".tmp"):
            raise OSError(28, "No space left on device")
        rename(source, target)

    monkeypatch.setattr(_atomic.os, "rename", failing)
    with pytest.raises(OSError, match="No space left"):
        with _atomic.written(str(out), True, replace=True) as tmp:
            Path(tmp, "saved_model.pb").write_text("new")
    assert os.listdir(tmp_path) == ["served"]
    assert (out / "saved_model.pb").read_text() == "old"


def test_the_old_folder_is_removed_even_when_parts_are_read_only(tmp_path):
    out = tmp_path / "served"
    _saved_model(out, "old")
    (out / "variables").mkdir()
    (out / "variables" / "variables.index").write_text("old")
    os.chmod(out / "variables", 0o500)
    with _atomic.written(str(out), True, replace=True) as tmp:
        Path(tmp, "saved_model.pb").write_text("new")
    assert os.listdir(tmp_path) == ["served"]
    assert os.listdir(out) == ["saved_model.pb"]


# -- SIGTERM and SIGHUP -----------------------------------------------------------------------
_HOLD = """
import os, sys, time
from legacy_conv import cli, serving
marker = {marker!r}

def hold():
    open(marker, "w").close()
    time.sleep(120)

if {kind!r} == "saved_model":
    write = serving._write
    def slow(*args):
        write(*args)
        hold()
    serving._write = slow
else:  # Keras's own temporary weights file next to OUT, then hold
    saving_lib = sys.modules["keras.src.saving.saving_lib"]
    saving_lib.is_memory_sufficient = lambda model: False
    save_state = saving_lib._save_state
    def slow(*args, **kwargs):
        save_state(*args, **kwargs)
        if kwargs.get("inner_path") == "":
            hold()
    saving_lib._save_state = slow
sys.exit(cli.main({argv!r}))
"""


@pytest.mark.subprocess
@pytest.mark.parametrize("signum, kind", [(signal.SIGTERM, "saved_model"),
                                          (signal.SIGHUP, "keras")],
                         ids=["SIGTERM-saved_model", "SIGHUP-keras"])
def test_a_signal_while_writing_leaves_nothing(tmp_path, signum, kind):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / ("served" if kind == "saved_model" else "model.keras")
    marker = tmp_path / "writing"
    code = _HOLD.format(marker=str(marker), kind=kind, argv=[
        "convert", str(FIXTURES / "func.h5"), str(out), "-q", "--keras1-backend",
        "tensorflow"])
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    process = subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 180
        while not marker.exists():
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.1)
        writing = os.listdir(out_dir)
        assert len(writing) == (1 if kind == "saved_model" else 2), writing  # ours (+Keras')
        process.send_signal(signum)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 128 + signum
    assert err.strip().splitlines()[-1] == \
        f"legacy-conv: error: terminated by {signal.Signals(signum).name}"
    assert os.listdir(out_dir) == []


# -- the rule, as a property --------------------------------------------------------------------
NAMES = sorted(_atomic.SAVED_MODEL_ENTRIES) + ["thesis.tex", ".git", "data"]


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(entries=st.dictionaries(st.sampled_from(NAMES), st.sampled_from(["file", "folder"]),
                               max_size=5),
       fails=st.booleans())
def test_a_folder_is_replaced_only_when_empty_or_a_saved_model(tmp_path_factory, entries,
                                                               fails):
    root = tmp_path_factory.mktemp("out")
    out = root / "served"
    out.mkdir()
    for name, form in entries.items():
        (out / name).mkdir() if form == "folder" else (out / name).write_text("old")
    before = tree(root)
    allowed = not entries or (set(entries) <= _atomic.SAVED_MODEL_ENTRIES and bool(
        set(entries) & {"saved_model.pb", "saved_model.pbtxt"}))
    try:
        with _atomic.written(str(out), True, replace=True) as tmp:
            Path(tmp, "saved_model.pb").write_text("new")
            if fails:
                raise RuntimeError("disk full")
    except _atomic.NotReplaceable as error:
        assert not allowed and str(error).startswith(f"{out}: is a folder that is not a "
                                                     "SavedModel")
    except RuntimeError:
        assert allowed
    else:
        assert allowed and not fails
    replaced = allowed and not fails
    assert tree(root) == ({"served": None, "served/saved_model.pb": b"new"} if replaced
                          else before)
