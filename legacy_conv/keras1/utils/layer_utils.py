"""Keras 1.2.2's `keras.utils.layer_utils`: `convert_all_kernels_in_model`; `print_summary`
prints Keras 3's summary of the model."""

from legacy_conv.keras1.utils import np_utils
from legacy_conv.spec import utils as spec


def convert_all_kernels_in_model(model):
    """Keras 1's Theano <-> TensorFlow kernel conversion of a model: `convert_kernel` of the
    `W` of each Convolution1D/2D/3D, AtrousConvolution2D and Deconvolution2D layer, with
    `image_dim_ordering()` as Keras 1 did (not the layer's own `dim_ordering`)."""
    for layer in model.layers:
        if type(layer).__name__ in spec.KERNEL_CONVERTED:
            layer.W.assign(np_utils.convert_kernel(layer.W.numpy()))


def print_summary(model, line_length=100, positions=None):
    """Prints Keras 3's summary of `model` (Keras 1 took its layers; the columns differ)."""
    model.summary(line_length=line_length, positions=positions)
