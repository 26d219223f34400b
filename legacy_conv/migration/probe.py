"""Probing: the converter's Keras 3 form of a Keras 1 call, and what it depends on.

The Keras 1 layer config a call's arguments make is converted by `legacy_conv.convert`
(`model_config`, then `native.weight_plan`) several times:
- each expression of the source that is not a literal (`nb_filters`, the factor of
  `l2(weight_decay)`, `kernel_size[0]`) is replaced by placeholder values, one expression at
  a time: it is carried through unchanged where its placeholder lands, and only there, in
  the Keras 3 config (a pure rename); where it changes anything else, its value is used if
  the evaluator knows it, and the call is refused otherwise;
- the input shape the call leaves open is replaced by different shapes (spatial lengths
  unknown, odd and even; other channel counts); the form must not change.
The converter must also report nothing inexact and keep no layer of this package, and the
weights must be Keras 1's, at most rearranged (`weights_verdict`).
"""

import contextlib
import functools
import hashlib
import importlib
import json
import os
import pickle
import tempfile
from collections import namedtuple

import libcst as cst
import numpy as np

from legacy_conv.errors import ConversionError
from legacy_conv.spec import keras1_signatures as k1
from legacy_conv.spec import layers as spec
from legacy_conv.migration import rules
from legacy_conv.migration.evaluate import HelperCall
from legacy_conv.migration.evaluate import Opaque
from legacy_conv.migration.evaluate import is_known

PROBE = "migrate_probe"
# Input shape probes: (spatial length, channels); None = unknown.
SHAPE_ROUNDS = ((253, 3), (None, 8), (256, 5))
INT_PLACEHOLDERS = ((3, 11), (4, 12), (5, 13), (6, 14), (7, 15), (8, 16), (9, 17), (10, 18))
FLOAT_PLACEHOLDERS = tuple((0.0123 + 0.001 * j, 0.0456 + 0.001 * j) for j in range(8))
# The converter (Keras, TensorFlow) is imported by the first probe: `--check` never probes.
HELPER_MODULES = {"keras.regularizers": "legacy_conv.regularizers", "legacy_conv.regularizers":
                  "legacy_conv.regularizers", "keras.constraints": "legacy_conv.constraints",
                  "legacy_conv.constraints": "legacy_conv.constraints"}

Settings = namedtuple("Settings", "keras1_backend image_dim_ordering")
# An expression of an argument to carry: param (the Keras 1 parameter, or the helper's),
# path (inside the argument's value), node, value (static, or Opaque), kind (int/float),
# owner (the call's parameter it belongs to).
Leaf = namedtuple("Leaf", "param path node value kind owner")


class Refusal(Exception):
    """Why a call is left as it is."""


class NotKeras1(Refusal):
    """The call does not bind to Keras 1's signature (it is not Keras 1 code)."""


class TooManyPositional(NotKeras1):
    """More positional arguments than Keras 1's signature has: a Keras 1 call, but one that
    Keras 1 refused."""


class ProbeFailed(Refusal):
    """A placeholder made the Keras 1 call invalid; probe again with known values."""


def passed_through(name):
    """The layer keywords (and the input shape's arguments) a call passes on unchanged."""
    return ("keras1_backend",) + rules.LAYER_KWARGS + rules.INPUT_SHAPE_ARGS.get(
        name, spec.INPUT_SHAPE_KEYWORDS)


def literal(node):
    if isinstance(node, (cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString)):
        return True
    if isinstance(node, cst.Name):
        return node.value in ("True", "False", "None")
    if isinstance(node, cst.UnaryOperation):
        return literal(node.expression)
    if isinstance(node, (cst.Tuple, cst.List)):
        return all(literal(e.value) for e in node.elements)
    if isinstance(node, cst.Dict):
        return all(isinstance(e, cst.DictElement) and literal(e.key) and literal(e.value)
                   for e in node.elements)
    return False


def leaves(param, node, value, path=(), owner=None):
    """The expressions of an argument that are not literals (those to carry through)."""
    if literal(node):
        return []
    if isinstance(value, (tuple, list)) and isinstance(node, (cst.Tuple, cst.List)) and \
            len(node.elements) == len(value):
        return [leaf for i, (e, v) in enumerate(zip(node.elements, value))
                for leaf in leaves(param, e.value, v, path + (i,), owner)]
    if isinstance(value, HelperCall) and isinstance(node, cst.Call):
        names = [p for p, _ in k1.HELPERS.get(_keras1_helper(value.qualified), ())]
        out, positional = [], 0
        for arg in node.args:
            key = positional if arg.keyword is None else arg.keyword.value
            helper_param = (names[key] if isinstance(key, int) and key < len(names) else
                            key if isinstance(key, str) else param)
            v = value.args[key] if isinstance(key, int) else value.kwargs[key]
            out += leaves(helper_param, arg.value, v, path + (("helper", key),), owner)
            positional += arg.keyword is None
        return out
    known = is_known(value)
    if known and isinstance(value, (int, float)) and not isinstance(value, bool):
        kind = float if isinstance(value, float) else int
    elif known and _ints(value):
        kind = tuple  # a name for a tuple of sizes (`pool_size`): carried whole
    elif known:
        kind = None
    elif path and isinstance(path[-1], int):
        kind = int  # an element of a Keras 1 tuple argument: sizes and steps
    else:
        kind = int if param in rules.INT_ARGS else float if param in rules.FLOAT_ARGS else None
    return [Leaf(param, path, node, value, kind, owner)]


def _ints(value):
    return isinstance(value, (tuple, list)) and 0 < len(value) <= len(INT_PLACEHOLDERS) and \
        all(isinstance(v, int) and not isinstance(v, bool) for v in value)


def _keras1_helper(qualified):
    module, name = qualified.rsplit(".", 1)
    for keras1_module, legacy_module in rules.LEGACY_HELPER_MODULES.items():
        if module in (keras1_module, legacy_module):
            return f"{keras1_module}.{name}"
    return qualified


def _substitute(value, path, new):
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(head, tuple):  # ('helper', key)
        key = head[1]
        if isinstance(key, int):
            args = list(value.args)
            args[key] = _substitute(args[key], rest, new)
            return value._replace(args=tuple(args))
        kwargs = dict(value.kwargs)
        kwargs[key] = _substitute(kwargs[key], rest, new)
        return value._replace(kwargs=kwargs)
    items = list(value)
    items[head] = _substitute(items[head], rest, new)
    return type(value)(items)


def _placeholders(carry, round_):
    """{leaf index: value} for round 0 (first values) or 1 (second values)."""
    out, ints, floats = {}, 0, 0
    for index, leaf in enumerate(carry):
        if leaf.kind is tuple:
            out[index] = tuple(INT_PLACEHOLDERS[(ints + i) % len(INT_PLACEHOLDERS)][round_]
                               for i in range(len(leaf.value)))
            ints += len(leaf.value)
        elif leaf.kind is int:
            out[index] = INT_PLACEHOLDERS[ints % len(INT_PLACEHOLDERS)][round_]
            ints += 1
        else:
            out[index] = FLOAT_PLACEHOLDERS[floats % len(FLOAT_PLACEHOLDERS)][round_]
            floats += 1
    return out


def probe(name, bound, settings, target, carry):
    """(the Keras 3 form, {leaf index: (Leaf, [paths])}) after all probes agree."""
    first = _placeholders(carry, 0)
    second = _placeholders(carry, 1)
    shapes = _shape_rounds(name, bound, settings)
    values = _with_placeholders(bound, carry, first)
    base = _form(name, values, shapes[0], settings, target)
    carried, fixed = {}, []
    for index, leaf in enumerate(carry):
        varied = {**first, index: second[index]}
        other = _form(name, _with_placeholders(bound, carry, varied), shapes[0], settings,
                      target)
        paths = _diff(base, other)
        landed, covered = _landed(base, other, paths, first[index], second[index])
        if set(paths) - covered:
            if not is_known(leaf.value):
                raise Refusal(f"`{leaf.param}` is {_code(leaf.node)}, whose value decides the "
                              f"Keras 3 call ({_where(paths[0])}) and is not known before "
                              "the code runs")
            fixed.append(index)
        else:
            carried[index] = (leaf, landed)
    if fixed:  # probe again with those expressions' values
        keep = [leaf for i, leaf in enumerate(carry) if i not in fixed]
        return probe(name, bound, settings, target, keep)
    for shape in shapes[1:]:
        other = _form(name, values, shape, settings, target)
        paths = _diff(base, other)
        if paths:
            raise Refusal(f"its Keras 3 form ({_where(paths[0])}) depends on the input "
                          "shape, which the call does not state" + (
                              " (give the layer input_shape=...)" if name !=
                              "Deconvolution2D" else ""))
    return base, carried


def _landed(base, other, paths, first, second):
    """(paths where a placeholder landed unchanged, the differing paths they cover): a
    tuple lands as a whole list (its elements differ)."""
    if not isinstance(first, tuple):
        landed = [p for p in paths if _equal(_at(base, p), first) and
                  _equal(_at(other, p), second)]
        return landed, set(landed)
    landed = sorted({p[:-1] for p in paths if p and _same_ints(_at(base, p[:-1]), first) and
                     _same_ints(_at(other, p[:-1]), second)}, key=str)
    return landed, {p for p in paths if p[:-1] in landed}


def _same_ints(value, ints):
    return isinstance(value, list) and len(value) == len(ints) and all(
        _equal(v, i) for v, i in zip(value, ints))


def _with_placeholders(bound, carry, placeholders):
    values = {param: arg.value for param, arg in bound.items()}
    for index, leaf in enumerate(carry):
        values[leaf.owner] = _substitute(values[leaf.owner], leaf.path, placeholders[index])
    return values


def _where(path):
    """A path in a probe's form as the Keras 3 argument it is (`kernel_initializer.scale`)."""
    path = list(path)
    if path[:1] == ["layers"] and len(path) > 2:
        path = path[2:]
    return "`" + ".".join(str(p) for p in path if p != "config") + "`"


def _equal(a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        return False
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, (int, float)) and np.float32(a) == np.float32(b)
    return a == b and type(a) is type(b)


def _at(tree, path):
    for key in path:
        tree = tree[key]
    return tree


def _diff(a, b, path=()):
    """Paths (in the form's config) where two forms differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b), key=str):
            if key not in a or key not in b:
                out.append(path + (key,))
            else:
                out += _diff(a[key], b[key], path + (key,))
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [p for i, (x, y) in enumerate(zip(a, b)) for p in _diff(x, y, path + (i,))]
    return [] if _same(a, b) else [path]


def _same(a, b):
    if isinstance(a, float) and isinstance(b, float):
        return np.float32(a) == np.float32(b)
    return a == b


# -- the conversion itself --------------------------------------------------------------------
def _form(name, values, shape, settings, target):
    """{'class_name': Keras 3 class, 'config': its config, 'layout': ...} of one probe."""
    config = {}
    for param, value in values.items():
        if param in passed_through(name) and param not in ("trainable",):
            continue
        if param == "trainable" and not isinstance(value, bool):
            continue
        config[param] = _config_value(value)
    key = json.dumps([name, config, shape, settings, target], sort_keys=True, default=str)
    form = _cached_form(key)
    if isinstance(form, Exception):
        raise form
    return json.loads(form)


# The folder where the processes of one migration share their probes' answers (`shared`).
_SHARED = []


@contextlib.contextmanager
def shared():
    """While open, each probe's answer is also kept in a private temporary folder that the
    processes forked meanwhile read and add to: a form converted in one is not converted
    again in another (`run.migrate_paths` with `jobs`). Without a writable temporary folder
    each process converts for itself."""
    try:
        scratch = tempfile.TemporaryDirectory(prefix="legacy-conv-probes-")
    except OSError:
        yield None
        return
    with scratch as folder:
        _SHARED.append(folder)
        try:
            yield folder
        finally:
            _SHARED.remove(folder)


@functools.lru_cache(maxsize=2048)
def _cached_form(key):
    """The converter's form for `key` (JSON text) or the Refusal, from this process's
    memory, the shared folder, or the converter."""
    path = os.path.join(_SHARED[-1], hashlib.sha256(key.encode()).hexdigest()) \
        if _SHARED else None
    if path is not None:
        with contextlib.suppress(OSError, EOFError, pickle.UnpicklingError):
            with open(path, "rb") as f:
                kept_key, form = pickle.load(f)
            if kept_key == key:
                return form
    form = _new_form(key)
    if path is not None:
        with contextlib.suppress(OSError, pickle.PicklingError):
            with open(f"{path}.{os.getpid()}", "wb") as f:
                pickle.dump((key, form), f)
            os.replace(f"{path}.{os.getpid()}", path)  # whole or not at all
    return form


def _new_form(key):
    name, config, (shape, dtype), settings, target = json.loads(key)
    settings = Settings(*settings)
    try:
        return json.dumps(_convert(name, config, shape, dtype, settings, target))
    except Refusal as refusal:
        return refusal


def _config_value(value):
    """A static argument value → the value a Keras 1 config holds."""
    if isinstance(value, HelperCall):
        module, helper = value.qualified.rsplit(".", 1)
        source = HELPER_MODULES.get(module)
        function = getattr(importlib.import_module(source), helper, None) if source else None
        if function is None:
            raise Refusal(f"{value.qualified} has no equivalent in this package")
        try:
            obj = function(*[_config_value(a) for a in value.args],
                           **{k: _config_value(v) for k, v in value.kwargs.items()})
        except (TypeError, ValueError) as error:
            raise Refusal(f"{value.qualified}(...) fails in Keras 1: {error}") from None
        return obj.get_config()
    if isinstance(value, (tuple, list)):
        return [_config_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _config_value(v) for k, v in value.items()}
    if isinstance(value, Opaque):
        raise Refusal(f"{_code(value.node)} is not known before the code runs")
    return value


def _convert(name, config, shape, dtype, settings, target):
    import keras

    from legacy_conv import initializers
    from legacy_conv import native
    from legacy_conv.convert import model_config

    layer_config = dict(config, name=PROBE, batch_input_shape=[None] + list(shape),
                        input_dtype=dtype)
    model = {"class_name": "Sequential", "config": [{"class_name": name,
                                                     "config": layer_config}]}
    ctx = model_config.Context("native", settings.keras1_backend, None,
                               settings.image_dim_ordering)
    try:
        legacy = model_config.convert(model_config.parse(model), ctx)
        inexact = [r.note for r in ctx.reports if not r.exact]
        if inexact:
            raise Refusal(inexact[0])
        if target == "legacy":
            layers = [entry for entry in legacy["config"]["layers"]
                      if entry["class_name"] != "InputLayer"]
            return {"layers": [_strip_seeds(_essence(e["class_name"], e["config"]))
                               for e in layers], "weights": "same",
                    "names": [e["config"].get("name") for e in layers]}
        with keras.saving.custom_object_scope(ctx.custom_objects):  # shapes, no values
            built = initializers.shapes_only(lambda: keras.models.model_from_json(
                json.dumps(legacy), custom_objects=ctx.custom_objects))
            plan = initializers.shapes_only(lambda: native.weight_plan(built, keep_legacy=True))
    except ConversionError as error:
        raise ProbeFailed(f"not a valid Keras 1 call: {error}") from None
    except (ValueError, TypeError) as error:
        raise ProbeFailed(f"not a valid Keras 1 call: {str(error).splitlines()[0]}") from None
    if plan.kept:
        raise Refusal(plan.kept[0][2])
    if plan.notes:
        raise Refusal(plan.notes[0][1])
    layers = [_essence(type(layer).__name__, layer.get_config()) for layer in plan.model.layers]
    fix = NATIVE_FIXES.get(name)
    if fix is not None:
        layers = [fix(layer, config, len(shape) + 1) for layer in layers]
    try:
        verdict = _weights_verdict(plan)
    except MemoryError:
        count = sum(int(np.prod(w.shape)) for _, legacy, _ in plan.transfers
                    for w in legacy.weights)
        raise Refusal(f"its {count:,} weights are too many for this process to check that "
                      "Keras 3's layer keeps Keras 1's layout") from None
    return {"layers": layers, "weights": verdict, "roles": plan.roles()}


def _source_axis(layer, config, rank):
    """The converter writes a negative Keras 1 axis as the positive axis of the probe's
    rank; Keras 3 reads the negative one the same way for every rank."""
    axis = config.get("axis", -1)
    native = layer["config"].get("axis")
    if isinstance(axis, int) and axis < 0 and native == axis % rank:
        layer = dict(layer, config=dict(layer["config"], axis=axis))
    return layer


# Keras 1 class -> f(native layer, Keras 1 config, input rank): the converter's output made
# independent of the probe where the meaning is (see each function).
NATIVE_FIXES = {"BatchNormalization": _source_axis}


def _essence(class_name, config):
    config = {k: v for k, v in config.items() if k not in ("name", "dtype")}
    return {"class_name": class_name,
            "config": json.loads(json.dumps(config, default=json_default))}


def json_default(value):
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    if isinstance(value, tuple):
        return list(value)
    return str(value)


def _strip_seeds(entry):
    def walk(value):
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items() if k != "seed"}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value
    return walk(entry)


def _weights_verdict(plan):
    """'same', 'layout' (the same numbers rearranged) or 'changed': what the plan's
    transfers make of weights whose numbers all differ."""
    verdict = "same"
    for _, legacy, fn in plan.transfers:
        before = [np.arange(np.prod(w.shape), dtype="float64").reshape(w.shape)
                  for w in legacy.weights]
        after = [np.asarray(w) for w in fn(before)]
        for b, a in zip(before, after):
            if b.shape == a.shape and np.array_equal(a, b):
                continue
            if np.array_equal(np.sort(a, axis=None), np.sort(b, axis=None)):
                verdict = "layout"
            else:
                return "changed"
    return verdict


# -- probe shapes ------------------------------------------------------------------------------
def _rank(name):
    """Spatial axes of a Keras 1 layer's input (None: no channels layout)."""
    for rank in (1, 2, 3):
        if name.endswith(f"{rank}D"):
            return rank
    return None


def ordering(bound, settings):
    """'th' or 'tf': the call's dim_ordering, 'default' read as the stated one."""
    arg = bound.get("dim_ordering")
    value = arg.value if arg is not None else "default"
    return settings.image_dim_ordering if value == "default" else value


def _stated_shape(name, bound):
    """The input shape (without the batch) the call states, or None."""
    if "input_shape" in bound:
        return bound["input_shape"].value
    if "batch_input_shape" in bound:
        value = bound["batch_input_shape"].value
        return value[1:] if isinstance(value, (tuple, list)) else value
    args = rules.INPUT_SHAPE_ARGS.get(name, ())
    if any(a in bound for a in args):
        return tuple(bound[a].value if a in bound else None for a in args)
    return None


def _shape_rounds(name, bound, settings):
    """[(input shape, dtype)] to probe with; the first is the reference."""
    stated = _stated_shape(name, bound)
    dtype = "int32" if name == "Embedding" else "float32"
    if isinstance(stated, (tuple, list)) and is_known(stated):
        return [(list(stated), dtype)]
    rounds = []
    for index, (length, channels) in enumerate(SHAPE_ROUNDS):
        shape = _generic_shape(name, bound, settings, index, length, channels)
        if isinstance(stated, (tuple, list)) and len(stated) == len(shape):
            shape = [p if s is None or not is_known(s) else s for s, p in zip(stated, shape)]
        rounds.append((shape, dtype))
    if name == "Deconvolution2D":
        rounds = _deconvolution_rounds(bound, settings, rounds)
    return rounds


def _generic_shape(name, bound, settings, index, length, channels):
    """A probe input shape (without the batch) for a layer whose input shape is open."""
    rank = _rank(name)
    if rank == 1 or name in ("LSTM", "GRU", "SimpleRNN"):
        return [length, channels]
    if rank in (2, 3):
        spatial = [length] * rank
        return [channels] + spatial if ordering(bound, settings) == "th" else \
            spatial + [channels]
    if name == "Embedding":
        return [length]
    if name == "BatchNormalization":
        axis = bound["axis"].value if "axis" in bound else -1
        lowest = axis + 1 if isinstance(axis, int) and axis >= 0 else 1
        return [channels] * (lowest + index + 1)
    if name == "Flatten":
        return [channels, 4, 4]
    if name == "Reshape":
        target = bound["target_shape"].value if "target_shape" in bound else ()
        known = is_known(target) and isinstance(target, (tuple, list))
        return [int(np.prod([d for d in target if d > 0]))] if known else [channels]
    if name == "Permute":
        dims = bound["dims"].value if "dims" in bound else ()
        known = is_known(dims) and isinstance(dims, (tuple, list))
        return [channels + i for i in range(len(dims))] if known else [channels]
    return [channels]


def _deconvolution_rounds(bound, settings, rounds):
    from legacy_conv import theano_plans as plans

    output_shape = bound["output_shape"].value if "output_shape" in bound else None
    if not (isinstance(output_shape, (tuple, list)) and len(output_shape) == 4 and
            is_known(list(output_shape[1:]))):
        raise Refusal("output_shape is not a literal (its rows and columns decide the Keras 3 "
                      "call)")
    dim_ordering = ordering(bound, settings)
    requested = output_shape[2:] if dim_ordering == "th" else output_shape[1:3]
    kernel = [bound[p].value for p in ("nb_row", "nb_col")]
    strides = bound["subsample"].value if "subsample" in bound else (1, 1)
    mode = bound["border_mode"].value if "border_mode" in bound else "valid"
    if not is_known(kernel) or not is_known(strides) or not isinstance(mode, str):
        return rounds
    lengths = []
    for out, k, s in zip(requested, kernel, strides):
        valid = [n for n in range(1, int(out) + 1)
                 if plans.deconv_output_range(n, k, mode, s, settings.keras1_backend)[0]
                 <= out <= plans.deconv_output_range(n, k, mode, s,
                                                     settings.keras1_backend)[1]]
        if not valid:
            raise Refusal(f"output_shape {tuple(output_shape)} fits no input size")
        lengths.append((valid[0], valid[-1]))
    out = []
    for (shape, dtype), pick in zip(rounds, (0, 1, 1)):
        spatial = [pair[pick] for pair in lengths]
        channels = shape[0] if dim_ordering == "th" else shape[-1]
        out.append(([channels] + spatial if dim_ordering == "th" else
                    spatial + [channels], dtype))
    return out




def _code(node):
    return cst.Module([]).code_for_node(node)
