"""Reading a Keras 1 file's weights in a background thread while the model is built.

Building a VGG16 in Keras 3 costs about as much as reading its 528 MiB, and the two need
not wait for each other: `ReadAhead` reads every contiguous dataset with `os.preadv`
(which releases the GIL; one call per run of neighbouring datasets) into fresh aligned
arrays, and offers them to `_host_memory.zeros` as the initial memory of the variables of
the same shape and dtype, in the file's order. After the build, `finish()` waits for the
thread and records what each array holds; `weights.Stored.write_to` skips the read where a
variable's memory already holds its own dataset and reads it as usual everywhere else
(another order, a layout transform, a read that failed), so the result never depends on
the guess.
"""

import os
import threading

import h5py
import numpy as np

from legacy_conv.load import _host_memory

# The most bytes one `preadv` asks for (a failed load stops the thread within one).
CHUNK_BYTES = 64 << 20

# The most buffers one `preadv` takes (POSIX's IOV_MAX is at least 16; Linux's is 1024).
_IOV_MAX = os.sysconf("SC_IOV_MAX") if hasattr(os, "sysconf") else 16


def source(dataset):
    """The key of what a contiguous dataset's bytes are: (HDF5 file number, offset)."""
    return dataset.id.fileno, dataset.id.get_offset()


def _readable(dataset, filesize):
    """Whether the dataset's bytes can be copied as they lie in the file: contiguous
    (so unfiltered), not external, inside the file, in this machine's byte order."""
    dtype = dataset.dtype
    if dtype.kind not in "fiu" or not dtype.isnative:
        return False
    plist = dataset.id.get_create_plist()
    if plist.get_layout() != h5py.h5d.CONTIGUOUS or plist.get_external_count():
        return False
    offset, nbytes = dataset.id.get_offset(), dataset.size * dtype.itemsize
    return offset is not None and nbytes > 0 and \
        dataset.id.get_storage_size() == nbytes and offset + nbytes <= filesize


def _read_fully(fd, buffers, offset, stop):
    """Fills `buffers` from `fd` at `offset` with `preadv`, at most `CHUNK_BYTES` a call so
    that `stop` (an Event) is seen between calls; False where it stopped."""
    first = 0
    while first < len(buffers):
        if stop.is_set():
            return False
        batch, size = [], 0
        for view in buffers[first:first + _IOV_MAX]:
            batch.append(view[:CHUNK_BYTES - size])
            size += len(batch[-1])
            if size >= CHUNK_BYTES:
                break
        count = os.preadv(fd, batch, offset)
        if count <= 0:
            raise OSError("unexpected end of file")
        offset += count
        while first < len(buffers) and count >= len(buffers[first]):
            count -= len(buffers[first])
            first += 1
        if count:
            buffers[first] = buffers[first][count:]
    return True


class ReadAhead:
    """Reads `datasets` (those `_readable`) in a thread; use as a context manager."""

    def __init__(self, path, datasets):
        self.path = path
        datasets = list(datasets) if hasattr(os, "preadv") else []
        self.file = datasets[0].file if datasets else None
        filesize = self.file.id.get_filesize() if datasets else 0
        self.jobs = [(_host_memory.aligned_empty(ds.shape, ds.dtype), source(ds))
                     for ds in datasets if _readable(ds, filesize)]
        self.done = []
        self.thread = None
        self.stop = threading.Event()

    def __enter__(self):
        fd = self._open() if self.jobs and _host_memory.active() else None
        if fd is not None:
            for array, _ in self.jobs:
                _host_memory.offer(array)
            self.thread = threading.Thread(target=self._read, args=(fd,),
                                           name="legacy_conv read-ahead", daemon=True)
            self.thread.start()
        return self

    def _open(self):
        """A descriptor of the very file h5py has open (not one since put in its place)."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except OSError:
            return None
        try:
            ours, h5py_s = os.fstat(fd), os.fstat(self.file.id.get_vfd_handle())
            if (ours.st_dev, ours.st_ino) == (h5py_s.st_dev, h5py_s.st_ino):
                return fd
        except (OSError, ValueError, TypeError):  # another HDF5 driver: no descriptor
            pass
        os.close(fd)
        return None

    def __exit__(self, error, *exc):
        if error is not None:
            self.stop.set()  # nothing will use what it reads
        self.finish()

    def _runs(self):
        """[(offset, buffers, jobs)]: the jobs in file order, cut where the bytes between
        two would cost more than `MIN_BYTES` of scratch; those bytes go to `scratch`."""
        runs, end = [], None
        scratch = memoryview(bytearray(_host_memory.MIN_BYTES))
        for array, key in sorted(self.jobs, key=lambda job: job[1][1]):
            offset, view = key[1], memoryview(array.reshape(-1).view(np.uint8))
            if end is None or not 0 <= offset - end <= len(scratch):
                runs.append((offset, [], []))
            elif offset > end:
                runs[-1][1].append(scratch[:offset - end])
            runs[-1][1].append(view)
            runs[-1][2].append((array, key))
            end = offset + len(view)
        return runs

    def _read(self, fd):
        """Reads the runs of datasets, releasing the GIL for each `preadv` (the model is
        being built meanwhile); closes `fd`."""
        try:
            for offset, buffers, jobs in self._runs():
                if not _read_fully(fd, buffers, offset, self.stop):
                    return
                self.done += jobs
        except OSError:
            return  # a short or unreadable file: the assignment reads (and reports) it
        finally:
            os.close(fd)

    def finish(self):
        """Waits for the thread; records what each array read in full now holds."""
        if self.thread is None:
            return
        self.thread.join()
        self.thread = None
        _host_memory.withdraw_offers()
        for array, key in self.done:
            _host_memory.record_filled(array, key)
        self.jobs = self.done = []
