"""Outputs that appear complete or not at all: written to a hidden temporary sibling, then
renamed into place (the command line's files and folders, `serving`'s SavedModels).

What an output may replace (`replaceable`): a regular file, an empty folder, or a folder
that is a SavedModel (`saved_model.pb` or `.pbtxt` in it, and at its top only the entries a
SavedModel export writes, `SAVED_MODEL_ENTRIES`). Anything else is refused with the reason:
a folder holding other files, a symbolic link (name its target instead), a FIFO, a device
or a socket, `/`, the home folder, and the current folder or one above it. A swap moves the
old folder aside, renames the new one in place and then removes the old one, with the
signals that end the command held meanwhile; when the rename fails the old one is put back,
so no `.old` folder is left behind.
"""

import contextlib
import os
import shutil
import signal
import stat
import tempfile

SAVED_MODEL_ENTRIES = frozenset({"saved_model.pb", "saved_model.pbtxt", "variables", "assets",
                                 "assets.extra", "fingerprint.pb", "keras_metadata.pb"})
ACCEPTED = "a regular file, an empty folder or a SavedModel folder"
# Held while a swap is under way; a handler runs once it is done.
HELD_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}

KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
         (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


class NotReplaceable(OSError):
    """An existing output that must not be replaced; the message names it and says why."""


def kind(mode):
    """'a FIFO', 'a socket', ... for a `st_mode` that is neither a regular file nor a folder."""
    return next((text for test, text in KINDS if test(mode)), "not a regular file")


def _special_folder(real):
    cwd = os.path.realpath(os.getcwd())
    if real in (os.path.realpath(os.sep), os.path.realpath(os.path.expanduser("~"))):
        return "the root or home folder"
    if cwd == real or cwd.startswith(real.rstrip(os.sep) + os.sep):
        return "the current folder or one above it"
    return None


def replaceable(path):
    """None if an existing `path` may be replaced, else why not (one line naming it)."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    if stat.S_ISREG(info.st_mode):
        return None
    if stat.S_ISLNK(info.st_mode):
        why = f"a symbolic link (to {os.readlink(path)}); name the file it points to"
    elif not stat.S_ISDIR(info.st_mode):
        why = kind(info.st_mode)
    else:
        why = _special_folder(os.path.realpath(path))
        if why is None:
            entries = set(os.listdir(path))
            foreign = sorted(entries - SAVED_MODEL_ENTRIES)
            if not entries or (not foreign and entries & {"saved_model.pb",
                                                           "saved_model.pbtxt"}):
                return None
            why = ("a folder that is not a SavedModel" + (
                f" (it holds {', '.join(foreign[:3])}{', ...' if len(foreign) > 3 else ''})"
                if foreign else ""))
    return f"{path}: is {why}; only {ACCEPTED} is replaced"


def _writable_again(function, name, error):
    """rmtree's retry where a folder inside is read-only (or unreadable)."""
    for folder in {os.path.dirname(name), name}:
        if os.path.isdir(folder) and not os.path.islink(folder):
            os.chmod(folder, 0o700)
    function(name)


def _remove(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, onerror=_writable_again)
    elif os.path.lexists(path):
        os.unlink(path)


def _readable(path, folder, mode=None):
    """Gives the temporary output `mode`, else the permissions a new file or folder would
    have."""
    if mode is None:
        umask = os.umask(0)
        os.umask(umask)
        mode = (0o777 if folder else 0o666) & ~umask
    os.chmod(path, mode)


@contextlib.contextmanager
def _signals_held():
    """SIGINT, SIGTERM and SIGHUP wait until the block is done (then their handlers run)."""
    held = signal.pthread_sigmask(signal.SIG_BLOCK, HELD_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _commit(tmp, path, replace):
    """Moves `tmp` to `path`; an existing `path` (only with `replace`, else FileExistsError;
    only where `replaceable`, else NotReplaceable) is moved aside first and removed once
    the new one is in place."""
    with _signals_held():
        if not os.path.lexists(path):
            os.rename(tmp, path)
            return
        if not replace:
            raise FileExistsError(path)
        refused = replaceable(path)
        if refused:
            raise NotReplaceable(refused)
        if os.path.isfile(path) and os.path.isfile(tmp):
            os.replace(tmp, path)
            return
        parent, name = os.path.split(os.path.abspath(path))
        aside = tempfile.mkdtemp(prefix=f".{name}.", suffix=".old", dir=parent)
        old = os.path.join(aside, name)
        try:
            os.rename(path, old)
            os.rename(tmp, path)
        except BaseException:
            if os.path.lexists(old):
                os.rename(old, path)
            os.rmdir(aside)
            raise
        _remove(aside)


def _make_parents(path):
    """Creates the missing folders above `path`; returns them, deepest first."""
    made = []
    parent = os.path.dirname(os.path.abspath(path))
    while not os.path.exists(parent):
        made.append(parent)
        parent = os.path.dirname(parent)
    for folder in reversed(made):
        os.mkdir(folder)
    return made


@contextlib.contextmanager
def written(path, folder, replace=False, make_parents=False, mode=None):
    """Yields a hidden temporary sibling of `path` (a folder if `folder`) to write; renames
    it to `path` when the block succeeds (FileExistsError if `path` appeared meanwhile and
    not `replace`; NotReplaceable, before anything is written and again at the rename, if
    it is not `replaceable`), removes it when it fails. With `make_parents`, missing folders
    above `path` are created, and removed again on failure. `mode`: the permission bits
    (default: a new file's or folder's)."""
    refused = replaceable(path) if replace else None
    if refused:
        raise NotReplaceable(refused)
    made = _make_parents(path) if make_parents else []
    parent, name = os.path.split(os.path.abspath(path))
    try:
        if folder:
            tmp = tempfile.mkdtemp(prefix=f".{name}.", suffix=".tmp", dir=parent)
        else:
            suffix = f".tmp{os.path.splitext(name)[1]}"  # model.save() wants '.keras' last
            handle, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=suffix, dir=parent)
            os.close(handle)
        try:
            yield tmp
            _readable(tmp, folder, mode)
            _commit(tmp, path, replace)
        finally:
            if os.path.lexists(tmp):
                with contextlib.suppress(OSError):  # never hides why the block failed
                    _remove(tmp)
    except BaseException:
        for created in made:
            with contextlib.suppress(OSError):
                os.rmdir(created)
        raise
