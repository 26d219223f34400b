"""Deconvolution2D: Keras 1's transposed convolution, with its `output_shape` argument.

Keras 1 behaviour: `output_shape` is the full output shape `(batch, ...)` in the layer's
`dim_ordering`, and must be consistent with the input (we check it at build, naming the
lengths that are possible). On the 'tensorflow' backend its batch size (when fixed) and
channels must match; on 'theano' both are ignored (the output has `nb_filter` channels), and with an even kernel and 'same' Keras 1 cropped
the output to ceil(input / stride) rows and columns (so the output may be smaller than
`output_shape`).
"""

import tensorflow as tf
from keras.saving import register_keras_serializable

from legacy_conv import _ops
from legacy_conv import _validation
from legacy_conv import theano_plans
from legacy_conv.layers.convolution import Convolution2D


@register_keras_serializable(package="legacy_conv")
class Deconvolution2D(Convolution2D):
    """Keras 1 transposed 2D convolution.

    Kernel layout as Convolution2D's, with `stack` the input channels:
    'th' `(nb_filter, stack, nb_row, nb_col)`, 'tf' `(nb_row, nb_col, stack, nb_filter)`.
    """

    family = "deconv"

    def __init__(self, nb_filter, nb_row, nb_col, output_shape, init="glorot_uniform",
                 activation=None, weights=None, border_mode="valid", subsample=(1, 1),
                 dim_ordering="default", W_regularizer=None, b_regularizer=None,
                 activity_regularizer=None, W_constraint=None, b_constraint=None, bias=True,
                 keras1_backend=None, **kwargs):
        super().__init__(
            nb_filter, nb_row, nb_col, init=init, activation=activation, weights=weights,
            border_mode=border_mode, subsample=subsample, dim_ordering=dim_ordering,
            W_regularizer=W_regularizer, b_regularizer=b_regularizer,
            activity_regularizer=activity_regularizer, W_constraint=W_constraint,
            b_constraint=b_constraint, bias=bias, keras1_backend=keras1_backend, **kwargs)
        self.deconv_output_shape = self._check_output_shape(output_shape)

    def _check_output_shape(self, output_shape):
        expected = ("must be a tuple (batch, channels, rows, cols) for 'th' or (batch, rows, "
                    "cols, channels) for 'tf' of positive integers, batch may be None")
        channel_axis = 1 if self._channels_first else 3
        theano = self.keras1_backend == "theano"  # Theano ignored batch and channels
        ok = isinstance(output_shape, (tuple, list)) and len(output_shape) == 4 and all(
            (d is None and (j == 0 or (theano and j == channel_axis)))
            or (_validation.is_int(d) and d > 0)
            for j, d in enumerate(output_shape))
        if not ok:
            raise _validation.argument_error(self.owner, "output_shape", output_shape, expected)
        output_shape = tuple(None if d is None else int(d) for d in output_shape)
        if output_shape[channel_axis] != self.nb_filter and not theano:
            raise _validation.argument_error(
                self.owner, "output_shape", output_shape,
                f"must have nb_filter={self.nb_filter} channels (dim_ordering="
                f"{self.dim_ordering!r})")
        return output_shape

    @property
    def _requested(self):
        return self._spatial(self.deconv_output_shape)

    @property
    def _batch(self):
        """The batch size the op is asked for: fixed on TensorFlow, the input's on Theano."""
        return self.deconv_output_shape[0] if self.keras1_backend == "tensorflow" else None

    def _check_input_size(self, input_shape):
        for name, n, k, s, o in zip(("rows", "cols"), self._spatial(input_shape),
                                    self.kernel_size, self.subsample, self._requested):
            if n is None:
                continue
            low, high = theano_plans.deconv_output_range(n, k, self.border_mode, s,
                                                         self.keras1_backend)
            if not low <= o <= high:
                possible = str(low) if low == high else f"{low} to {high}"
                raise _validation.argument_error(
                    self.owner, "output_shape", self.deconv_output_shape,
                    f"is inconsistent with the input's {n} {name}: with {name[:-1]} kernel "
                    f"{k}, stride {s} and border_mode={self.border_mode!r} on Keras 1's "
                    f"{self.keras1_backend} backend the output has {possible} {name}")
        self._check_batch(input_shape[0])

    def _check_batch(self, input_batch):
        batch = self._batch
        if batch is not None and input_batch is not None and input_batch != batch:
            raise _validation.argument_error(
                self.owner, "output_shape", self.deconv_output_shape,
                f"fixes the batch size to {batch} but the input batch is {input_batch} "
                "(Keras 1's TensorFlow backend enforces it; use None)")

    def call(self, inputs):
        self._check_input_size(tuple(inputs.shape))  # built for unknown sizes, fed a known one
        sizes = self._spatial([inputs.shape[i] if inputs.shape[i] is not None
                               else tf.shape(inputs)[i] for i in range(4)])
        checks = []
        for name, n, k, s, o in zip(("rows", "cols"), sizes, self.kernel_size,
                                    self.subsample, self._requested):
            if isinstance(n, int):
                continue  # checked above
            low, high = theano_plans.deconv_output_range(n, k, self.border_mode, s,
                                                         self.keras1_backend)
            message = (f"{self.owner}: output_shape={self.deconv_output_shape} asks for {o} "
                       f"{name}, which this input's {name} cannot give (kernel {k}, stride "
                       f"{s}, border_mode={self.border_mode!r}, Keras 1's "
                       f"{self.keras1_backend} backend)")
            checks += [tf.debugging.assert_less_equal(low, o, message=message),
                       tf.debugging.assert_less_equal(o, high, message=message)]
        return super().call(_after(checks, inputs))

    def _convolve(self, x, kernels):
        batch = self._batch
        self._check_batch(x.shape[0])
        if batch is not None and x.shape[0] is None:
            x = _after([tf.debugging.assert_equal(
                tf.shape(x)[0], batch,
                message=f"{self.owner}: output_shape fixes the batch size to {batch}")], x)
        return _ops.deconvolve(x, kernels[0], self._requested, self.nb_filter, batch,
                               self.subsample, self.border_mode, self.keras1_backend,
                               finish=super()._finish)

    def _finish(self, y, data_format="N...C"):
        return y  # the bias and activation came before Theano's crop, in `_convolve`

    def _output_spatial(self, input_shape):
        return tuple(
            theano_plans.deconv_output_length(n, k, self.border_mode, s, o,
                                              self.keras1_backend)
            for n, k, s, o in zip(self._spatial(input_shape), self.kernel_size,
                                  self.subsample, self._requested))

    def get_config(self):
        config = super().get_config()
        config["output_shape"] = self.deconv_output_shape
        return config


def _after(checks, x):
    """`x`, computed only once the graph's `checks` have passed (eager checks ran already)."""
    checks = [c for c in checks if c is not None]
    if not checks:
        return x
    with tf.control_dependencies(checks):
        return tf.identity(x)
