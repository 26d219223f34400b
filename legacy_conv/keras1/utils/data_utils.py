"""Keras 1.2.2's `keras.utils.data_utils.get_file`, without the network: it returns the file
Keras 1 would have downloaded when it is in Keras 1's cache (`~/.keras/<cache_subdir>/`,
`/tmp/.keras/` where `~/.keras` is not writable), unpacking a `.tar.gz` there as Keras 1
did, and otherwise refuses, naming the URL to download and where to put the file."""

import hashlib
import os
import tarfile

from legacy_conv.spec import utils as spec


def cache_dir(cache_subdir=spec.CACHE_SUBDIR):
    """Keras 1's cache folder: ~/.keras/`cache_subdir`, or /tmp/.keras/ if ~/.keras is not writable."""
    base = os.path.expanduser(os.path.join("~", ".keras"))
    if not os.access(base, os.W_OK):
        base = os.path.join("/tmp", ".keras")
    return os.path.join(base, cache_subdir)


def validate_file(fpath, md5_hash):
    """Whether the file's MD5 hash is `md5_hash`."""
    hasher = hashlib.md5()
    with open(fpath, "rb") as f:
        hasher.update(f.read())
    return hasher.hexdigest() == str(md5_hash)


def get_file(fname, origin, untar=False, md5_hash=None, cache_subdir=spec.CACHE_SUBDIR):
    """The path of `fname` in Keras 1's cache (unpacked from `fname`.tar.gz if `untar`).

    Raises:
        FileNotFoundError: the file is not there (or fails `md5_hash`): legacy_conv does not
            download; the message names `origin` and the path to save it at.
    """
    datadir = cache_dir(cache_subdir)
    os.makedirs(datadir, exist_ok=True)
    path = os.path.join(datadir, fname)
    archive = path + ".tar.gz" if untar else path
    if untar and os.path.exists(path):
        return path
    if not os.path.exists(archive) or (md5_hash is not None
                                       and not validate_file(archive, md5_hash)):
        found = "is not there" if not os.path.exists(archive) else "fails its MD5 check"
        raise FileNotFoundError(
            f"{fname}: {archive} {found}, and legacy_conv does not download (Keras 1's "
            f"get_file did). Download {origin} and save it as {archive}"
            + (f" (MD5 {md5_hash})" if md5_hash else "") + ", as Keras 1 would have"
        )
    if untar:
        with tarfile.open(archive, "r:gz") as tfile:
            tfile.extractall(path=datadir, filter="data")
    return path
