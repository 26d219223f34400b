"""`_BaseConv`: everything the Keras 1 convolution layers do, once.

Arguments keep their Keras 1 meaning; kernels are stored in the Keras 1 layout of the
layer and `dim_ordering` (`legacy_conv.spec.weights`) so that `weights=`, `get_weights()`,
`set_weights()`, constraints and Keras 1 files all see what Keras 1 saw. `call` permutes
them to the `tf.nn` layout, flips them for the Theano backend, and runs channels-last.
"""

import tensorflow as tf
from keras import layers

from legacy_conv import _ops
from legacy_conv import _validation
from legacy_conv import activations as k1_activations
from legacy_conv import backend
from legacy_conv import constraints as k1_constraints
from legacy_conv import initializers
from legacy_conv import regularizers as k1_regularizers
from legacy_conv import theano_plans
from legacy_conv.layers._base import Keras1Layer
from legacy_conv.spec import releases
from legacy_conv.spec import weights as weight_spec

# Keras 1 argument prefix of each weight's regularizer and constraint.
WEIGHT_ARG_PREFIX = {"W": "W", "b": "b", "depthwise_kernel": "depthwise",
                     "pointwise_kernel": "pointwise"}


class _BaseConv(Keras1Layer):
    """Base of the Keras 1 convolution layers; subclasses give rank, names and signature."""

    rank = None
    family = "conv"  # key of spec.weights.KERNEL_LAYOUTS
    kernel_args = ()  # Keras 1 names of the kernel sizes, e.g. ('nb_row', 'nb_col')
    subsample_arg = "subsample"
    border_modes = ("valid", "same", "full")
    weight_names = ("W",)
    has_atrous_rate = False  # Atrous layers write `atrous_rate` in their config
    # Keras 1 release -> how this layer padded 'same' on Theano ("explicit", see
    # `theano_plans.theano_same_is_tf_same`) where it did not use Keras 1.2.2's "half".
    theano_same_by_release = {}

    def __init__(self, nb_filter, kernel_size, init="glorot_uniform", activation=None,
                 weights=None, border_mode="valid", subsample=None, atrous_rate=None,
                 dim_ordering="default", regularizers=None, constraints=None,
                 activity_regularizer=None, bias=True, keras1_backend=None,
                 keras1_version=None, **kwargs):
        super().__init__(**kwargs)
        owner = self.owner
        scalar = self.rank == 1
        self.nb_filter = _validation.check_int(owner, "nb_filter", nb_filter)
        self.kernel_size = tuple(
            _validation.check_int(owner, name, k) for name, k in zip(self.kernel_args, kernel_size)
        )
        self.subsample = self._check_steps(owner, self.subsample_arg, subsample, scalar)
        self.atrous_rate = self._check_steps(owner, "atrous_rate", atrous_rate, scalar)
        self.border_mode = _validation.check_choice(owner, "border_mode", border_mode,
                                                    self.border_modes)
        self.dim_ordering = (None if dim_ordering is None
                             else backend.resolve_dim_ordering(owner, dim_ordering))
        self.keras1_backend = backend.resolve_keras1_backend(owner, keras1_backend)
        self.keras1_version = _validation.check_release(owner, "keras1_version", keras1_version)
        self.theano_same = self.theano_same_by_release.get(
            releases.Release.parse(self.keras1_version), "half")
        self.init = initializers.check(owner, init)
        self.activation = k1_activations.get(activation, self.keras1_backend)
        self._check_activation_rank(owner, activation)
        self.bias = bool(bias)
        self.weight_regularizers = {k: k1_regularizers.get(v) for k, v in (regularizers or {}).items()}
        self.weight_constraints = {k: k1_constraints.get(v) for k, v in (constraints or {}).items()}
        self.k1_activity_regularizer = k1_regularizers.get(activity_regularizer)
        if weights is not None and not isinstance(weights, (list, tuple)):
            raise _validation.argument_error(owner, "weights", weights,
                                             "must be a list of arrays in the Keras 1 layout")
        self.initial_weights = weights
        self._check_backend(owner)
        self.input_spec = layers.InputSpec(ndim=self.rank + 2)

    # -- argument checks -------------------------------------------------------------
    def _check_steps(self, owner, arg, value, scalar):
        if value is None:
            return (1,) * self.rank
        if scalar:
            return (_validation.check_int(owner, arg, value),)
        return _validation.check_tuple(owner, arg, value, self.rank)

    def _check_activation_rank(self, owner, activation):
        ranks = k1_activations.RANKS.get(k1_activations.name_of(self.activation))
        if ranks and self.rank + 2 not in ranks:
            raise _validation.argument_error(
                owner, "activation", activation,
                f"cannot be applied to this layer's {self.rank + 2}D output in Keras 1 "
                f"(it accepts only {' and '.join(f'{r}D' for r in ranks)} tensors)",
            )

    def _check_backend(self, owner):
        """Combinations that Keras 1's backend refused (1.2.2's TensorFlow backend, and
        Theano where the layer padded 'same' "explicit"ly)."""
        if self.keras1_backend == "theano":
            if (self.theano_same == "explicit" and self.border_mode == "same"
                    and any(s > 1 for s in self.subsample)):
                raise _validation.argument_error(
                    owner, self.subsample_arg, self._arg(self.subsample),
                    f"must be 1 with border_mode='same' on Keras {self.keras1_version}'s "
                    "Theano backend (it fails there with an AssertionError)",
                    "Pass keras1_version=None if the model comes from Keras 1.1.1 or later")
            return
        hint = "Pass keras1_backend='theano' if the model was trained with Keras 1 on Theano"
        if self.border_mode == "full":
            raise _validation.argument_error(
                owner, "border_mode", "full",
                "cannot be 'full' on Keras 1's TensorFlow backend (Keras 1.2.2 rejects it; "
                "only Theano had it)", hint,
            )
        if any(d > 1 for d in self.atrous_rate):
            if any(s > 1 for s in self.subsample):
                raise _validation.argument_error(
                    owner, self.subsample_arg, self._arg(self.subsample),
                    "must be 1 when atrous_rate > 1 on Keras 1's TensorFlow backend "
                    "(Keras 1.2.2 fails there)", hint,
                )
            if len(set(self.atrous_rate)) > 1:
                raise _validation.argument_error(
                    owner, "atrous_rate", self.atrous_rate,
                    "must have equal rates on Keras 1's TensorFlow backend "
                    "(Keras 1.2.2 fails there)", hint,
                )

    def _arg(self, values):
        """A Keras 1 argument value: an int for 1D layers, a tuple otherwise."""
        return values[0] if self.rank == 1 else tuple(values)

    # -- weights ------------------------------------------------------------------------
    @property
    def _channels_first(self):
        return self.dim_ordering == "th"

    def _kernel_specs(self, channels):
        """(attribute, layout family, kernel size, axis sizes) for each kernel."""
        return [("W", self.family, self.kernel_size, {"i": channels, "o": self.nb_filter})]

    def build(self, input_shape):
        channels = input_shape[1] if self._channels_first else input_shape[-1]
        if channels is None:
            raise _validation.argument_error(
                self.owner, "input shape", tuple(input_shape),
                "must have a known channel dimension (axis 1 for 'th', the last for 'tf')",
            )
        self._check_input_size(input_shape)
        self._kernels = []
        # Keras 1's Convolution1D computed its fans with dim_ordering='th'.
        fans_ordering = "th" if self.dim_ordering is None else self.dim_ordering
        for attribute, family, kernel_size, sizes in self._kernel_specs(channels):
            source, target = weight_spec.KERNEL_LAYOUTS[(family, self.dim_ordering)]
            shape = weight_spec.kernel_shape(source, kernel_size, sizes)
            variable = self.add_weight(
                name=attribute,
                shape=shape,
                initializer=initializers.Keras1Initializer(self.init, fans_ordering),
                regularizer=self.weight_regularizers.get(attribute),
                constraint=self.weight_constraints.get(attribute),
            )
            setattr(self, attribute, variable)
            perm = weight_spec.permutation(source, target, self.rank)
            target_shape = weight_spec.kernel_shape(target, kernel_size, sizes)
            self._kernels.append((variable, perm, target_shape))
        if self.bias:
            self.b = self.add_weight(
                name="b", shape=(self.nb_filter,), initializer=initializers.constant("zero"),
                regularizer=self.weight_regularizers.get("b"),
                constraint=self.weight_constraints.get("b"),
            )
        self.input_spec = layers.InputSpec(
            ndim=self.rank + 2, axes={1 if self._channels_first else -1: channels})
        if self.initial_weights is not None:
            weights, self.initial_weights = self.initial_weights, None
            self.set_weights(weights)

    def _check_input_size(self, input_shape):
        out = self._spatial(self.compute_output_shape(input_shape))
        for name, k, new in zip(self.kernel_args, self.kernel_size, out):
            if new is not None and new <= 0:
                raise _validation.argument_error(
                    self.owner, "input shape", tuple(input_shape),
                    f"is too small for the kernel ({name}={k}, border_mode="
                    f"{self.border_mode!r}): the output would have {new} steps",
                )

    def _tf_kernel(self, variable, perm, target_shape):
        kernel = variable.value
        core = perm[: len(target_shape)]
        if core != sorted(core):
            kernel = tf.transpose(kernel, perm)
        if len(perm) != len(target_shape):
            kernel = tf.reshape(kernel, target_shape)
        if self.keras1_backend == "theano":  # Theano convolves: flip the spatial axes
            kernel = tf.reverse(kernel, list(range(self.rank)))
        return kernel

    # -- computation --------------------------------------------------------------------
    def _spatial(self, shape):
        return tuple(shape[2:]) if self._channels_first else tuple(shape[1:-1])

    def _convolve(self, x, kernels):
        return _ops.convolve(x, kernels[0], self.kernel_size, self.subsample, self.atrous_rate,
                             self.border_mode, self.keras1_backend, self.theano_same)

    def _finish(self, y, data_format="N...C"):
        """The bias and the activation (elementwise: Keras 1 refused softmax on these ranks)."""
        if self.bias:
            y = tf.nn.bias_add(y, self.b.value, data_format=data_format)
        return self.activation(y)

    def _channels_first_output(self, x, kernels):
        """'th': the output of channels-last `x`, channels-first. The transpose comes after
        the bias and activation, which TensorFlow fuses with the convolution."""
        return _ops.to_channels_first(self._finish(self._convolve(x, kernels)))

    def call(self, inputs):
        kernels = [self._tf_kernel(*k) for k in self._kernels]
        if self._channels_first:
            y = self._channels_first_output(_ops.to_channels_last(inputs), kernels)
        else:
            y = self._finish(self._convolve(inputs, kernels))
        if self.k1_activity_regularizer is not None:
            self.add_loss(self.k1_activity_regularizer(y))
        return y

    def _output_spatial(self, input_shape):
        return tuple(
            theano_plans.conv_output_length(n, k, self.border_mode, s, d)
            for n, k, s, d in zip(self._spatial(input_shape), self.kernel_size,
                                  self.subsample, self.atrous_rate)
        )

    def compute_output_shape(self, input_shape):
        spatial = self._output_spatial(input_shape)
        if self._channels_first:
            return (input_shape[0], self.nb_filter) + spatial
        return (input_shape[0],) + spatial + (self.nb_filter,)

    # -- serialization ------------------------------------------------------------------
    def get_config(self):
        config = super().get_config()
        config.update({"nb_filter": self.nb_filter})
        config.update(dict(zip(self.kernel_args, self.kernel_size)))
        config.update({
            "init": initializers.name_of(self.init),
            "activation": k1_activations.name_of(self.activation),
            "border_mode": self.border_mode,
            self.subsample_arg: self._arg(self.subsample),
        })
        if self.has_atrous_rate or any(d != 1 for d in self.atrous_rate):
            config["atrous_rate"] = self._arg(self.atrous_rate)
        if self.dim_ordering is not None:
            config["dim_ordering"] = self.dim_ordering
        for attribute in self.weight_names + ("b",):
            prefix = WEIGHT_ARG_PREFIX[attribute]
            config[f"{prefix}_regularizer"] = _config_of(self.weight_regularizers.get(attribute))
        config["activity_regularizer"] = _config_of(self.k1_activity_regularizer)
        for attribute in self.weight_names + ("b",):
            prefix = WEIGHT_ARG_PREFIX[attribute]
            config[f"{prefix}_constraint"] = _config_of(self.weight_constraints.get(attribute))
        config["bias"] = self.bias
        config["keras1_backend"] = self.keras1_backend
        return config


def _config_of(obj):
    return None if obj is None else obj.get_config()
