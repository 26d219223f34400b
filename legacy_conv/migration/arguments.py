"""The Keras 3 call's arguments, from the converter's form of a Keras 1 call.

Required arguments come first, positionally; then the keywords the call stated, in its
order (`rules.arguments` says where each Keras 1 argument lands); then those that differ
from Keras 3's defaults. Each value is the carried expression (a pure rename), else the
call's own literal where Keras 3 reads it the same way, else the converted value written
out (`render`).
"""

import functools
import json

import libcst as cst

from collections import namedtuple

from legacy_conv.migration import render
from legacy_conv.migration import rules
from legacy_conv.migration.evaluate import HelperCall
from legacy_conv.migration.evaluate import is_known
from legacy_conv.migration.probe import Refusal
from legacy_conv.migration.probe import json_default as _json
from legacy_conv.migration.probe import literal as _literal
from legacy_conv.migration.probe import ordering as _ordering
from legacy_conv.spec import layers as layers_spec

# layer: Keras 3 class name; args: [(keyword or None, expression node, indices of the call's
# arguments it comes from)]; inputs: for merge(), the node the new layer is called on;
# notes: what the user should know; needs: the modules the new arguments name.
Translation = namedtuple("Translation", "layer args inputs notes needs")
Translation.__new__.__defaults__ = (frozenset(),)

# -- 4. rendering --------------------------------------------------------------------------------
def _several(form):
    """Why the converter needed more than one Keras 3 layer: the most telling role its plan
    gave them (`native.plan.main_step`)."""
    from legacy_conv.native import plan as native_plan  # TensorFlow: not for `--check`

    classes = ", ".join(layer["class_name"] for layer in form["layers"])
    step = native_plan.main_step(form.get("roles", ()))
    if step is None:
        return f"its exact Keras 3 form is several layers ({classes})"
    return f"{native_plan.ROLES[step]} (its exact Keras 3 form is several layers: {classes})"


def keras3_call(name, bound, form, carried, settings):
    layers = form["layers"]
    ordering = _ordering(bound, settings) if "dim_ordering" in dict(
        rules.keras1_params(name)) else None
    notes = []
    if form["weights"] == "changed":
        raise Refusal("its weights become other numbers in Keras 3's layer")
    if len(layers) == 3 and ordering == "th" and layers[0]["class_name"] == "Permute" and \
            layers[2]["class_name"] == "Permute" and \
            layers[1]["config"].get("data_format") == "channels_last":
        if layers[1]["config"].get("use_bias"):
            raise Refusal(layers_spec.CHANNELS_FIRST_BIAS)
        core = dict(layers[1], config=dict(layers[1]["config"], data_format="channels_first"))
        offset = ("layers", 1)
    elif len(layers) == 1:
        core, offset = layers[0], ("layers", 0)
    else:
        raise Refusal(_several(form))
    if form["weights"] == "layout":
        notes.append("Keras 1 stored this layer's kernel in another layout: load Keras 1 "
                     "weight files with legacy_conv.load_model(..., target='native')")
    cls_name, config = core["class_name"], core["config"]
    subclass = rules.SUBCLASS_BASES.get(cls_name)  # ours, with its Keras 3 base's arguments
    if subclass is not None:
        cls_name, config = subclass, dict(config)
        backend = config.pop("keras1_backend", None)
    substitutions = {}
    for leaf, paths in carried.values():
        for path in paths:
            if path[:2] == offset and path[2] == "config":
                substitutions[path[3:]] = leaf.node
    required = rules.keras3_required(cls_name)
    mapping = rules.arguments(name)
    stated = []
    for param in bound:
        targets = mapping.get(param, ())
        for key in (targets,) if isinstance(targets, str) else targets:
            if key in config and key not in stated and key not in required:
                stated.append(key)
    defaults = _defaults(cls_name, json.dumps({k: config[k] for k in list(required) + stated
                                               if k not in ("name", "trainable")}))
    differing = [k for k in rules.keras3_params(cls_name)
                 if k in config and k not in required and k not in stated and
                 k not in ("name", "trainable") and json.dumps(config[k]) != json.dumps(
                     defaults.get(k))]
    args, needs = [], set()
    for key in list(required) + stated + differing:
        if key == "trainable" and "trainable" not in bound:
            continue
        node = _value_node(name, key, config, substitutions, bound, mapping, cls_name, needs)
        origins = tuple(sorted(bound[p].index for p in _sources(mapping, bound, key)))
        args.append((None if key in required else key, node, origins))
    for param in ("name", "trainable"):
        if param in bound and not any(k == param for k, _, _ in args):
            args.append((param, bound[param].node, (bound[param].index,)))
    shape_arg = _input_shape_arg(name, bound)
    if shape_arg is not None:
        args.append(shape_arg)
    if subclass is not None:
        cls_name = f"legacy_conv.{core['class_name']}"
        needs.add("legacy_conv")
        if backend is not None:
            args.append(("keras1_backend", cst.SimpleString(repr(backend)), ()))
    # Positional ones first, then the call's keywords in its order, then the others.
    positional = [a for a in args if a[0] is None]
    stated_args = sorted((a for a in args if a[0] is not None and a[2]), key=lambda a: a[2])
    added = [a for a in args if a[0] is not None and not a[2]]
    return Translation(cls_name, positional + stated_args + added, None, notes,
                       frozenset(needs))


def _sources(mapping, bound, key):
    """The call's parameters that land on the Keras 3 argument `key`."""
    return [p for p, t in mapping.items() if p in bound and (
        t == key or (isinstance(t, tuple) and key in t))]


@functools.lru_cache(maxsize=None)
def _defaults(cls_name, given):
    """The config Keras 3 makes of `given` (JSON) alone: what the call need not state."""
    import keras  # TensorFlow: not for `--check`

    cls = getattr(keras.layers, cls_name)
    given = json.loads(given)
    try:
        layer = cls(**{k: _python(v) for k, v in given.items()})
    except Exception:  # noqa: BLE001 — fall back on the required arguments alone
        layer = cls(**{k: _python(given[k]) for k in rules.keras3_required(cls_name)})
    return json.loads(json.dumps(layer.get_config(), default=_json))


def _python(value):
    if isinstance(value, list):
        return tuple(_python(v) for v in value)
    return value


def _value_node(name, key, config, substitutions, bound, mapping, cls_name, needs):
    inner = {path[1:]: node for path, node in substitutions.items() if path[0] == key}
    if inner:
        return render.expression(_carry(config[key], inner), needs)
    sources = _sources(mapping, bound, key)
    if len(sources) == 1 and _stated(bound[sources[0]]) and \
            _reads_the_same(cls_name, config, key, bound[sources[0]].value):
        return bound[sources[0]].node  # the user's literal, or name of a constant
    return render.expression(config[key], needs)


def _stated(arg):
    """Whether the call's own expression can stand for the converted value: a literal, or
    an expression whose value is known (a module constant: `Activation(act)`)."""
    return _literal(arg.node) or is_known(arg.value) and not isinstance(arg.value, HelperCall)


def _carry(value, inner):
    """`value` with the carried expressions at their paths."""
    if () in inner:
        return render.Carried(inner[()])
    if isinstance(value, dict):
        return {k: _carry(v, {p[1:]: n for p, n in inner.items() if p[0] == k})
                if any(p[0] == k for p in inner) else v for k, v in value.items()}
    if isinstance(value, list):
        return tuple(_carry(v, {p[1:]: n for p, n in inner.items() if p[0] == i})
                     if any(p[0] == i for p in inner) else v for i, v in enumerate(value))
    return value


def _reads_the_same(cls_name, config, key, source_value):
    """Whether Keras 3 reads the source's literal for `key` as the converted value (kept
    per layer, converted value and literal: each answer builds two layers)."""
    if any(k not in config for k in rules.keras3_required(cls_name)):
        return False
    required = {k: _python(config[k]) for k in rules.keras3_required(cls_name)}
    memo = (cls_name, json.dumps(required), key, json.dumps(config[key]), repr(source_value))
    if memo not in _READS_THE_SAME:
        if len(_READS_THE_SAME) >= MAX_KEPT:
            _READS_THE_SAME.clear()
        try:
            import keras

            cls = getattr(keras.layers, cls_name)
            ours = cls(**dict(required, **{key: _python(config[key])})).get_config()[key]
            theirs = cls(**dict(required, **{key: source_value})).get_config()[key]
            same = json.dumps(ours, default=_json) == json.dumps(theirs, default=_json)
        except Exception:  # noqa: BLE001 — Keras refuses the source's form: not the same
            same = False
        _READS_THE_SAME[memo] = same
    return _READS_THE_SAME[memo]


MAX_KEPT = 4096
_READS_THE_SAME = {}


def _input_shape_arg(name, bound):
    """(keyword, node, index) for the input shape the call states, in Keras 3's words."""
    if "input_shape" in bound:
        arg = bound["input_shape"]
        return ("input_shape", arg.node, (arg.index,))
    if "batch_input_shape" in bound:
        arg = bound["batch_input_shape"]
        if not (isinstance(arg.value, (tuple, list)) and arg.value and arg.value[0] is None):
            raise Refusal("batch_input_shape fixes the batch size, and Keras 3 layers take "
                          "input_shape only (give keras.Input(batch_shape=...) instead)")
        if isinstance(arg.node, (cst.Tuple, cst.List)):
            return ("input_shape", _tuple([e.value for e in arg.node.elements[1:]]),
                    (arg.index,))
        return ("input_shape", cst.parse_expression(f"{_code(arg.node)}[1:]"),
                (arg.index,))
    args = [a for a in rules.INPUT_SHAPE_ARGS.get(name, ()) if a in bound]
    if not args:
        return None
    index = tuple(sorted(bound[a].index for a in args))
    if rules.INPUT_SHAPE_ARGS[name] == ("input_dim",):
        return ("input_dim", bound["input_dim"].node, index)
    return ("input_shape", _tuple([bound[a].node if a in bound else cst.Name("None")
                                   for a in rules.INPUT_SHAPE_ARGS[name]]), index)


def _tuple(nodes):
    elements = [cst.Element(n) for n in nodes]
    if len(elements) == 1:
        elements = [elements[0].with_changes(comma=cst.Comma())]
    return cst.Tuple(elements)




def _code(node):
    return cst.Module([]).code_for_node(node)
