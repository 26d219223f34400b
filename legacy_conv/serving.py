"""Keras 1 models as TF Serving SavedModels: stable names, shape checks, atomic, versioned.

`export_for_serving(model, path)` writes what `model.export(path)` writes — a SavedModel
whose `serving_default` signature runs the model in inference mode on standard TensorFlow
ops only — with three differences:

- Input names never depend on the Python session. `model.export` names an input after its
  Keras tensor, and a tensor that was never named gets a session counter (`keras_tensor_7`):
  export the same model after building another one and the name changes. Here such an
  input (`keras_tensor_7`, `input_layer_3`) is called `input_<i>` (its position), as
  outputs are `output_<i>`; named inputs
  (Keras 1 `Input(name=...)`, and every model that `load_model` reads from a file) keep
  their name. `input_names=` / `output_names=` choose other names.
- The model is checked before anything is written: a layer that only works for one batch
  size or for one input size, although the signature would accept any, is refused with a
  `ConversionError` naming the layer and what to do.
- The folder appears complete or not at all (written to a hidden sibling, then renamed),
  and `name=` writes TF Serving's versioned layout `path/<name>/<version>/`.

`predictor(model)` is the in-process counterpart: NumPy in, NumPy out, as Keras 1's
`predict_on_batch` (one `session.run`), without `tf.function`'s per-call dispatch.
"""

import collections
import itertools
import os
import re

import keras
import numpy as np
import tensorflow as tf

from legacy_conv import _atomic
from legacy_conv.errors import ConversionError
from legacy_conv.layers.deconvolution import Deconvolution2D

SIGNATURE = "serving_default"
ENDPOINT = "serve"  # as model.export: `serve`, also registered as `serving_default`
# Names Keras makes up for an unnamed input (its tensor's, or its InputLayer's): session
# counters, not properties of the model.
AUTOMATIC_NAME = re.compile(r"(keras_tensor|input_layer)(_\d+)?\Z")
# What TensorFlow accepts as a signature key: a node name (tf.Operation's own rule).
VALID_NAME = re.compile(r"[A-Za-z0-9.][A-Za-z0-9_.\\/>-]*\Z")
VERSION = re.compile(r"\d+\Z")

ServingExport = collections.namedtuple("ServingExport", "path inputs outputs")
ServingExport.__doc__ = """What `export_for_serving` wrote: the SavedModel folder, and the
`serving_default` signature's inputs and outputs as {name: tf.TensorSpec}, in model order."""


def _layers(model):
    """Every layer of `model`, nested models and wrapped layers included."""
    for layer in model.layers:
        yield layer
        if isinstance(layer, keras.Model):
            yield from _layers(layer)
        inner = getattr(layer, "layer", None)  # TimeDistributed, Bidirectional
        if isinstance(inner, keras.layers.Layer):
            yield inner


def _who(layer):
    return f'"{layer.name}" ({type(layer).__name__})'


def _deconvolution_problems(layer):
    """Keras 1's Deconvolution2D fixes its output's size (and on TensorFlow maybe the batch)
    in `output_shape`: the graph then runs only for inputs of the matching size."""
    built = (layer.get_build_config() or {}).get("input_shape")
    problems = []
    if layer._batch is not None:
        problems.append((
            layer, f"output_shape={layer.deconv_output_shape} fixes the batch size to "
            f"{layer._batch} (Keras 1's TensorFlow backend required exactly that many samples "
            "per call), but TF Serving batches requests of any size",
            "Set the batch of its output_shape to None (the numbers are the same for every "
            "batch), or modernize the model (legacy_conv.modernize, target='native'): "
            "Conv2DTranspose takes any batch"))
    if built is not None and None in layer._spatial(tuple(built)):
        problems.append((
            layer, f"output_shape={layer.deconv_output_shape} fixes the output's rows and "
            "columns, so only inputs of matching sizes work, but its input shape "
            f"{tuple(built)} leaves them unknown: the signature would accept any size and "
            "fail inside the graph",
            "Build the model with a fixed input shape (in a Keras 1 file: the input's "
            "batch_input_shape)"))
    return problems


def _stateful_problems(layer):
    if not layer.stateful:
        return []
    return [(layer, "is stateful: it carries state from one call to the next and needs a "
             "fixed batch, but TF Serving shares one model between all requests",
             "Rebuild it with stateful=False")]


# The checks, by layer class: layer -> [(layer, problem, remedy)].
LAYER_CHECKS = {Deconvolution2D: _deconvolution_problems, keras.layers.RNN: _stateful_problems}


def check_servable(model):
    """Raises a ConversionError naming every layer that cannot be served as exported."""
    problems = []
    for layer in _layers(model):
        for cls, check in LAYER_CHECKS.items():
            if isinstance(layer, cls):
                problems.extend(check(layer))
    if len(problems) == 1:
        layer, problem, remedy = problems[0]
        raise ConversionError(f"cannot be served: {problem}", layer=_who(layer), hint=remedy)
    if problems:
        listed = "; ".join(f"layer {_who(layer)}: {problem}. {remedy}"
                           for layer, problem, remedy in problems)
        raise ConversionError(f"has layers that cannot be served: {listed}", field="model")


def _names(given, default, kind):
    if given is None:
        names = list(default)
    elif isinstance(given, (list, tuple)) and len(given) == len(default):
        names = list(given)
    else:
        raise ConversionError(f"must be a list of {len(default)} names, one per model "
                              f"{kind}", field=f"{kind}_names", value=given)
    for name in names:
        if not isinstance(name, str) or not VALID_NAME.match(name):
            raise ConversionError(
                "must be TensorFlow node names for TF Serving's signature (letters, digits "
                "and . _ - / \\ >, starting with a letter, a digit or .); pass "
                f"{kind}_names=[...] to choose others",
                field=f"{kind}_names", value=names)
    if len(set(names)) != len(names):
        raise ConversionError("must be distinct", field=f"{kind}_names", value=names)
    return names


def serving_signature(model, input_names=None, output_names=None):
    """The `serving_default` signature `export_for_serving` writes for `model`:
    (inputs, outputs), each {name: tf.TensorSpec} in model order, batch size None."""
    if not isinstance(model, keras.Model):
        raise ConversionError("must be a keras.Model", field="model",
                              value=type(model).__name__)
    try:
        inputs, outputs = list(model.inputs), list(model.outputs)
    except (AttributeError, ValueError):
        inputs = None
    if not inputs:
        raise ConversionError("must be built (give it an input shape) before it can be "
                              "exported", layer=f'"{model.name}" ({type(model).__name__})')
    default = [f"input_{i}" if AUTOMATIC_NAME.match(t.name) else t.name
               for i, t in enumerate(inputs)]
    input_names = _names(input_names, default, "input")
    output_names = _names(output_names, [f"output_{i}" for i in range(len(outputs))],
                          "output")

    def spec(tensor, name):
        return tf.TensorSpec((None,) + tuple(tensor.shape)[1:], tensor.dtype, name=name)
    return ({n: spec(t, n) for n, t in zip(input_names, inputs)},
            {n: spec(t, n) for n, t in zip(output_names, outputs)})


def versioned_path(path, name, version):
    """`path`, or TF Serving's `path/<name>/<version>` (version None: the next one)."""
    path = os.fspath(path)
    if name is None:
        if version is not None:
            raise ConversionError("needs name= (the versioned layout path/<name>/<version>)",
                                  field="version", value=version)
        return path
    if not isinstance(name, str) or not name or name in (".", "..") or \
            any(s in name for s in ("/", "\\", os.sep)):
        raise ConversionError("must be a plain folder name", field="name", value=name)
    model_dir = os.path.join(path, name)
    if version is None:  # the next version: TF Serving serves the highest one
        existing = [int(v) for v in (os.listdir(model_dir) if os.path.isdir(model_dir) else ())
                    if VERSION.match(v)]
        version = max(existing, default=0) + 1
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ConversionError("must be a positive integer", field="version", value=version)
    return os.path.join(model_dir, str(version))


def write_saved_model(model, path, input_names=None, output_names=None):
    """Checks `model` and writes its SavedModel to the folder `path`, in place (for callers
    that write to a temporary folder themselves, as `legacy-conv convert` does); returns the
    signature's (inputs, outputs) as `serving_signature` does."""
    inputs, outputs = serving_signature(model, input_names, output_names)
    check_servable(model)
    _write(model, os.fspath(path), inputs, outputs)
    return inputs, outputs


def _write(model, tmp, inputs, outputs):
    names = list(outputs)

    def serve(*tensors):
        result = model(list(tensors) if len(tensors) > 1 else tensors[0], training=False)
        result = result if isinstance(result, (list, tuple)) else [result]
        return dict(zip(names, result))

    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint(ENDPOINT, serve, input_signature=list(inputs.values()))
    archive.write_out(tmp, verbose=False)


def export_for_serving(model, path, name=None, version=None, *, input_names=None,
                       output_names=None, overwrite=False):
    """Exports `model` as a SavedModel for TF Serving; returns a `ServingExport`.

    Args:
        model: a built `keras.Model` (legacy or native; from `load_model` or in code).
        path: the SavedModel folder, or with `name` the model base path of TF Serving.
        name: write `path/<name>/<version>/` (TF Serving's `--model_base_path=path/<name>`).
        version: positive int; default: one more than the highest version in
            `path/<name>` (1 for the first), which TF Serving picks up as the new version.
        input_names, output_names: lists of signature names in model order; default: each
            input's name (`input_<i>` where Keras made one up), `output_<i>`.
        overwrite: replace an existing folder (else a ConversionError); only an empty
            folder or a SavedModel is replaced, never a folder of other files or a link.

    The signature `serving_default` takes one tensor per input (batch size None, the
    other dimensions as the model's inputs) and returns one per output.

    Raises:
        ConversionError: a model that is not built, bad names, an existing folder, or
            layers that cannot be served (naming every one, with what to do).
    """
    inputs, outputs = serving_signature(model, input_names, output_names)
    check_servable(model)
    destination = versioned_path(path, name, version)
    if os.path.lexists(destination) and not overwrite:
        raise ConversionError("already exists (pass overwrite=True to replace it)",
                              field="path", value=destination)
    try:
        with _atomic.written(destination, True, replace=overwrite, make_parents=True) as tmp:
            _write(model, tmp, inputs, outputs)
    except FileExistsError:
        raise ConversionError("already exists (pass overwrite=True to replace it)",
                              field="path", value=destination) from None
    except _atomic.NotReplaceable as error:
        raise ConversionError(f"cannot be replaced: {str(error).partition(': ')[2]}",
                              field="path", value=destination) from None
    return ServingExport(destination, inputs, outputs)


def predictor(model):
    """A NumPy-in, NumPy-out function of `model` in inference mode, as Keras 1's
    `predict_on_batch`: `f(x)` for one input, `f([x1, x2])` (in model order) or
    `f({name: x1, ...})` for several; one array for one output, else a list. Eager code only
    (it returns NumPy arrays).

    `model`: a built `keras.Model` (legacy or native), or a loaded SavedModel's signature
    (`tf.saved_model.load(path).signatures["serving_default"]`; its inputs in the order of
    their names, outputs likewise). The graph is one concrete function (batch size None)
    run with its inputs and captured variables directly: `tf.function`'s per-call dispatch
    (binding the arguments, looking the trace up, `tf.constant`) cost 8-10% of a small
    convnet's call (`benchmarks/bench_keras1_anchor.py`). The variables are the model's own
    (later `set_weights` are seen). Inference only: no gradient is recorded.
    """
    if isinstance(model, keras.Model):
        names = list(serving_signature(model)[0])
        function = tf.function(
            lambda *x: model(list(x) if len(x) > 1 else x[0], training=False))
        function = function.get_concrete_function(*serving_signature(model)[0].values())
        keywords = False
    elif isinstance(model, tf.types.experimental.ConcreteFunction):
        function = model
        names = sorted(function.structured_input_signature[1])
        keywords = bool(names)
        names = names or [f"input_{i}" for i in
                          range(len(function.structured_input_signature[0]))]
    else:
        raise ConversionError("must be a keras.Model or a loaded SavedModel's signature",
                              field="model", value=type(model).__name__)
    return _Predictor(function, names, keywords)


class _Predictor:
    """`predictor`'s function: shapes and dtypes checked, then the graph's flat call."""

    def __init__(self, function, names, keywords):
        placeholders = function.inputs[:len(names)]
        self.function = function  # its graph stays registered while it lives
        self.names = names
        self._dtypes = [t.dtype for t in placeholders]
        self._shapes = [tuple(t.shape) for t in placeholders]
        self._single = len(tf.nest.flatten(function.structured_outputs,
                                           expand_composites=True)) == 1
        self._call = _flat_call(function, names, keywords, self._dtypes)

    def __call__(self, x):
        if isinstance(x, dict):
            missing = [n for n in self.names if n not in x]
            if missing:
                raise ConversionError(f"has no array for the model inputs {missing} (the "
                                      f"inputs: {', '.join(self.names)})", field="x",
                                      value=sorted(x))
            x = [x[n] for n in self.names]
        arrays = list(x) if isinstance(x, (list, tuple)) else [x]
        if len(arrays) != len(self.names):
            raise ConversionError(f"must be one array per model input ({', '.join(self.names)})",
                                  field="x", value=f"{len(arrays)} arrays")
        arrays = [np.asarray(a, d.as_numpy_dtype) for a, d in zip(arrays, self._dtypes)]
        for a, shape, name in zip(arrays, self._shapes, self.names):
            if len(a.shape) != len(shape) or any(
                    d is not None and d != n for d, n in zip(shape, a.shape)):
                raise ConversionError(f"input {name!r} must have shape {shape} (None: any "
                                      "length)", field="x", value=a.shape)
        outputs = [t.numpy() for t in self._call(arrays)]
        return outputs[0] if self._single else outputs


def _flat_call(function, names, keywords, dtypes):
    """f([arrays]) -> [output tensors, flattened]: the function's graph run directly, or
    (where TensorFlow's internals differ) through the concrete function's own call."""
    try:
        from tensorflow.python.eager import context, execute
        from tensorflow.python.framework import ops

        ctx = context.context()
        atomic = function._inference_function
        name, count = atomic.name.decode(), len(atomic.function_type.flat_outputs)
        captured = list(function.captured_inputs)
        attrs = tuple(itertools.chain(*ctx.function_call_options.as_attrs().items()))
        enums = [d.as_datatype_enum for d in dtypes]
        make = ops.EagerTensor
    except (AttributeError, ImportError, TypeError):
        def call(arrays):
            tensors = [tf.constant(a) for a in arrays]
            result = (function(**dict(zip(names, tensors))) if keywords
                      else function(*tensors))
            return tf.nest.flatten(result, expand_composites=True)
        return call

    def call(arrays):
        tensors = [make(a, ctx.device_name, e) for a, e in zip(arrays, enums)]
        return execute.execute(name, count, tensors + captured, attrs, ctx)
    return call
