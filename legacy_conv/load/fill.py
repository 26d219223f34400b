"""The one way weights get into new variables during a load: the rest of the package calls
this module and sees nothing of how.

Within `filling()`, variables are made to be filled: their initial values are zeros, not
drawn (`zeros`), and `fill(variable, values)` then sets each one. How, is this module's
business: a big weight's zeros are a NumPy array that the variable shares
(`_host_memory`), which `fill` writes straight into (one copy, from the file or the legacy
model); elsewhere `fill` assigns (in slices, for a dataset still in the file). `assign` is
TensorFlow's assign for values that come from anywhere else (`set_weights`).
"""

import numpy as np

from legacy_conv.load import _host_memory

filling = _host_memory.zero_filled
active = _host_memory.active
zeros = _host_memory.zeros


def fill(variable, values):
    """Sets `variable` (made within `filling()`, or any other) to `values`: an array, or an
    object that writes itself (`write_to(out)`, e.g. a dataset still in the file or rows
    gathered on the fly) and may assign itself (`assign_to(variable)`, e.g. in slices)."""
    memory = _host_memory.writable(variable)
    if memory is not None:
        if hasattr(values, "write_to"):
            values.write_to(memory)
        else:
            np.copyto(memory, values, casting="unsafe")  # NumPy's cast, as Keras 1 did
    elif hasattr(values, "assign_to"):
        values.assign_to(variable)
    else:
        variable.assign(np.asarray(values).astype(variable.dtype, copy=False))


def assign(variable, value):
    """TensorFlow's assign: from here on `variable`'s memory is TensorFlow's own (`fill`
    no longer writes through the array it started on)."""
    _host_memory.forget(variable)
    variable.assign(value)
