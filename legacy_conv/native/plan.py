"""`NativePlan`: a native model and how each of its weights comes from the legacy model."""

import numpy as np
import tensorflow as tf

from legacy_conv.errors import ConversionError
from legacy_conv.load import _host_memory
from legacy_conv.native import handlers

class NativePlan:
    """A native model and how to fill its weights from the legacy model it came from.

    `transfers`: [(native layer, legacy layer, fn)], `fn(the legacy weights as arrays)`
    giving the native layer's weights (arrays, or `native_layers.Rows`); `notes`: [(layer
    name, what is not exact in training)]; `kept`: [(layer name, class, why)] for legacy
    layers kept (keep_legacy=True).
    """

    def __init__(self, model, transfers, notes, kept):
        self.model = model
        self.transfers = transfers
        self.notes = notes
        self.kept = kept

    def transfer(self):
        """Copies every legacy weight into the native model (shapes checked first); within
        `_host_memory.zero_filled()`, straight into the memory of the native variables
        that `weight_plan` built there."""
        prepared = []
        for native, legacy, fn in self.transfers:
            arrays = fn([_view(variable) for variable in legacy.weights])
            expected = [tuple(v.shape) for v in native.weights]
            if [tuple(a.shape) for a in arrays] != expected:
                raise ConversionError(
                    f"has weights of shapes {[tuple(a.shape) for a in arrays]} for a native "
                    f"layer expecting {expected}", layer=f'"{legacy.name}"', has_value=False)
            prepared.append((native, arrays))
        for native, arrays in prepared:
            for variable, array in zip(native.weights, arrays):
                memory = _host_memory.writable(variable)
                if memory is None:
                    variable.assign(np.asarray(array))
                elif isinstance(array, handlers.Rows):
                    array.write_to(memory)
                else:
                    np.copyto(memory, array)
        return self.model


def _view(variable):
    """A variable's value as a read-only NumPy array; on the CPU a view of its memory (which
    TensorFlow copies before any write while the view lives)."""
    return np.asarray(tf.convert_to_tensor(variable))
