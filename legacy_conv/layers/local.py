"""LocallyConnected1D and LocallyConnected2D: convolutions whose kernel is not shared.

Keras 3 has no such layer. Keras 1.2.2 (`keras/layers/local.py`) sliced every output
position's patch in a Python loop and multiplied it by that position's own kernel
(`K.batch_dot`, or `K.dot` per position for 'th' on Theano; the numbers are the same on
both backends, observed: tests/fixtures/keras1/local_*; `keras1_backend` decides only the
gradient of the activation at its kinks). Here the patches are taken at once
(`tf.image.extract_patches`) and multiplied in one `einsum`.

Weights keep Keras 1's layout, so files, `weights=`, regularizers and constraints see what
Keras 1 saw: `W` (output positions, patch size, nb_filter) with each patch flattened as
Keras 1 did ('tf' and 1D: rows, cols, channels; 'th': channels, rows, cols), and `b`
(output length, nb_filter) or (output rows, output cols, nb_filter).

Keras 1 behaviour: with dim_ordering 'th', Keras 1 reshaped `b` (rows, cols, nb_filter) to
(nb_filter, rows, cols) without transposing it, so output channel f at (i, j) gets the bias
that is element f * rows * cols + i * cols + j of `b` in memory. So does this layer.
"""

import math

import tensorflow as tf
from keras import layers
from keras.saving import register_keras_serializable

from legacy_conv import _ops
from legacy_conv import _validation
from legacy_conv import initializers
from legacy_conv.layers.base_conv import _BaseConv

serializable = register_keras_serializable(package="legacy_conv")


def locally_connect(x, kernel, kernel_size, strides):
    """Each output position's patch of channels-last `x` times its own kernel.

    `kernel`: (positions, patch size, filters), each patch flattened (spatial axes, channels).
    Returns (batch, output spatial axes..., filters).
    """
    rank = len(kernel_size)
    images = x if rank == 2 else x[:, :, None, :]
    sizes = tuple(kernel_size) + (1,) * (2 - rank)
    steps = tuple(strides) + (1,) * (2 - rank)
    patches = tf.image.extract_patches(images, sizes=(1,) + sizes + (1,),
                                       strides=(1,) + steps + (1,), rates=(1, 1, 1, 1),
                                       padding="VALID")
    out_spatial = tf.shape(patches)[1:1 + rank]
    flat = tf.reshape(patches, (tf.shape(x)[0], kernel.shape[0], kernel.shape[1]))
    y = tf.einsum("bpf,pfn->bpn", flat, kernel)
    return tf.reshape(y, tf.concat([tf.shape(x)[:1], out_spatial, [kernel.shape[2]]], 0))


class _BaseLocal(_BaseConv):
    """Base of the locally connected layers: `_BaseConv`'s arguments, one kernel per output
    position ('valid' only, as Keras 1)."""

    border_modes = ("valid",)
    family = None  # its weights keep their Keras 1 layout (no `spec.weights` family)

    def build(self, input_shape):
        spatial = self._spatial(input_shape)
        channels = input_shape[1] if self._channels_first else input_shape[-1]
        if channels is None or None in spatial:
            raise _validation.argument_error(
                self.owner, "input shape", tuple(input_shape),
                "must be fully known besides the batch (Keras 1 made one kernel per output "
                "position)")
        self._check_input_size(input_shape)
        out = self._output_spatial(input_shape)
        self.W = self.add_weight(
            name="W", shape=(math.prod(out), math.prod(self.kernel_size) * channels,
                             self.nb_filter),
            initializer=initializers.Keras1Initializer(self.init, self.dim_ordering or "th"),
            regularizer=self.weight_regularizers.get("W"),
            constraint=self.weight_constraints.get("W"))
        if self.bias:
            self.b = self.add_weight(
                name="b", shape=out + (self.nb_filter,),
                initializer=initializers.constant("zero"),
                regularizer=self.weight_regularizers.get("b"),
                constraint=self.weight_constraints.get("b"))
        self._channels = channels
        # Its kernels fit this input size only.
        self.input_spec = layers.InputSpec(
            ndim=self.rank + 2, axes={i: d for i, d in enumerate(input_shape) if i})
        if self.initial_weights is not None:
            weights, self.initial_weights = self.initial_weights, None
            self.set_weights(weights)

    def _kernel(self):
        """`W` with each patch flattened channels last ('th' patches are channels first)."""
        kernel = self.W.value
        if not self._channels_first:
            return kernel
        positions, _, filters = kernel.shape
        kernel = tf.reshape(kernel, (positions, self._channels) + self.kernel_size + (filters,))
        kernel = tf.transpose(kernel, (0, 2, 3, 1, 4))
        return tf.reshape(kernel, (positions, -1, filters))

    def _bias(self):
        """`b` as channels-last output: for 'th', Keras 1's reshape to (nb_filter, rows,
        cols) read back channels last."""
        if not self._channels_first:
            return self.b.value
        rows, cols, filters = self.b.shape
        return tf.transpose(tf.reshape(self.b.value, (filters, rows, cols)), (1, 2, 0))

    def call(self, inputs):
        x = _ops.to_channels_last(inputs) if self._channels_first else inputs
        y = locally_connect(x, self._kernel(), self.kernel_size, self.subsample)
        if self.bias:
            y = y + self._bias()
        y = self.activation(y)
        if self._channels_first:
            y = _ops.to_channels_first(y)
        if self.k1_activity_regularizer is not None:
            self.add_loss(self.k1_activity_regularizer(y))
        return y



@serializable
class LocallyConnected1D(_BaseLocal):
    """Keras 1 locally connected layer over `(samples, steps, input_dim)`: a 1D convolution
    with another kernel at each output step.

    Args: as Keras 1.2.2's (`border_mode` 'valid' only; `input_dim`/`input_length` state
    the input shape). Weights: `W` (new_steps, filter_length * input_dim, nb_filter), each
    patch flattened (steps, input_dim); `b` (new_steps, nb_filter).

    Input shape: `(samples, steps, input_dim)`, steps known.
    Output shape: `(samples, new_steps, nb_filter)`.

    Example:
    >>> LocallyConnected1D(4, 3)(np.zeros((2, 10, 8), "float32")).shape
    TensorShape([2, 8, 4])
    """

    rank = 1
    kernel_args = ("filter_length",)
    subsample_arg = "subsample_length"

    def __init__(self, nb_filter, filter_length, init="glorot_uniform", activation=None,
                 weights=None, border_mode="valid", subsample_length=1, W_regularizer=None,
                 b_regularizer=None, activity_regularizer=None, W_constraint=None,
                 b_constraint=None, bias=True, input_dim=None, input_length=None,
                 keras1_backend=None, **kwargs):
        self.input_dim, self.input_length = input_dim, input_length
        if input_dim:
            kwargs["input_shape"] = (input_length, input_dim)
        super().__init__(
            nb_filter, (filter_length,), init=init, activation=activation, weights=weights,
            border_mode=border_mode, subsample=subsample_length, dim_ordering=None,
            regularizers={"W": W_regularizer, "b": b_regularizer},
            constraints={"W": W_constraint, "b": b_constraint},
            activity_regularizer=activity_regularizer, bias=bias,
            keras1_backend=keras1_backend, **kwargs)

    def get_config(self):
        config = super().get_config()
        config.update({"input_dim": self.input_dim, "input_length": self.input_length})
        return config


@serializable
class LocallyConnected2D(_BaseLocal):
    """Keras 1 locally connected layer over images: a 2D convolution with another kernel at
    each output position.

    Args: as Keras 1.2.2's (`border_mode` 'valid' only). Weights: `W` (new_rows * new_cols,
    nb_row * nb_col * channels, nb_filter), each patch flattened (rows, cols, channels) for
    'tf' and (channels, rows, cols) for 'th'; `b` (new_rows, new_cols, nb_filter), which
    'th' reads as (nb_filter, new_rows, new_cols) memory (see the module).

    Input shape: `(samples, channels, rows, cols)` for 'th', `(samples, rows, cols,
    channels)` for 'tf', all known but the batch.
    Output shape: `(samples, nb_filter, new_rows, new_cols)` for 'th', `(samples, new_rows,
    new_cols, nb_filter)` for 'tf'.

    Example:
    >>> LocallyConnected2D(4, 3, 3, dim_ordering="tf")(np.zeros((2, 6, 6, 3), "float32")).shape
    TensorShape([2, 4, 4, 4])
    """

    rank = 2
    kernel_args = ("nb_row", "nb_col")

    def __init__(self, nb_filter, nb_row, nb_col, init="glorot_uniform", activation=None,
                 weights=None, border_mode="valid", subsample=(1, 1), dim_ordering="default",
                 W_regularizer=None, b_regularizer=None, activity_regularizer=None,
                 W_constraint=None, b_constraint=None, bias=True, keras1_backend=None,
                 **kwargs):
        super().__init__(
            nb_filter, (nb_row, nb_col), init=init, activation=activation, weights=weights,
            border_mode=border_mode, subsample=subsample, dim_ordering=dim_ordering,
            regularizers={"W": W_regularizer, "b": b_regularizer},
            constraints={"W": W_constraint, "b": b_constraint},
            activity_regularizer=activity_regularizer, bias=bias,
            keras1_backend=keras1_backend, **kwargs)
