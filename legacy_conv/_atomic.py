"""Outputs that appear complete or not at all: written to a hidden temporary sibling, then
renamed into place (the command line's files and folders, `serving`'s SavedModels)."""

import contextlib
import os
import shutil
import tempfile


def _remove(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
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


def _commit(tmp, path, replace):
    """Moves `tmp` to `path`; an existing `path` (only with `replace`, else FileExistsError)
    is moved aside first and removed once the new one is in place."""
    if not os.path.lexists(path):
        os.rename(tmp, path)
        return
    if not replace:
        raise FileExistsError(path)
    if os.path.isfile(path) and os.path.isfile(tmp):
        os.replace(tmp, path)
        return
    parent, name = os.path.split(os.path.abspath(path))
    aside = tempfile.mkdtemp(prefix=f".{name}.", suffix=".old", dir=parent)
    old = os.path.join(aside, name)
    os.rename(path, old)
    try:
        os.rename(tmp, path)
    except BaseException:
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
    not `replace`), removes it when it fails. With `make_parents`, missing folders above
    `path` are created, and removed again on failure. `mode`: the permission bits (default:
    a new file's or folder's)."""
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
                _remove(tmp)
    except BaseException:
        for created in made:
            with contextlib.suppress(OSError):
                os.rmdir(created)
        raise
