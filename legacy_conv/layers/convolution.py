"""Convolution1D/2D/3D and AtrousConvolution1D/2D, with Keras 1.2.2's signatures.

Keras 1 behaviour (all of them): `border_mode='same'` is TensorFlow's SAME on the
'tensorflow' backend and Theano's 'half' (plus an output crop for even kernels) on
'theano' (Convolution3D of Keras 1.0.0-1.1.0: `EXPLICIT_SAME_RELEASES`); Theano also
flips the kernel. Convolution1D's default `init` is 'glorot_uniform' in Keras 1.2.2's code
(its documentation says 'uniform').
"""

from keras.saving import register_keras_serializable

from legacy_conv.layers.base_conv import _BaseConv
from legacy_conv.spec import releases

serializable = register_keras_serializable(package="legacy_conv")

# The Keras 1 releases whose Theano backend padded Convolution3D's 'same' itself: `K.conv3d`
# put (k - 1) // 2 zeros before and k // 2 after each axis, ran Theano's conv3d2d 'valid'
# (TensorFlow's SAME padding) and asserted `strides == (1, 1, 1)`. From 1.1.1 on it used
# `T.nnet.conv3d` where Theano had it (>= 0.9): 'half' plus the crop, as the other
# convolutions. (Each release's theano_backend.py; observed with 1.0.0, 1.0.8, 1.1.0 and
# 1.1.1: tests/fixtures/keras1/conv3d_legacy_*.)
EXPLICIT_SAME_RELEASES = releases.EXPLICIT_SAME_CONV3D


@serializable
class Convolution1D(_BaseConv):
    """Keras 1 1D convolution over `(samples, steps, input_dim)`.

    Kernel layout `(filter_length, 1, input_dim, nb_filter)`.
    """

    rank = 1
    family = "conv1d"
    kernel_args = ("filter_length",)
    subsample_arg = "subsample_length"

    def __init__(self, nb_filter, filter_length, init="glorot_uniform", activation=None,
                 weights=None, border_mode="valid", subsample_length=1, W_regularizer=None,
                 b_regularizer=None, activity_regularizer=None, W_constraint=None,
                 b_constraint=None, bias=True, input_dim=None, input_length=None,
                 keras1_backend=None, atrous_rate=None, **kwargs):
        self.input_dim, self.input_length = input_dim, input_length
        if input_dim:
            kwargs["input_shape"] = (input_length, input_dim)
        super().__init__(
            nb_filter, (filter_length,), init=init, activation=activation, weights=weights,
            border_mode=border_mode, subsample=subsample_length, atrous_rate=atrous_rate,
            dim_ordering=None, regularizers={"W": W_regularizer, "b": b_regularizer},
            constraints={"W": W_constraint, "b": b_constraint},
            activity_regularizer=activity_regularizer, bias=bias,
            keras1_backend=keras1_backend, **kwargs)

    def get_config(self):
        config = super().get_config()
        config.update({"input_dim": self.input_dim, "input_length": self.input_length})
        return config


@serializable
class AtrousConvolution1D(Convolution1D):
    """Keras 1 dilated 1D convolution (`atrous_rate`)."""

    def __init__(self, nb_filter, filter_length, init="glorot_uniform", activation=None,
                 weights=None, border_mode="valid", subsample_length=1, atrous_rate=1,
                 W_regularizer=None, b_regularizer=None, activity_regularizer=None,
                 W_constraint=None, b_constraint=None, bias=True, keras1_backend=None,
                 **kwargs):
        super().__init__(
            nb_filter, filter_length, init=init, activation=activation, weights=weights,
            border_mode=border_mode, subsample_length=subsample_length,
            atrous_rate=atrous_rate, W_regularizer=W_regularizer, b_regularizer=b_regularizer,
            activity_regularizer=activity_regularizer, W_constraint=W_constraint,
            b_constraint=b_constraint, bias=bias, keras1_backend=keras1_backend, **kwargs)

    has_atrous_rate = True


@serializable
class Convolution2D(_BaseConv):
    """Keras 1 2D convolution.

    Kernel layout 'th' `(nb_filter, stack, nb_row, nb_col)`, 'tf' `(nb_row, nb_col, stack, nb_filter)`.
    """

    rank = 2
    kernel_args = ("nb_row", "nb_col")

    def __init__(self, nb_filter, nb_row, nb_col, init="glorot_uniform", activation=None,
                 weights=None, border_mode="valid", subsample=(1, 1), dim_ordering="default",
                 W_regularizer=None, b_regularizer=None, activity_regularizer=None,
                 W_constraint=None, b_constraint=None, bias=True, keras1_backend=None,
                 atrous_rate=None, **kwargs):
        super().__init__(
            nb_filter, (nb_row, nb_col), init=init, activation=activation, weights=weights,
            border_mode=border_mode, subsample=subsample, atrous_rate=atrous_rate,
            dim_ordering=dim_ordering, regularizers={"W": W_regularizer, "b": b_regularizer},
            constraints={"W": W_constraint, "b": b_constraint},
            activity_regularizer=activity_regularizer, bias=bias,
            keras1_backend=keras1_backend, **kwargs)


@serializable
class AtrousConvolution2D(Convolution2D):
    """Keras 1 dilated 2D convolution (`atrous_rate`)."""

    def __init__(self, nb_filter, nb_row, nb_col, init="glorot_uniform", activation=None,
                 weights=None, border_mode="valid", subsample=(1, 1), atrous_rate=(1, 1),
                 dim_ordering="default", W_regularizer=None, b_regularizer=None,
                 activity_regularizer=None, W_constraint=None, b_constraint=None, bias=True,
                 keras1_backend=None, **kwargs):
        super().__init__(
            nb_filter, nb_row, nb_col, init=init, activation=activation, weights=weights,
            border_mode=border_mode, subsample=subsample, atrous_rate=atrous_rate,
            dim_ordering=dim_ordering, W_regularizer=W_regularizer,
            b_regularizer=b_regularizer, activity_regularizer=activity_regularizer,
            W_constraint=W_constraint, b_constraint=b_constraint, bias=bias,
            keras1_backend=keras1_backend, **kwargs)

    has_atrous_rate = True


@serializable
class Convolution3D(_BaseConv):
    """Keras 1 3D convolution.

    Kernel layout 'th' `(nb_filter, stack, d1, d2, d3)`, 'tf' `(d1, d2, d3, stack, nb_filter)`.

    `keras1_version`: the Keras 1 release the layer comes from (None: 1.2.2; the converter
    passes the model's). On Theano, 1.0.0-1.1.0 (`EXPLICIT_SAME_RELEASES`) padded an even
    kernel's 'same' by (k - 1) // 2 zeros before and k // 2 after (1.2.2: k // 2 on both
    sides, then the end cropped), and refused `subsample` with 'same'; so does this layer.
    """

    rank = 3
    kernel_args = ("kernel_dim1", "kernel_dim2", "kernel_dim3")
    theano_same_by_release = {release: "explicit" for release in EXPLICIT_SAME_RELEASES}

    def __init__(self, nb_filter, kernel_dim1, kernel_dim2, kernel_dim3, init="glorot_uniform",
                 activation=None, weights=None, border_mode="valid", subsample=(1, 1, 1),
                 dim_ordering="default", W_regularizer=None, b_regularizer=None,
                 activity_regularizer=None, W_constraint=None, b_constraint=None, bias=True,
                 keras1_backend=None, keras1_version=None, **kwargs):
        super().__init__(
            nb_filter, (kernel_dim1, kernel_dim2, kernel_dim3), init=init,
            activation=activation, weights=weights, border_mode=border_mode,
            subsample=subsample, dim_ordering=dim_ordering,
            regularizers={"W": W_regularizer, "b": b_regularizer},
            constraints={"W": W_constraint, "b": b_constraint},
            activity_regularizer=activity_regularizer, bias=bias,
            keras1_backend=keras1_backend, keras1_version=keras1_version, **kwargs)

    def get_config(self):
        config = super().get_config()
        config["keras1_version"] = self.keras1_version
        return config
