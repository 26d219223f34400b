"""Keras 1's `Merge` layer and `merge()` function, called on a list of tensors.

`Merge.from_config` takes the config Keras 1.2.2 wrote into model files. Functions saved
in it (a `mode`, `output_shape` or `output_mask` of type 'lambda' or 'function': marshalled
bytecode or a name) are never loaded or executed: they raise a ValueError. A function given
as a Python callable (in code, or by the converter from `custom_objects`) is Keras 1's
function mode: `mode(inputs, **arguments)`.
"""

import inspect

import keras
import tensorflow as tf
from keras.saving import register_keras_serializable

from legacy_conv import _ops
from legacy_conv import _validation
from legacy_conv import backend
from legacy_conv.layers._base import Keras1Layer
from legacy_conv.spec import merge as spec

CODE_TYPES = ("lambda", "function")
# The arguments that may hold a function (Keras 1 saved each with a `<argument>_type`).
FUNCTION_ARGS = ("mode", "output_shape", "output_mask")


def _fold(function):
    def merged(inputs, layer):
        out = inputs[0]
        for x in inputs[1:]:
            out = function(out, x)
        return out
    return merged


def _ave(inputs, layer):
    return _fold(tf.add)(inputs, layer) / len(inputs)


def _concat(inputs, layer):
    return tf.concat(inputs, axis=layer.concat_axis)


def _dot(inputs, layer):
    return _ops.batch_dot(inputs[0], inputs[1], layer.dot_axes, layer.keras1_backend)


def _cos(inputs, layer):
    x, y = inputs
    # Keras 1's K.sqrt clips negative values (products of 3D+ Gram entries) to 0
    gram = _dot([x, x], layer) * _dot([y, y], layer)
    denominator = tf.maximum(tf.sqrt(tf.maximum(gram, 0.0)), spec.COS_EPSILON)
    return tf.expand_dims(_dot([x, y], layer) / denominator, 1)


# mode -> f(inputs, layer), in Keras 1.2.2's order of operations
MERGES = {"sum": _fold(tf.add), "mul": _fold(tf.multiply), "max": _fold(tf.maximum),
          "ave": _ave, "concat": _concat, "dot": _dot, "cos": _cos}


def _cos_shape(shapes, layer):
    x, y = shapes
    gram = _ops.broadcast_shapes(_dot_shape([x, x], layer), _dot_shape([y, y], layer))
    shape = _ops.broadcast_shapes(_dot_shape([x, y], layer), gram)
    return (shape[0], 1) + tuple(shape[1:])


def _concat_shape(shapes, layer):
    out = list(shapes[0])
    for shape in shapes[1:]:
        if out[layer.concat_axis] is None or shape[layer.concat_axis] is None:
            out[layer.concat_axis] = None
            break
        out[layer.concat_axis] += shape[layer.concat_axis]
    return tuple(out)


def _first_shape(shapes, layer):
    return tuple(shapes[0])


def _dot_shape(shapes, layer):
    return _ops.batch_dot_shape(shapes[0], shapes[1], layer.dot_axes, layer.keras1_backend)


# mode -> f(input shapes, layer): the shape of the tensor Keras 1 really computed
SHAPES = {"sum": _first_shape, "mul": _first_shape, "ave": _first_shape, "max": _first_shape,
          "concat": _concat_shape, "dot": _dot_shape, "cos": _cos_shape}


@register_keras_serializable(package="legacy_conv")
class Merge(Keras1Layer):
    """Keras 1's Merge: combines a list of tensors by `mode`.

    Args:
        layers: must be None; call the layer on a list of tensors instead (Keras 1's
            `Merge([model1, model2])` in a Sequential model is rebuilt by the converter).
        mode: 'sum', 'mul', 'concat', 'ave', 'cos', 'dot' or 'max' (default 'sum'), or a
            function of the list of input tensors (and of `mask` where it takes one), called
            with `arguments` as keywords.
        concat_axis: int, the axis of 'concat' (default -1).
        dot_axes: int or [axis of input 0, axis of input 1], for 'dot' and 'cos'.
        output_shape, output_mask, arguments: for a function `mode` only: Keras 1's
            claimed output shape (kept; the layer reports the shape the function really
            computes), the output mask (a value, or a function of the list of input masks)
            and the function's keyword arguments.
        node_indices, tensor_indices: Keras 1's wiring; kept in the config, ignored.
        mode_type, output_shape_type, output_mask_type: Keras 1's config keys; 'lambda'
            or 'function' with saved code or a name instead of a callable raise (saved code
            is never executed): supply the function itself.
        keras1_backend: 'tensorflow' or 'theano' (None = `legacy_conv.keras1_backend()`);
            only 'dot' and 'cos' depend on it.

    Input: a list of 2 or more tensors (exactly 2 for 'dot' and 'cos').

    Keras 1 behaviour (the real outputs, not Keras 1's claimed output shapes):
        - 'cos' returns `batch_dot(x, y) / max(sqrt(batch_dot(x, x) * batch_dot(y, y)),
          1e-7)` with an extra axis 1: (batch, 1, 1) for 2D inputs, where Keras 1 claimed
          (batch, 1).
        - 'dot' on TensorFlow runs one matmul for inputs that are not both 2D: it contracts
          the last or second-to-last axis whatever `dot_axes` says, and 2D x 3D inputs
          broadcast. On Theano it contracts the given axes.
    """

    def __init__(self, layers=None, mode=spec.DEFAULT, concat_axis=-1, dot_axes=-1,
                 output_shape=None, output_mask=None, arguments=None, node_indices=None,
                 tensor_indices=None, name=None, mode_type=None, output_shape_type=None,
                 output_mask_type=None, keras1_backend=None, **kwargs):
        super().__init__(name=name, **kwargs)
        owner = self.owner
        if layers is not None:
            raise _validation.argument_error(
                owner, "layers", f"<{type(layers).__name__}>",
                "must be None: this Merge is a layer to call on a list of tensors",
                "Call `Merge(mode=...)([tensor_1, tensor_2])` or use `legacy_conv.merge`")
        for arg, value, kind in zip(FUNCTION_ARGS, (mode, output_shape, output_mask),
                                    (mode_type, output_shape_type, output_mask_type)):
            if kind in CODE_TYPES and not callable(value):
                raise _validation.argument_error(
                    owner, arg, _short(value),
                    f"is a Python {kind} saved by Keras 1, which legacy_conv cannot execute "
                    "(it never loads or runs saved code)", "Supply the function itself (in a "
                    f"model file: custom_objects={{{function_key(name, arg)!r}: function}})")
        self.mode = mode if callable(mode) else _validation.check_choice(
            owner, "mode", mode, spec.MODES)
        if not _validation.is_int(concat_axis):
            raise _validation.argument_error(owner, "concat_axis", concat_axis,
                                             "must be an integer")
        self.concat_axis = int(concat_axis)
        self.dot_axes = self._check_dot_axes(owner, dot_axes)
        self.output_shape = output_shape
        self.output_mask = output_mask
        self.arguments = arguments or {}
        self.node_indices = node_indices
        self.tensor_indices = tensor_indices
        self.keras1_backend = backend.resolve_keras1_backend(owner, keras1_backend)
        self.supports_masking = True
        self._function_configs = {}  # arg -> the serialized function from_config was given

    @staticmethod
    def _check_dot_axes(owner, dot_axes):
        if _validation.is_int(dot_axes):
            return int(dot_axes)
        if (isinstance(dot_axes, (list, tuple)) and len(dot_axes) == 2
                and all(_validation.is_int(a) for a in dot_axes)):
            return [int(a) for a in dot_axes]
        raise _validation.argument_error(owner, "dot_axes", dot_axes,
                                         "must be an integer or a list of 2 integers")

    # -- Keras 1's checks of the input shapes (`_arguments_validation`) --------------------
    def build(self, input_shape):
        shapes = self._check_inputs(input_shape)
        if callable(self.mode):
            return
        if self.mode in spec.SAME_SHAPE and len(set(shapes)) > 1:
            self._shape_error(shapes, f"must all have the same shape in mode {self.mode!r}")
        if self.mode in spec.PAIRWISE:
            self._build_dot(shapes)
        elif self.mode == "concat":
            rest = set()
            for shape in shapes:
                shape = list(shape)
                del shape[self.concat_axis]
                rest.add(tuple(shape))
            if len(rest) > 1:
                self._shape_error(shapes, "must have the same shape except on concat_axis "
                                          f"{self.concat_axis} in mode 'concat'")

    def _check_inputs(self, input_shape):
        if (not isinstance(input_shape, (list, tuple)) or not input_shape
                or not isinstance(input_shape[0], (list, tuple))):
            raise _validation.argument_error(self.owner, "inputs", input_shape,
                                             "must be a list of at least 2 tensors")
        shapes = [tuple(s) for s in input_shape]
        if len(shapes) < 2:
            self._shape_error(shapes, "must be a list of at least 2 tensors")
        return shapes

    def _build_dot(self, shapes):
        if len(shapes) != 2:
            self._shape_error(shapes, f"must be exactly 2 tensors in mode {self.mode!r}")
        if _validation.is_int(self.dot_axes):  # Keras 1 stores the pair it derives
            a = self.dot_axes
            self.dot_axes = [a % len(shapes[0]), a % len(shapes[1])] if a < 0 else [a, a]
        elif self.keras1_backend == "theano" and min(self.dot_axes) < 0:
            raise _validation.argument_error(
                self.owner, "dot_axes", self.dot_axes,
                "must not hold negative axes on Keras 1's Theano backend (Theano contracted "
                "nothing there: an outer product for 2D inputs, a failure for others)",
                "Write the axes as non-negative numbers if the model ran on TensorFlow")
        (x, y), (a0, a1) = shapes, self.dot_axes
        for shape, axis in ((x, a0), (y, a1)):
            if not -len(shape) <= axis < len(shape):
                self._shape_error(shapes, f"have no axis {axis} (dot_axes={self.dot_axes})")
            if axis % len(shape) == 0:
                raise _validation.argument_error(
                    self.owner, "dot_axes", self.dot_axes,
                    "must not contain the batch axis 0 (Keras 1 failed there)")
        if x[a0] != y[a1]:
            self._shape_error(shapes, f"must have equal sizes on dot_axes {self.dot_axes} "
                                      f"in mode {self.mode!r} ({x[a0]} != {y[a1]})")

    def _shape_error(self, shapes, expected):
        raise _validation.argument_error(
            self.owner, "inputs", f"<tensors of shapes {[tuple(s) for s in shapes]}>", expected)

    # -- computation --------------------------------------------------------------------
    def call(self, inputs, mask=None):
        if callable(self.mode):
            takes_mask = "mask" in inspect.signature(self.mode).parameters
            return self.mode(list(inputs), **self.arguments,
                             **({"mask": mask} if takes_mask else {}))
        return MERGES[self.mode](list(inputs), self)

    def compute_output_spec(self, inputs, *args, **kwargs):
        if callable(self.mode):  # what the function computes, traced as Keras 3's Lambda
            return keras.Operation.compute_output_spec(self, inputs, *args, **kwargs)
        return super().compute_output_spec(inputs, *args, **kwargs)

    def compute_output_shape(self, input_shape):
        if callable(self.mode):
            specs = [keras.KerasTensor(s, dtype=self.compute_dtype) for s in input_shape]
            return tuple(self.compute_output_spec(specs).shape)
        return SHAPES[self.mode]([tuple(s) for s in input_shape], self)

    def compute_mask(self, inputs, mask=None):
        """Keras 1.2.2's output mask (None for 'dot' and 'cos')."""
        if mask is None or all(m is None for m in mask):
            return None
        if callable(self.mode):
            return self.output_mask(mask) if callable(self.output_mask) else self.output_mask
        if self.mode in spec.MASK_AND:
            return tf.reduce_all(tf.stack([m for m in mask if m is not None]), axis=0)
        if self.mode == "concat":
            masks = []
            for x, m in zip(inputs, mask):
                if m is None:
                    m = tf.ones_like(x, dtype=tf.bool)
                elif len(m.shape) < len(x.shape):
                    m = tf.expand_dims(m, -1)
                masks.append(tf.cast(m, tf.bool))
            return tf.reduce_all(tf.concat(masks, axis=self.concat_axis), axis=-1)
        if self.mode == "max":
            raise _validation.argument_error(
                self.owner, "mode", "max", "cannot merge masked inputs (Keras 1 raised "
                "'Invalid merge mode: max' there)")
        return None

    def get_config(self):
        config = super().get_config()
        config.update({"concat_axis": self.concat_axis, "dot_axes": self.dot_axes,
                       "arguments": self.arguments, "keras1_backend": self.keras1_backend})
        for arg in FUNCTION_ARGS:  # a function as given (e.g. a custom_objects key), or as
            value = getattr(self, arg)  # Keras 3 serializes it (safe mode: by name)
            config[arg] = self._function_configs.get(arg) or (
                keras.saving.serialize_keras_object(value) if callable(value) else value)
            config[f"{arg}_type"] = "function" if callable(value) else "raw"
        for key in ("node_indices", "tensor_indices"):
            if getattr(self, key) is not None:
                config[key] = getattr(self, key)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        saved = {arg: config[arg] for arg in FUNCTION_ARGS
                 if isinstance(config.get(arg), dict) and "class_name" in config[arg]}
        config.update({arg: keras.saving.deserialize_keras_object(function)
                       for arg, function in saved.items()})
        layer = cls(**config)
        layer._function_configs = saved
        return layer


def function_key(name, arg):
    """The `custom_objects` key of a Merge's function in a model file: the layer name for
    its mode (as a Lambda's), '<layer name>_<argument>' for `output_shape`/`output_mask`
    (an identifier, as a `--custom-objects` file defines it)."""
    return name if arg == "mode" else f"{name}_{arg}"


def _short(value):
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def merge(inputs, mode="sum", concat_axis=-1, dot_axes=-1, output_shape=None,
          output_mask=None, arguments=None, name=None, keras1_backend=None):
    """Keras 1's functional `merge`: `Merge(mode=..., ...)(inputs)`, a tensor."""
    return Merge(mode=mode, concat_axis=concat_axis, dot_axes=dot_axes,
                 output_shape=output_shape, output_mask=output_mask, arguments=arguments,
                 name=name, keras1_backend=keras1_backend)(inputs)
