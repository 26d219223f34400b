"""The whole Keras 1 model config: parsing, what cannot convert, and the conversion itself."""

import json
import numbers

import yaml

from legacy_conv import backend
from legacy_conv.convert import graph
from legacy_conv.convert import layer_rules
from legacy_conv.convert import orderings
from legacy_conv.errors import ConversionError
from legacy_conv.errors import clip
from legacy_conv.errors import layer_label
from legacy_conv.errors import quoted
from legacy_conv.errors import shown
from legacy_conv.spec import layers as spec

TOP_LEVEL_CLASSES = ("Sequential", "Model")

# Bounds on a config from a file, far above any real Keras 1 model (whose configs nest about
# 10 deep, hold some 50 values a layer, and strings of a few hundred characters at most:
# Lambda bytecode): each nested Sequential adds 2 levels, and YAML aliases count expanded.
MAX_TEXT = 64 << 20  # characters of a JSON or YAML text
MAX_DEPTH = 64  # levels of nested lists and dicts
MAX_VALUES = 1_000_000  # values in all
MAX_STRING = 1 << 16  # characters of one string
INT_BITS = 64  # Keras 1 wrote Python or numpy integers of at most 64 bits


class Context:
    """What one conversion needs to know: target, backend, custom objects, orderings."""

    def __init__(self, target="legacy", keras1_backend=None, custom_objects=None,
                 image_dim_ordering=None, orderings=None):
        self.target = target
        self.keras1_backend = backend.resolve_keras1_backend("convert_config", keras1_backend)
        self.custom_objects = dict(custom_objects or {})
        self.image_dim_ordering = image_dim_ordering
        self.orderings = orderings or {}  # layer name -> (ordering, reason)
        self.weight_shapes = {}  # weight name -> shape, when a file is at hand
        self.reports = []

    def dim_ordering(self, config):
        """The layer's `dim_ordering`: recorded, inferred, given, or Keras 1's default."""
        recorded = config.get("dim_ordering") if isinstance(config, dict) else None
        if recorded not in (None, "default"):
            return recorded
        inferred = self.orderings.get(_name(config))
        if inferred:
            return inferred[0]
        return self.image_dim_ordering or backend.image_dim_ordering()

    def ordering_note(self, config):
        """Why a layer that records no `dim_ordering` got the one it has ('' if recorded)."""
        inferred = self.orderings.get(_name(config))
        return f"dim_ordering '{inferred[0]}': {inferred[1]}" if inferred else ""


def _check_length(text, source):
    if len(text) > MAX_TEXT:
        raise ConversionError(f"is {len(text):,} characters long; at most {MAX_TEXT:,} are "
                              "accepted", field=source, value=text[:80])


def _unreadable(source, kind, error):
    """What is left to say of a text its parser failed on with a Python error."""
    if isinstance(error, RecursionError):
        why = f"nests deeper than {MAX_DEPTH} levels"
    else:
        why = str(error).splitlines()[0] if str(error).strip() else type(error).__name__
    return ConversionError(f"is not a Keras 1 {kind} config ({why[:200]})", field=source,
                           has_value=False)


def _problem(value):
    """Why one scalar (or dict key) of a config is refused, or None."""
    if isinstance(value, str):
        if len(value) > MAX_STRING:
            return (f"is a string of {len(value):,} characters; at most {MAX_STRING:,} "
                    "are accepted")
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return "is not valid Unicode text (it holds a lone surrogate)"
        return None
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, numbers.Integral):
        if not -(1 << INT_BITS - 1) <= value < 1 << INT_BITS:
            return (f"is an integer of {int(value).bit_length()} bits; at most {INT_BITS} "
                    "are accepted")
        return None
    if isinstance(value, numbers.Real):
        return None
    return (f"is a {type(value).__name__}; a Keras 1 config holds only JSON values (dicts, "
            "lists, strings, numbers, true/false and null)")


def _path(link):
    """'config[3].config.name' from the (parent link, key) chain of `check_bounds`."""
    keys = []
    while link is not None:
        link, key = link
        keys.append(f".{key}" if isinstance(key, str) else f"[{key}]")
    return "".join(reversed(keys)).lstrip(".")


_FINE = (float, bool, type(None))  # scalar types with nothing to check


def _fine(value):
    """A quick `not _problem(value)` for the plain JSON types; the rest go to `_problem`."""
    kind = type(value)
    if kind is str:
        return len(value) <= MAX_STRING and value.isascii()
    if kind is int:
        return -(1 << INT_BITS - 1) <= value < 1 << INT_BITS
    return kind in _FINE


def check_bounds(config, source="config"):
    """Refuses a config (nested dicts and lists of JSON values) that goes past the bounds
    above, holds a value no JSON or Keras 1 YAML text holds, or refers to itself, naming
    where; walks it once, without recursion."""
    if not isinstance(config, (dict, list, tuple)):
        return _refuse(_problem(config), config, (None, source), None)
    stack = [(config, 1, (None, source), None)]
    count = 0
    while stack:
        value, depth, link, layer = stack.pop()
        if depth > MAX_DEPTH:
            raise ConversionError(f"nests lists and dicts more than {MAX_DEPTH} levels deep",
                                  field=_path(link), layer=layer, has_value=False)
        count += len(value)
        if count > MAX_VALUES:
            raise ConversionError(f"holds more than {MAX_VALUES:,} values (or refers to "
                                  "itself)", field=source, has_value=False)
        if isinstance(value, dict):
            for key in value:
                if type(key) is not str or not _fine(key):
                    _refuse(_problem(key) or (None if isinstance(key, str) else
                                              "is not a string"), key, link, layer, "a key")
            layer = _layer_of(value) or layer
            items = value.items()
        else:
            items = enumerate(value)
        for key, item in items:
            if isinstance(item, (dict, list, tuple)):
                stack.append((item, depth + 1, (link, key), layer))
            elif not _fine(item):
                _refuse(_problem(item), item, (link, key), layer)


def _refuse(problem, value, link, layer, what=None):
    if problem:
        raise ConversionError(f"has {what} that {problem}" if what else problem,
                              field=_path(link), value=value, layer=layer)


def _layer_of(item):
    """'"name" (Class)' of a Keras 1 layer item {'class_name', 'config', ...}, else None."""
    class_name = item.get("class_name")
    if not isinstance(class_name, str) or "config" not in item:
        return None
    config = item["config"]
    name = item.get("name", config.get("name") if isinstance(config, dict) else None)
    return None if name is None else layer_label(name, class_name)


def _name(config):
    """A layer config's name where it is a string (anything else is reported elsewhere)."""
    name = config.get("name") if isinstance(config, dict) else None
    return name if isinstance(name, str) else None


def parse(config, source="config"):
    """A Keras 1 model config from a dict, a JSON string (also JSON-encoded twice), or bytes."""
    if isinstance(config, (bytes, bytearray)):
        config = config.decode("utf-8", errors="replace")
    for _ in range(2):
        if not isinstance(config, str):
            break
        _check_length(config, source)
        try:
            config = json.loads(config)
        except json.JSONDecodeError as error:
            raise ConversionError(f"is not valid JSON ({error.msg} at line {error.lineno} "
                                  f"column {error.colno})", field=source,
                                  value=config[:80]) from None
        except (ValueError, RecursionError) as error:  # 4,300+ digits; nesting
            raise _unreadable(source, "JSON", error) from None
    check_bounds(config, source)
    if not isinstance(config, dict) or config.get("class_name") not in TOP_LEVEL_CLASSES:
        raise ConversionError(
            "must be a Keras 1 model config: a dict whose 'class_name' is 'Sequential' or "
            "'Model' (what Keras 1's model.to_json() wrote)", field=source,
            value=config if not isinstance(config, dict) else config.get("class_name"))
    if "config" not in config:
        raise ConversionError("has no 'config'", field=source, value=sorted(config))
    return config


class _Keras1YamlLoader(yaml.SafeLoader):
    """PyYAML's safe loader, plus the tags Keras 1's `to_yaml` wrote: `!!python/tuple` (read
    as a list) and numpy integer/float scalars (read as numbers, from their bytes). Every
    other Python tag is still refused; nothing is imported or called.

    Keras 1 wrote anchors and aliases (`strides: *id001`), so they are read, but a document
    is refused while it is composed, before anything is built, where it nests deeper than
    MAX_DEPTH or holds more than MAX_VALUES nodes with every alias expanded ("billion
    laughs"), or where an alias refers to a node that holds it."""

    def compose_document(self):
        self._depth, self._sizes = 0, {}  # node id -> nodes in it, aliases expanded
        return super().compose_document()

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            node = super().compose_node(parent, index)
            if id(node) not in self._sizes:
                raise _yaml_error("has an alias inside the node it refers to", mark)
            return node
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _yaml_error(f"nests more than {MAX_DEPTH} levels deep",
                                  self.peek_event().start_mark)
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        children = node.value if isinstance(node, yaml.SequenceNode) else [
            child for pair in node.value for child in pair] if isinstance(
            node, yaml.MappingNode) else ()
        size = 1 + sum(self._sizes[id(child)] for child in children)
        if size > MAX_VALUES:
            raise _yaml_error(f"holds more than {MAX_VALUES:,} values with its aliases "
                              "expanded", node.start_mark)
        self._sizes[id(node)] = size
        return node


def _yaml_error(problem, mark):
    return ConversionError(f"{problem} (line {mark.line + 1}, column {mark.column + 1})",
                           field="yaml", has_value=False)


_Keras1YamlLoader.add_constructor(
    "tag:yaml.org,2002:python/tuple",
    lambda loader, node: loader.construct_sequence(node, deep=True))


def _numpy_dtype(loader, node):
    """`numpy.dtype('i8', ...)` as Keras 1 dumped it: only its name is kept."""
    args = loader.construct_mapping(node, deep=True).get("args")
    name = args[0] if isinstance(args, list) and args else None
    return {"__numpy_dtype__": name if isinstance(name, str) else None}


# The numpy scalar types Keras 1 configs held (integers and floats), by dtype name.
NUMPY_SCALARS = ("i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8")


def _numpy_scalar(loader, node):
    """A numpy scalar (e.g. Dense's `input_dim` after Flatten): decoded from its bytes with
    numpy's own parser, for plain numeric dtypes only."""
    import numpy as np

    parts = loader.construct_sequence(node, deep=True)
    dtype, payload = parts if len(parts) == 2 else (None, None)
    name = dtype.get("__numpy_dtype__") if isinstance(dtype, dict) else None
    if name not in NUMPY_SCALARS or not isinstance(payload, bytes) or \
            len(payload) != np.dtype(name).itemsize:
        raise yaml.constructor.ConstructorError(
            None, None, f"unsupported numpy scalar (dtype {shown(name)}, "
            f"{len(payload) if isinstance(payload, bytes) else 'no'} bytes; accepted: "
            f"{', '.join(NUMPY_SCALARS)} of their size)", node.start_mark)
    return np.frombuffer(payload, dtype=np.dtype(name), count=1)[0].item()


for _module in ("numpy.core.multiarray", "numpy._core.multiarray"):
    _Keras1YamlLoader.add_constructor(
        f"tag:yaml.org,2002:python/object/apply:{_module}.scalar", _numpy_scalar)
_Keras1YamlLoader.add_constructor("tag:yaml.org,2002:python/object/apply:numpy.dtype",
                                  _numpy_dtype)


def parse_yaml(text, source="yaml"):
    """A Keras 1 model config from `model.to_yaml()` output, never constructing objects."""
    if isinstance(text, (bytes, bytearray)):
        text = text.decode("utf-8", errors="replace")
    if not isinstance(text, str):
        raise ConversionError("must be a YAML string", field=source, value=type(text).__name__)
    _check_length(text, source)
    try:
        config = yaml.load(text, Loader=_Keras1YamlLoader)  # noqa: S506 — a safe loader
    except ConversionError as error:
        raise ConversionError(error.problem, field=source, has_value=False) from None
    except yaml.YAMLError as error:
        problem = str(error).splitlines()[0]
        raise ConversionError(f"is not a Keras 1 YAML config ({problem})",
                              field=source, value=text[:80]) from None
    except (ValueError, TypeError, OverflowError, RecursionError) as error:
        raise _unreadable(source, "YAML", error) from None  # e.g. a date 2001-13-01
    return parse(config, source)


def walk(class_name, config):
    """Yields (class_name, config) of every layer in a Keras 1 config, nested ones included."""
    yield class_name, config
    if class_name == "Sequential":
        layers = config.get("layers") if isinstance(config, dict) else config
        for item in layers if isinstance(layers, list) else ():
            if isinstance(item, dict):
                yield from walk(item.get("class_name"), item.get("config"))
    elif class_name in layer_rules.CONTAINERS and isinstance(config, dict):
        for item in config.get("layers") if isinstance(config.get("layers"), list) else ():
            if isinstance(item, dict):
                yield from walk(item.get("class_name"), item.get("config"))
    elif isinstance(config, dict):
        if class_name == "Merge" and isinstance(config.get("layers"), list):
            for branch in config["layers"]:
                if isinstance(branch, dict):
                    yield from walk(branch.get("class_name"), branch.get("config"))
        if class_name == "TimeDistributed" and isinstance(config.get("layer"), dict):
            yield from walk(config["layer"].get("class_name"), config["layer"].get("config"))


def unconvertible(class_name, config, ctx):
    """(class_name, layer_name) of every layer with no conversion, for one error."""
    known = set(spec.converted("ours", "builtin", "graph")) | set(spec.CONTAINERS)
    found = []
    for cls, cfg in walk(class_name, config):
        if not isinstance(cls, str) or cls not in known and cls not in ctx.custom_objects:
            name = cfg.get("name", "?") if isinstance(cfg, dict) else "?"
            found.append((cls, name))
    return found


def _why_not(class_name):
    """'Class: why. ' for a Keras 1 class that is not converted (its record says), else ''."""
    if not isinstance(class_name, str):
        return ""
    if class_name in spec.ABSTRACT:
        return f"{class_name}: {spec.ABSTRACT[class_name]}, no layer by itself. "
    layer = spec.LAYERS.get(class_name)
    return f"{class_name}: {layer.why}. " if layer is not None and not layer.converts else ""


def convert(config, ctx, keras_version=None):
    """A parsed Keras 1 model config → a Keras 3 model config dict."""
    config = graph.without_slashes(config, ctx)
    class_name = config["class_name"]
    layers = list(walk(class_name, config["config"]))
    ctx.keras_version = keras_version or config.get("keras_version")
    ctx.orderings = orderings.infer(
        layers, keras_version or config.get("keras_version"), ctx.image_dim_ordering,
        backend.image_dim_ordering())
    missing = unconvertible(class_name, config["config"], ctx)
    if missing:
        listed = ", ".join(f"{clip(cls) if isinstance(cls, str) else shown(cls)} (layer "
                           f"{quoted(name)})" for cls, name in missing[:20])
        listed += f" and {len(missing) - 20} more" if len(missing) > 20 else ""
        reasons = "".join(dict.fromkeys(_why_not(cls) for cls, _ in missing[:20]))
        raise ConversionError(
            f"holds layer classes that cannot be converted: {listed}",
            field="model", hint=f"{reasons}Supply each as custom_objects={{'ClassName': "
            "LayerClass} if it is your own Keras 3 layer; every Keras 1 class and what it "
            "becomes: migration_guide/supported-layers.md")
    return graph.convert_model(class_name, config["config"], ctx)
