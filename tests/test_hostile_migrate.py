"""`legacy-conv migrate --write` (issue 12, item 7): files keep everything but the change.

Owner, group and mode are kept; symbolic links are never replaced by copies; hard-linked,
read-only and non-regular files are reported and left; undecodable, binary and nested
sources and link loops are reported by name while the run goes on; a write that fails (or
is interrupted) leaves a report of exactly which files were written. Sources are copies of
tests/fixtures/migrate/keras1_code/cifar_cnn.py.
"""

import argparse
import io
import os
import stat

import pytest

import _fixtures
from legacy_conv.cli import migrate as cli
from legacy_conv.migration import run as runner

SOURCE = (_fixtures.MIGRATE / "keras1_code" / "cifar_cnn.py").read_bytes()


def migrate(*argv):
    parser = argparse.ArgumentParser(prog="legacy-conv")
    cli.add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["migrate", *map(str, argv)])
    out, err = io.StringIO(), io.StringIO()
    status = args.run(args, None, [], stdout=out, stderr=err)
    return status, err.getvalue()


def migrated(path):
    return path.read_bytes() != SOURCE and b"legacy_conv" in path.read_bytes()


@pytest.fixture
def src(tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    for name in ("a.py", "c.py"):
        (folder / name).write_bytes(SOURCE)
    return folder


def leftovers(folder):
    return [p for p in os.listdir(folder) if p.startswith(".")]


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_owner_group_and_mode_are_kept(src):
    path = src / "a.py"
    os.chown(path, 1234, 5678)
    path.chmod(0o640)
    status, err = migrate(src, "--write")
    assert status == 0, err
    info = path.stat()
    assert migrated(path) and (info.st_uid, info.st_gid) == (1234, 5678)
    assert stat.S_IMODE(info.st_mode) == 0o640
    assert f"{path}: written" in err and leftovers(src) == []


def test_a_link_inside_the_tree_migrates_its_file_once_and_stays_a_link(src):
    (src / "sub").mkdir()
    (src / "sub" / "link.py").symlink_to("../a.py")
    (src / "b_link.py").symlink_to("a.py")
    status, err = migrate(src, "--write")
    assert status == 0, err
    assert os.readlink(src / "sub" / "link.py") == "../a.py"
    assert os.readlink(src / "b_link.py") == "a.py"
    assert migrated(src / "a.py") and migrated(src / "c.py")
    assert err.count(": written") == 2 and "rewrote 2 of 2 file(s)" in err


def test_a_link_out_of_the_tree_is_reported_and_left(src, tmp_path):
    outside = tmp_path / "elsewhere.py"
    outside.write_bytes(SOURCE)
    (src / "b.py").symlink_to(outside)
    status, err = migrate(src, "--write")
    assert status == 1
    assert (f"{src / 'b.py'}: skipped: is a symbolic link to {outside}, outside the paths "
            "given; left untouched (name that file to migrate it)") in err
    assert outside.read_bytes() == SOURCE and (src / "b.py").is_symlink()
    assert migrated(src / "a.py") and migrated(src / "c.py")


def test_a_link_loop_is_reported_and_the_run_goes_on(src):
    (src / "b.py").symlink_to(src / "b.py")
    status, err = migrate(src, "--write")
    assert status == 1
    assert (f"{src / 'b.py'}: error: is a symbolic link that cannot be followed (Too many "
            "levels of symbolic links); left untouched") in err
    assert migrated(src / "a.py") and migrated(src / "c.py")


def test_hard_links_are_reported_and_left_joined(src):
    os.link(src / "a.py", src / "b.py")
    status, err = migrate(src, "--write")
    assert status == 1
    assert (f"{src / 'a.py'}: skipped: has 2 hard links, which a rewrite would split; left "
            "untouched (run without --write for the diff)") in err
    assert (src / "a.py").read_bytes() == SOURCE
    assert (src / "a.py").stat().st_ino == (src / "b.py").stat().st_ino
    assert migrated(src / "c.py")


def test_read_only_files_are_reported_not_rewritten(src):
    (src / "a.py").chmod(0o444)
    status, err = migrate(src, "--write")
    assert status == 1
    assert f"{src / 'a.py'}: skipped: is read-only; left untouched" in err
    assert (src / "a.py").read_bytes() == SOURCE and migrated(src / "c.py")


def test_a_fifo_is_reported_without_being_opened(src):
    os.mkfifo(src / "b.py")
    status, err = migrate(src, "--write")
    assert status == 1
    assert f"{src / 'b.py'}: skipped: is a FIFO, not a Python file; left untouched" in err
    assert migrated(src / "a.py") and stat.S_ISFIFO(os.lstat(src / "b.py").st_mode)


@pytest.mark.parametrize("data, reason", [
    pytest.param(b"x = '\xff\xfe'\n", "1:9: error: is not Python text ((unicode error) "
                 "'utf-8' codec can't decode byte 0xff", id="undecodable"),
    pytest.param(b"\x00\x01ELF\x7f binary", "1:1: error: is not Python text (source code "
                 "string cannot contain null bytes)", id="binary"),
    pytest.param(b"x = " + b"(" * 5000 + b")" * 5000 + b"\n", "1:1: error: nests brackets "
                 "5000 deep, more than Python's 200", id="brackets"),
    pytest.param(b"x = " + b"+".join([b"1"] * 2000) + b"\n", "1:1: error: nests "
                 "expressions more than 250 deep", id="operators"),
    pytest.param(b"x = " + b"-" * 30000 + b"1\n", "1:1: error: is too deeply nested to "
                 "rewrite (", id="unary"),  # RecursionError or MemoryError, as CPython sees it
])
def test_unreadable_sources_are_reported_and_the_run_goes_on(src, data, reason):
    (src / "b.py").write_bytes(data)
    status, err = migrate(src, "--write")
    assert status == 1
    assert f"{src / 'b.py'}:{reason}" in err, err
    assert (src / "b.py").read_bytes() == data
    assert migrated(src / "a.py") and migrated(src / "c.py")


def fail_on(monkeypatch, name, error):
    """Makes writing the file called `name` raise `error` (the others are written)."""
    write = runner.write_atomically

    def writes(path, data):
        if path.endswith(name):
            raise error
        write(path, data)

    monkeypatch.setattr(runner, "write_atomically", writes)


def test_a_failed_write_says_which_files_were_written(src, monkeypatch):
    (src / "b.py").write_bytes(SOURCE)
    fail_on(monkeypatch, "b.py", OSError(28, "No space left on device"))
    status, err = migrate(src, "--write")
    assert status == 1
    assert f"{src / 'a.py'}: written" in err and f"{src / 'c.py'}: written" in err
    assert (f"{src / 'b.py'}: error: could not be written ([Errno 28] No space left on "
            "device); left as it was") in err
    assert "rewrote 2 of 3 file(s)" in err
    assert (src / "b.py").read_bytes() == SOURCE and leftovers(src) == []


def test_an_interrupted_run_says_which_files_were_written(src, monkeypatch):
    (src / "b.py").write_bytes(SOURCE)
    fail_on(monkeypatch, "b.py", KeyboardInterrupt())
    parser = argparse.ArgumentParser(prog="legacy-conv")
    cli.add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["migrate", str(src), "--write"])
    err = io.StringIO()
    with pytest.raises(KeyboardInterrupt):
        args.run(args, None, [], stdout=io.StringIO(), stderr=err)
    err = err.getvalue()
    assert f"{src / 'a.py'}: written" in err
    for name in ("b.py", "c.py"):
        assert f"{src / name}: error: not written (interrupted); left as it was" in err
        assert (src / name).read_bytes() == SOURCE
    assert "rewrote 1 of 3 file(s)" in err
