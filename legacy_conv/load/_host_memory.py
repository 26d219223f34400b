"""Variables whose memory is a NumPy array, so that a file's datasets are read straight into
them: how `fill` works (nothing outside `load/` calls this module).

TensorFlow's CPU allocator faults fresh memory in 4 KiB pages, which costs more than reading
the weights: building an empty VGG16 took three times as long as h5py reading its 528 MiB.
Within `zero_filled()`, a big weight's initial zeros are a NumPy array (pages mapped lazily,
in huge pages where the kernel allows) that the new variable shares through DLPack, and
`writable(variable)` hands that array back for `h5py`'s `read_direct`: one copy, from the
page cache into the variable. A variable creator notes which array each variable started
on; anywhere sharing does not hold (another device, a TensorFlow that copies, a variable
assigned since, see `forget`) `writable` gives None and the caller assigns as usual.

A reader may `offer` arrays it is filling (`load.read_ahead`): `zeros` hands out an
offered array of the same shape and dtype first, in the order offered, so that a weight can
be read while the model is still being built; `filled_with(array)` then says what the
reader put there (or None), and the caller reads the weight itself wherever that is not
the weight it wants.

Against TensorFlow's zeros and a sliced assign, a VGG16 loads in 0.27–0.35× the time with
0.83× the peak memory (`bench_model_files.py --compare`, see benchmarks/RESULTS.md).
"""

import contextlib
import contextvars
import os

import numpy as np

# Smaller weights are not worth it: TensorFlow's own zeros are cheap there.
MIN_BYTES = 1 << 20

# TensorFlow's EIGEN_MAX_ALIGN_BYTES: the alignment its CPU kernels require of a tensor.
ALIGNMENT = 64

# Within `zero_filled()`: what it hands out and what was offered to it.
_STATE = contextvars.ContextVar("legacy_conv_host_arrays", default=None)


class _State:
    def __init__(self):
        self.arrays = {}   # the arrays handed out, by the address of their data
        self.offered = {}  # (shape, dtype) -> [array, ...] not handed out yet, in order
        self.filled = {}   # address -> what a reader put there
        self.variables = {}  # id(tf.Variable) -> (that variable, the array it started on)
        self.pending = None  # the array `zeros` handed to the variable being created
        self.shares = None   # whether TensorFlow's variables share their initial memory

    def create(self, next_creator, **kwargs):
        """A `tf.variable_creator_scope` creator: notes which array a variable starts on
        (TensorFlow's AssignVariableOp adopts the initial value's buffer, never copies it)."""
        self.pending = None
        variable = next_creator(**kwargs)
        # Only a plain variable (not one a distribution strategy mirrors on several devices).
        if self.pending is not None and type(variable).__name__ == "ResourceVariable":
            self.variables[id(variable)] = (variable, self.pending)
            self.pending = None
        return variable


@contextlib.contextmanager
def zero_filled():
    import tensorflow as tf

    state = _State()
    token = _STATE.set(state)
    try:
        with tf.variable_creator_scope(state.create):
            yield
    finally:
        _STATE.reset(token)


def offer(array):
    """Hands `array` (from `aligned_empty`) out as the next zeros of its shape and dtype."""
    state = _STATE.get()
    if state is not None:
        state.offered.setdefault((array.shape, array.dtype), []).append(array)


def withdraw_offers():
    """Drops the offered arrays nothing took (their memory is freed)."""
    state = _STATE.get()
    if state is not None:
        state.offered.clear()


def record_filled(array, source):
    """Notes that `array` now holds `source` (a reader's key for what it read), if a
    variable took it (the others are freed: their addresses may come back)."""
    state = _STATE.get()
    if state is not None and state.arrays.get(array.ctypes.data) is array:
        state.filled[array.ctypes.data] = source


def filled_with(array):
    state = _STATE.get()
    return None if state is None else state.filled.get(array.ctypes.data)


def active():
    return _STATE.get() is not None


def zeros(shape, dtype):
    """Zeros for a new variable; within `zero_filled()`, big ones share a NumPy array, and
    an offered array of the same kind goes first (whatever it holds: within `zero_filled()`
    every value is overwritten)."""
    import tensorflow as tf

    dtype = np.dtype(dtype or "float32")
    state = _STATE.get()
    shape = tuple(int(d) for d in shape)
    if not tf.executing_eagerly():  # a traced call: a value is not made here
        return tf.zeros(shape, dtype)
    offered = state.offered.get((shape, dtype)) if state is not None else None
    if offered:
        array = offered.pop(0)
    elif state is None or int(np.prod(shape)) * dtype.itemsize < MIN_BYTES:
        return tf.zeros(shape, dtype)
    else:
        array = aligned_empty(shape, dtype, np.zeros)
    state.arrays[array.ctypes.data] = array
    state.pending = array
    return tf.experimental.dlpack.from_dlpack(array.__dlpack__())


def _available():
    """The memory the system can give without swapping (Linux's MemAvailable), else None."""
    try:
        with open("/proc/meminfo", "rb") as f:
            for line in f.read(1 << 16).splitlines():
                if line.startswith(b"MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def limit():
    """(bytes, what sets them): the most memory this process can take now — the memory the
    system has available (else its physical memory), or its RLIMIT_AS / RLIMIT_DATA where
    lower; None where the system says none of these."""
    found = []
    available = _available()
    if available is not None:
        found.append((available, "memory available"))
    try:
        import resource

        if available is None:
            found.append((os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"),
                          "physical memory"))
        for name in ("RLIMIT_AS", "RLIMIT_DATA"):
            soft = resource.getrlimit(getattr(resource, name))[0]
            if soft != resource.RLIM_INFINITY:
                found.append((soft, name))
    except (ImportError, AttributeError, ValueError, OSError):  # not a POSIX system
        pass
    return min(found) if found else None


def aligned_empty(shape, dtype, allocate=np.empty):
    """An array at an address TensorFlow's kernels accept (they check ALIGNMENT; NumPy gives
    16). Fresh big allocations are mapped lazily: their pages cost when first written."""
    dtype = np.dtype(dtype)
    size = int(np.prod(shape)) * dtype.itemsize
    raw = allocate(size + ALIGNMENT, np.uint8)
    start = -raw.ctypes.data % ALIGNMENT
    return raw[start:start + size].view(dtype).reshape(shape)


class _Capsule:
    """What `np.from_dlpack` takes: an object with `__dlpack__` (TensorFlow gives a capsule)."""

    def __init__(self, capsule):
        self.capsule = capsule

    def __dlpack__(self, **kwargs):
        return self.capsule

    def __dlpack_device__(self):
        return (1, 0)  # kDLCPU


def writable(variable):
    """The NumPy array that is `variable`'s memory (handed out by `zeros`), else None.

    Looked up without running an op (reading a variable's address costs a kernel per
    shape); whether TensorFlow shares the initial memory is checked on the first lookup.
    """
    state = _STATE.get()
    tensor = getattr(variable, "value", variable)  # a Keras variable's tf.Variable
    entry = None if state is None else state.variables.get(id(tensor))
    if entry is None or entry[0] is not tensor or "CPU" not in (tensor.device or "CPU"):
        return None
    array = entry[1]
    if state.shares is None:
        state.shares = _address(tensor) == array.ctypes.data
    return array if state.shares else None


def forget(variable):
    """Drops `variable`'s array: something other than a file read is writing the variable
    (TensorFlow may then give it other memory)."""
    state = _STATE.get()
    if state is not None:
        state.variables.pop(id(getattr(variable, "value", variable)), None)


def _address(variable):
    """The address of `variable`'s memory, else None."""
    import tensorflow as tf

    try:
        capsule = tf.experimental.dlpack.to_dlpack(variable.value())
        return np.from_dlpack(_Capsule(capsule)).ctypes.data
    except Exception:  # another device, a dtype DLPack lacks
        return None
