"""One Keras 1 layer config → one Keras 3 layer config (serialized, ready for Keras 3).

`convert_layer` follows `layer_rules`: a Keras 3 built-in where it means the same thing,
otherwise the layer of this package with the Keras 1 name, whose config keeps Keras 1's
vocabulary. Each conversion also returns a `Report` row for `legacy-conv inspect`.
"""

import functools
import inspect
from collections import namedtuple

import keras

from legacy_conv.convert import layer_rules
from legacy_conv.convert import values
from legacy_conv.errors import ConversionError
from legacy_conv.errors import layer_label
from legacy_conv.errors import shown
from legacy_conv.spec import layers as spec
from legacy_conv.spec import merge as merge_spec

Report = namedtuple("Report", "name keras1_class keras3_class exact note")

BUILTIN_MODULE = "keras.layers"


def serialized(class_name, config, cls=None):
    """A Keras 3 serialized layer: a built-in, or `cls` registered by this package."""
    if cls is None:
        return {"module": BUILTIN_MODULE, "class_name": class_name, "config": config,
                "registered_name": None}
    return {"module": cls.__module__, "class_name": cls.__name__, "config": config,
            "registered_name": f"legacy_conv>{cls.__name__}"}


def ours(class_name):
    return keras.saving.get_registered_object(f"legacy_conv>{class_name}")


def _fail(name, class_name):
    def where(problem, value=None, field=None, hint=None, has_value=True):
        return ConversionError(problem, layer=layer_label(name, class_name), field=field,
                               value=value, hint=hint, has_value=has_value)
    return where


def _field(where, key):
    return lambda problem, value, hint=None: where(problem, value, field=key, hint=hint)


def needs_ours(class_name, config, ctx):
    """True where only our layer reproduces Keras 1 (`layer_rules.LEGACY_WHEN`)."""
    if class_name in layer_rules.OURS:
        return True
    when = layer_rules.LEGACY_WHEN.get(class_name)
    if when is None:
        return False
    key, values_, backend = when
    value = config.get(key)
    legacy = values_(value) if callable(values_) else value in values_
    return legacy and backend in (None, ctx.keras1_backend)


def convert_layer(class_name, config, ctx):
    """(Keras 3 serialized layer, Report) for a Keras 1 layer that is not a model."""
    if not isinstance(class_name, str):
        raise ConversionError("must be a string", field="class_name", value=class_name)
    if not isinstance(config, dict):
        raise ConversionError("must be a dict of the layer's arguments", field="config",
                              value=config, layer=layer_label(None, class_name))
    name = config.get("name", "?")
    where = _fail(name, class_name)
    if class_name == "Lambda":
        return _lambda(config, ctx, where)
    if class_name in ctx.custom_objects:
        return _custom(class_name, config, ctx)
    if class_name not in layer_rules.RULES and class_name not in layer_rules.OURS:
        raise where("is not a Keras 1 layer this package converts", class_name,
                    field="class_name")
    prepare = layer_rules.PREPROCESSORS.get(class_name)
    if prepare is not None:
        config = prepare(config, ctx, where)
    if needs_ours(class_name, config, ctx):
        return _ours(class_name, config, ctx, where)
    return _builtin(class_name, config, ctx, where)


def _common(config, where):
    out = {"name": config.get("name"), "trainable": values.convert(
        "bool", config.get("trainable", True), _field(where, "trainable"))}
    if not isinstance(out["name"], str) or not out["name"]:
        raise where("must be a non-empty string", out["name"], field="name")
    return out


def _builtin(class_name, config, ctx, where):
    rule = layer_rules.RULES[class_name]
    keras1_class = class_name
    out = _common(config, where)
    for key, value in config.items():
        if key in layer_rules.COMMON_KEYS and key not in rule.args:
            continue
        if key not in rule.args:
            raise where(f"is not an argument of the Keras 1 {class_name} layer", value,
                        field=key)
        target, kind = rule.args[key]
        if kind == "layer":
            value, inner = _inner_layer(value, ctx, where)
        else:
            value = values.convert(kind, value, _field(where, key), ctx.custom_objects,
                                   ctx.keras1_backend)
        if target is not None and not (kind.endswith("or_none") and value is None):
            out[target] = value
    if "data_format" in _targets(rule) and "data_format" not in out:
        out["data_format"] = values.convert("data_format", ctx.dim_ordering(config), where)
    out.update(rule.fixed)
    finish = layer_rules.POSTPROCESSORS.get(class_name)
    if finish is not None:
        out = finish(config, out)
    if not _takes(rule.keras3 or "", "trainable"):
        del out["trainable"]  # Keras 3's SpatialDropout*D take no `trainable` (no weights)
    _from_weights(class_name, out, ctx)
    subclass = layer_rules.SUBCLASSES.get(keras1_class)
    if subclass is not None and "keras1_backend" in _accepted(subclass):
        out["keras1_backend"] = ctx.keras1_backend
    if class_name == "Merge":
        merged, extra = merge_spec.KERAS3[config.get("mode", merge_spec.DEFAULT)]
        for k3, k1 in extra.items():
            out[k3] = values.convert("int_any", config.get(k1, -1), _field(where, k1))
        class_name = merged
    note = layer_rules.TRAINING_NOTES.get(keras1_class)
    exact = not (note and config.get(note[0]))
    notes = [ctx.ordering_note(config), "" if exact else note[1]]
    report = Report(out["name"], keras1_class, class_name, exact, "; ".join(n for n in notes if n))
    return serialized(class_name, out, subclass), report


def _from_weights(class_name, out, ctx):
    """Sets in `out` the argument Keras 1 did not save but its weights reveal (if any)."""
    derived = layer_rules.FROM_WEIGHTS.get(class_name)
    shapes = [shape for weight, shape in ctx.weight_shapes.items()
              if weight.startswith(f"{out.get('name')}_")] if derived else None
    if derived and shapes and out.get(derived[0]) is None:
        out[derived[0]] = derived[1](shapes)


@functools.lru_cache(maxsize=None)
def _takes(keras3_class, key):
    """Whether the Keras 3 built-in's constructor takes `key` (by name or **kwargs)."""
    cls = getattr(keras.layers, keras3_class, None)
    if cls is None:
        return True
    params = inspect.signature(cls.__init__).parameters.values()
    return any(p.name == key or p.kind is p.VAR_KEYWORD for p in params)


def _targets(rule):
    return {target for target, _ in rule.args.values()} | set(rule.fixed)


def _inner_layer(value, ctx, where):
    if not isinstance(value, dict) or "class_name" not in value:
        raise where("must be a Keras 1 layer config {'class_name': ..., 'config': ...}",
                    value, field="layer")
    layer, report = convert_layer(value["class_name"], value.get("config"), ctx)
    return layer, report


@functools.lru_cache(maxsize=None)
def _accepted(cls):
    params = inspect.signature(cls.__init__).parameters
    return set(params) - {"self", "kwargs"} | set(spec.LAYER_KEYWORDS)


def _ours(class_name, config, ctx, where):
    cls = ours(class_name)
    if cls is None:
        raise where("needs a layer this package does not have yet", class_name,
                    field="class_name")
    accepted = _accepted(cls)
    checks = layer_rules.OUR_CHECKS.get(class_name, {})
    out = {}
    for key, value in config.items():
        if key in spec.INPUT_SHAPE_KEYWORDS and key not in accepted:
            continue
        if key not in accepted:
            raise where(f"is not an argument of the Keras 1 {class_name} layer", value,
                        field=key)
        if key in checks:
            values.convert(checks[key], value, _field(where, key),
                           ctx.custom_objects)  # or raise
        out[key] = value
    if "dim_ordering" in accepted and class_name in layer_rules.ORDERED:
        out["dim_ordering"] = ctx.dim_ordering(config)
    if "keras1_backend" in accepted:
        out["keras1_backend"] = ctx.keras1_backend
    _from_weights(class_name, out, ctx)
    if "keras1_version" in accepted:  # the release that wrote the model, where known
        version = getattr(ctx, "keras_version", None)
        out["keras1_version"] = version if isinstance(version, str) else None
    report = Report(config.get("name"), class_name, f"legacy_conv.{class_name}", True,
                    ctx.ordering_note(config))
    return serialized(class_name, out, cls), report


def _custom(class_name, config, ctx):
    obj = ctx.custom_objects[class_name]
    report = Report(config.get("name"), class_name, f"custom {class_name}", True,
                    "from custom_objects")
    return {"module": getattr(obj, "__module__", None), "class_name": class_name,
            "config": dict(config), "registered_name": class_name}, report


def _lambda(config, ctx, where):
    name = config.get("name")
    function = config.get("function")
    keys = [name]
    if config.get("function_type") == "function":
        keys.append(function)
    found = next((k for k in keys if isinstance(k, str) and k in ctx.custom_objects), None)
    if found is None:
        raise where(
            "holds Python code that Keras 1 marshalled; it is never executed", "<bytecode>",
            field="function",
            hint=f"Pass the function as custom_objects={{{shown(name)}: function}} "
                 "(keyed by the layer name or, for a named function, its name)")
    out = _common(config, where)
    out["function"] = {"module": "builtins", "class_name": "function", "config": found,
                       "registered_name": found}
    output_shape = config.get("output_shape")
    if config.get("output_shape_type", "raw") == "raw" and output_shape is not None:
        out["output_shape"] = values.convert("ints", output_shape,
                                             _field(where, "output_shape"))
    if config.get("arguments"):
        out["arguments"] = values.convert("arguments", config["arguments"],
                                          _field(where, "arguments"))
    report = Report(name, "Lambda", "Lambda", True,
                    f"function from custom_objects[{shown(found)}]")
    return serialized("Lambda", out), report
