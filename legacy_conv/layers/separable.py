"""SeparableConvolution2D: Keras 1's depthwise-then-pointwise convolution.

Keras 1 had it on its TensorFlow backend only; with keras1_backend='theano' it is refused,
as Keras 1 refused it. Keras 1's own `get_config()` wrote the depthwise regularizer under
`pointwise_regularizer`; ours writes each under its own name.
"""

from keras.saving import register_keras_serializable

from legacy_conv import _ops
from legacy_conv import _validation
from legacy_conv.layers.base_conv import _BaseConv


@register_keras_serializable(package="legacy_conv")
class SeparableConvolution2D(_BaseConv):
    """Keras 1 separable 2D convolution.

    Kernel layouts: depthwise 'th' `(depth_multiplier, stack, nb_row, nb_col)`, 'tf'
    `(nb_row, nb_col, stack, depth_multiplier)`; pointwise 'th'
    `(nb_filter, stack * depth_multiplier, 1, 1)`, 'tf' `(1, 1, stack * depth_multiplier, nb_filter)`.
    """

    rank = 2
    kernel_args = ("nb_row", "nb_col")
    border_modes = ("valid", "same")
    weight_names = ("depthwise_kernel", "pointwise_kernel")

    def __init__(self, nb_filter, nb_row, nb_col, init="glorot_uniform", activation=None,
                 weights=None, border_mode="valid", subsample=(1, 1), depth_multiplier=1,
                 dim_ordering="default", depthwise_regularizer=None,
                 pointwise_regularizer=None, b_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, b_constraint=None,
                 bias=True, keras1_backend=None, **kwargs):
        super().__init__(
            nb_filter, (nb_row, nb_col), init=init, activation=activation, weights=weights,
            border_mode=border_mode, subsample=subsample, dim_ordering=dim_ordering,
            regularizers={"depthwise_kernel": depthwise_regularizer,
                          "pointwise_kernel": pointwise_regularizer, "b": b_regularizer},
            constraints={"depthwise_kernel": depthwise_constraint,
                         "pointwise_kernel": pointwise_constraint, "b": b_constraint},
            activity_regularizer=activity_regularizer, bias=bias,
            keras1_backend=keras1_backend, **kwargs)
        self.depth_multiplier = _validation.check_int(self.owner, "depth_multiplier",
                                                      depth_multiplier)

    def _check_backend(self, owner):
        if self.keras1_backend == "theano":
            raise _validation.argument_error(
                owner, "keras1_backend", "theano",
                "cannot be 'theano' for SeparableConvolution2D: Keras 1 had this layer on "
                "its TensorFlow backend only", "Use keras1_backend='tensorflow'")
        super()._check_backend(owner)

    def _kernel_specs(self, channels):
        multiplier = self.depth_multiplier
        return [
            ("depthwise_kernel", "depthwise", self.kernel_size, {"i": channels, "m": multiplier}),
            ("pointwise_kernel", "conv", (1, 1), {"i": channels * multiplier, "o": self.nb_filter}),
        ]

    def _convolve(self, x, kernels):
        return _ops.separable_convolve(x, kernels[0], kernels[1], self.subsample,
                                       self.border_mode)

    def _channels_first_output(self, x, kernels):
        y = _ops.separable_convolve_channels_first(x, kernels[0], kernels[1], self.subsample,
                                                   self.border_mode)
        return self._finish(y, "NC...")

    def get_config(self):
        config = super().get_config()
        config["depth_multiplier"] = self.depth_multiplier
        return config
