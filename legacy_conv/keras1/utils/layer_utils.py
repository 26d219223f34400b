"""Keras 1.2.2's `keras.utils.layer_utils`: `convert_all_kernels_in_model`; `print_summary`
prints Keras 3's summary of the model."""

from legacy_conv.keras1.utils import np_utils


def convert_all_kernels_in_model(model):
    """Converts each convolution kernel of `model` between Theano and TensorFlow (Keras 1's
    `convert_kernel` on every 4D/5D kernel, in the layer's own `dim_ordering`)."""
    for layer in model.layers:
        kernel = getattr(layer, "kernel", None)
        if kernel is None or len(kernel.shape) not in (4, 5):
            continue
        ordering = getattr(layer, "dim_ordering", "tf")
        kernel.assign(np_utils.convert_kernel(kernel.numpy(), ordering))


def print_summary(model, line_length=100, positions=None):
    """Prints Keras 3's summary of `model` (Keras 1 took its layers; the columns differ)."""
    model.summary(line_length=line_length, positions=positions)
