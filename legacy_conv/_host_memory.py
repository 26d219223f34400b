"""Variables whose memory is a NumPy array, so that a file's datasets are read straight into
them.

TensorFlow's CPU allocator faults fresh memory in 4 KiB pages, which costs more than reading
the weights: building an empty VGG16 took three times as long as h5py reading its 528 MiB.
Within `zero_filled()`, a big weight's initial zeros are a NumPy array (pages mapped lazily,
in huge pages where the kernel allows) that the new variable shares through DLPack, and
`writable(variable)` hands that array back for `h5py`'s `read_direct`: one copy, from the
page cache into the variable. Anywhere this does not hold (another device, another dtype,
a variable TensorFlow copied) `writable` gives None and the caller assigns as usual.

A reader may `offer` arrays it is filling (`conversion.read_ahead`): `zeros` hands out an
offered array of the same shape and dtype first, in the order offered, so that a weight can
be read while the model is still being built; `filled_with(array)` then says what the
reader put there (or None), and the caller reads the weight itself wherever that is not
the weight it wants.
"""

import contextlib
import contextvars

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
        self.kinds = set()  # the (shape, dtype) of the arrays handed out


@contextlib.contextmanager
def zero_filled():
    token = _STATE.set(_State())
    try:
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
    offered = state.offered.get((shape, dtype)) if state is not None else None
    if offered:
        array = offered.pop(0)
    elif state is None or int(np.prod(shape)) * dtype.itemsize < MIN_BYTES:
        return tf.zeros(shape, dtype)
    else:
        array = aligned_empty(shape, dtype, np.zeros)
    state.arrays[array.ctypes.data] = array
    state.kinds.add((shape, dtype))
    return tf.experimental.dlpack.from_dlpack(array.__dlpack__())


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
    """The NumPy array that is `variable`'s memory (handed out by `zeros`), else None."""
    state = _STATE.get()
    if state is None or (tuple(variable.shape), np.dtype(variable.dtype)) not in state.kinds:
        return None  # no array of its kind was handed out (reading its memory costs an op)
    import tensorflow as tf

    try:
        tensor = getattr(variable, "value", variable)  # a Keras variable's tf.Variable
        tensor = tensor.value() if hasattr(tensor, "value") else tensor
        address = np.from_dlpack(_Capsule(tf.experimental.dlpack.to_dlpack(tensor))).ctypes.data
    except Exception:  # another device, a dtype DLPack lacks: assign as usual
        return None
    array = state.arrays.get(address)
    if array is None or array.shape != tuple(variable.shape) or \
            array.dtype != np.dtype(variable.dtype):
        return None
    return array
