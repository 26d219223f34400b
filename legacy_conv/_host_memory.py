"""Variables whose memory is a NumPy array, so that a file's datasets are read straight into
them.

TensorFlow's CPU allocator faults fresh memory in 4 KiB pages, which costs more than reading
the weights: building an empty VGG16 took three times as long as h5py reading its 528 MiB.
Within `zero_filled()`, a big weight's initial zeros are a NumPy array (pages mapped lazily,
in huge pages where the kernel allows) that the new variable shares through DLPack, and
`writable(variable)` hands that array back for `h5py`'s `read_direct`: one copy, from the
page cache into the variable. Anywhere this does not hold (another device, another dtype,
a variable TensorFlow copied) `writable` gives None and the caller assigns as usual.
"""

import contextlib
import contextvars

import numpy as np

# Smaller weights are not worth it: TensorFlow's own zeros are cheap there.
MIN_BYTES = 1 << 20

# TensorFlow's EIGEN_MAX_ALIGN_BYTES: the alignment its CPU kernels require of a tensor.
ALIGNMENT = 64

# Within `zero_filled()`: the arrays handed out, by the address of their data.
_ARRAYS = contextvars.ContextVar("legacy_conv_host_arrays", default=None)


@contextlib.contextmanager
def zero_filled():
    token = _ARRAYS.set({})
    try:
        yield
    finally:
        _ARRAYS.reset(token)


def active():
    return _ARRAYS.get() is not None


def zeros(shape, dtype):
    """Zeros for a new variable; within `zero_filled()`, big ones share a NumPy array."""
    import tensorflow as tf

    dtype = np.dtype(dtype or "float32")
    arrays = _ARRAYS.get()
    if arrays is None or int(np.prod(shape)) * dtype.itemsize < MIN_BYTES:
        return tf.zeros(shape, dtype)
    array = _aligned_zeros(shape, dtype)
    arrays[array.ctypes.data] = array
    return tf.experimental.dlpack.from_dlpack(array.__dlpack__())


def _aligned_zeros(shape, dtype):
    """Zeros at an address TensorFlow's kernels accept (they check ALIGNMENT; NumPy gives 16)."""
    size = int(np.prod(shape)) * dtype.itemsize
    raw = np.zeros(size + ALIGNMENT, np.uint8)
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
    arrays = _ARRAYS.get()
    if not arrays:
        return None
    import tensorflow as tf

    try:
        tensor = getattr(variable, "value", variable)  # a Keras variable's tf.Variable
        tensor = tensor.value() if hasattr(tensor, "value") else tensor
        address = np.from_dlpack(_Capsule(tf.experimental.dlpack.to_dlpack(tensor))).ctypes.data
    except Exception:  # another device, a dtype DLPack lacks: assign as usual
        return None
    array = arrays.get(address)
    if array is None or array.shape != tuple(variable.shape) or \
            array.dtype != np.dtype(variable.dtype):
        return None
    return array
