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
    giving the native layer's weights (arrays, or `handlers.Rows`; a `rearranging` fn may be
    given weights still in the file, see `fill`); `notes`: [(layer
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
        """Copies every legacy weight into the native model (`fill`), from the legacy
        model's current values."""
        legacy = {id(layer): layer for _, layer, _ in self.transfers}
        return self.fill([(layer, [_view(v) for v in layer.weights])
                          for layer in legacy.values()])

    def fill(self, sources, put=None):
        """Fills the native model from `sources`, [(legacy layer, its weights)], one legacy
        layer at a time, and returns it. Every shape is checked first (each transfer on
        stand-ins of its legacy layer's weights): a mismatch fills nothing.

        A weight may be an array or an object that writes itself (`fill.fill`: a dataset
        still in the file); a transfer marked `rearranging` gets them as they are, any
        other gets arrays (read one legacy layer at a time). `put(variable, values, legacy
        layer)` sets each native weight (default `fill.fill`: within `fill.filling()`,
        straight into the native variable's memory).
        """
        put = put or (lambda variable, values, legacy: fill.fill(variable, values))
        by_legacy = {}
        for native, legacy, fn in self.transfers:
            _check(native, legacy, fn([_stand_in(v) for v in legacy.weights]))
            by_legacy.setdefault(id(legacy), []).append((native, fn))
        for legacy, weights in sources:
            arrays = None
            for native, fn in by_legacy.pop(id(legacy), ()):
                if not getattr(fn, "rearranging", False):
                    arrays = arrays or [np.asarray(w) for w in weights]
                for variable, values in zip(native.weights, fn(
                        weights if getattr(fn, "rearranging", False) else arrays)):
                    put(variable, values, legacy)
        return self.model


def rearranging(fn):
    """Marks a transfer `fn` that only picks, orders or wraps (`handlers.Rows`) the legacy
    weights it is given, never computes with them: it may be given weights still in the
    file, which are then read straight into the native variables."""
    fn.rearranging = True
    return fn


# The transfer of a native layer whose weights are the legacy layer's, as they are.
SAME = rearranging(lambda weights: list(weights))


def _check(native, legacy, arrays):
    expected = [tuple(v.shape) for v in native.weights]
    if [tuple(a.shape) for a in arrays] != expected:
        raise ConversionError(
            f"has weights of shapes {[tuple(a.shape) for a in arrays]} for a native "
            f"layer expecting {expected}", layer=f'"{legacy.name}"', has_value=False)


def _stand_in(variable):
    """An array of `variable`'s shape and dtype that holds no memory (for shapes)."""
    return np.broadcast_to(np.zeros((), variable.dtype), tuple(variable.shape))


def _view(variable):
    """A variable's value as a read-only NumPy array; on the CPU a view of its memory (which
    TensorFlow copies before any write while the view lives)."""
    return np.asarray(tf.convert_to_tensor(variable))
