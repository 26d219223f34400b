"""`NativePlan`: a native model, how each of its weights comes from the legacy model, and
which legacy layer each native layer comes from (`Provenance`)."""

from collections import namedtuple

import numpy as np
import tensorflow as tf

from legacy_conv.errors import ConversionError
from legacy_conv.load import fill
from legacy_conv.spec.activations import HARD_SIGMOID, KERAS3_HARD_SIGMOID

# One native layer: its name, the legacy layer it comes from, its role (a key of ROLES) and
# why it exists (ROLES[role], or what its weights hold, e.g. a Theano kernel flipped).
Provenance = namedtuple("Provenance", "native_name legacy_name role why")

# Why a native layer exists, by role.
ROLES = {
    "input": "the model's input",
    "core": "the Keras 1 layer's own computation",
    "layout": "moves the axes between Keras 1's channels-first order and the channels-last "
              "order the native layers run in",
    "kept": "legacy_conv's own layer, kept (keep_legacy=True)",
    "hard_sigmoid": f"activation 'hard_sigmoid': Keras 1's is {HARD_SIGMOID}, Keras 3's "
                    f"{KERAS3_HARD_SIGMOID}",
    "output_shape": "Keras 1's output_shape is Keras 3's transposed convolution followed by "
                    "a crop here",
    "theano_pad": "Keras 1 on Theano padded this convolution otherwise than Keras 3",
    "theano_crop": "Keras 1 on Theano cropped this convolution's output",
    "subsample": "Keras 1 on Theano subsampled a dilated convolution",
    "edge_pad": "Theano's 'same' pooling windows are not Keras 3's",
}
# The steps of Keras 1 that no single Keras 3 layer takes, most telling first.
STEPS = ("hard_sigmoid", "output_shape", "theano_pad", "theano_crop", "subsample", "edge_pad")


def main_step(roles):
    """The first of STEPS among `roles` (why a layer needs several native layers), or None."""
    return next((role for role in STEPS if role in roles), None)


class NativePlan:
    """A native model and how to fill its weights from the legacy model it came from.

    `transfers`: [(native layer, legacy layer, fn)], `fn(the legacy weights as arrays)`
    giving the native layer's weights (arrays, or `handlers.Rows`); `notes`: [(layer
    name, what is not exact in training)]; `kept`: [(layer name, class, why)] for legacy
    layers kept (keep_legacy=True); `origins`: [(native layer, its `Provenance`)], one per
    native layer (those of nested models too), in the order they were made.
    """

    def __init__(self, model, transfers, notes, kept, origins=()):
        self.model = model
        self.transfers = transfers
        self.notes = notes
        self.kept = kept
        self.origins = list(origins)
        self._origin = {id(layer): record for layer, record in self.origins}

    @property
    def provenance(self):
        """[`Provenance`], one per native layer, in the order they were made."""
        return [record for _, record in self.origins]

    def origin(self, layer):
        """The `Provenance` of a native layer of this plan (None for any other layer)."""
        return self._origin.get(id(layer))

    def roles(self):
        """The role of each of `model.layers`, in order."""
        return [self.origin(layer).role for layer in self.model.layers]

    def transfer(self):
        """Copies every legacy weight into the native model (shapes checked first), each
        once (`fill.fill`: within `fill.filling()`, into the native variables' memory)."""
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
                fill.fill(variable, array)
        return self.model


def _view(variable):
    """A variable's value as a read-only NumPy array; on the CPU a view of its memory (which
    TensorFlow copies before any write while the view lives)."""
    return np.asarray(tf.convert_to_tensor(variable))
