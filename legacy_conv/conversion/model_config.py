"""The whole Keras 1 model config: parsing, what cannot convert, and the conversion itself."""

import json

import yaml

from legacy_conv import backend
from legacy_conv.conversion import graph
from legacy_conv.conversion import layer_rules
from legacy_conv.conversion import orderings
from legacy_conv.errors import ConversionError

TOP_LEVEL_CLASSES = ("Sequential", "Model")


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
        try:
            config = json.loads(config)
        except json.JSONDecodeError as error:
            raise ConversionError(f"is not valid JSON ({error.msg} at line {error.lineno} "
                                  f"column {error.colno})", field=source,
                                  value=config[:80]) from None
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
    other Python tag is still refused; nothing is imported or called."""


_Keras1YamlLoader.add_constructor(
    "tag:yaml.org,2002:python/tuple",
    lambda loader, node: loader.construct_sequence(node, deep=True))


def _numpy_dtype(loader, node):
    """`numpy.dtype('i8', ...)` as Keras 1 dumped it: only its name is kept."""
    args = loader.construct_mapping(node, deep=True).get("args") or [None]
    return {"__numpy_dtype__": str(args[0])}


def _numpy_scalar(loader, node):
    """A numpy scalar (e.g. Dense's `input_dim` after Flatten): decoded from its bytes with
    numpy's own parser, for plain numeric dtypes only."""
    import numpy as np

    dtype, payload = loader.construct_sequence(node, deep=True)
    name = dtype.get("__numpy_dtype__") if isinstance(dtype, dict) else None
    if name is None or np.dtype(name).kind not in "biuf" or not isinstance(payload, bytes):
        raise yaml.constructor.ConstructorError(
            None, None, f"unsupported numpy scalar {name!r}", node.start_mark)
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
    try:
        config = yaml.load(text, Loader=_Keras1YamlLoader)  # noqa: S506 — a safe loader
    except yaml.YAMLError as error:
        problem = str(error).splitlines()[0]
        raise ConversionError(f"is not a Keras 1 YAML config ({problem})",
                              field=source, value=text[:80]) from None
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
    known = set(layer_rules.RULES) | set(layer_rules.OURS) | set(layer_rules.CONTAINERS) | {
        "InputLayer", "Lambda"}
    found = []
    for cls, cfg in walk(class_name, config):
        if not isinstance(cls, str) or cls not in known and cls not in ctx.custom_objects:
            name = cfg.get("name", "?") if isinstance(cfg, dict) else "?"
            found.append((cls, name))
    return found


def convert(config, ctx, keras_version=None):
    """A parsed Keras 1 model config → a Keras 3 model config dict."""
    class_name = config["class_name"]
    layers = list(walk(class_name, config["config"]))
    ctx.keras_version = keras_version or config.get("keras_version")
    ctx.orderings = orderings.infer(
        layers, keras_version or config.get("keras_version"), ctx.image_dim_ordering,
        backend.image_dim_ordering())
    missing = unconvertible(class_name, config["config"], ctx)
    if missing:
        listed = ", ".join(f'{cls} (layer "{name}")' for cls, name in missing)
        raise ConversionError(
            f"holds layer classes that cannot be converted: {listed}",
            field="model", hint="Supply each as custom_objects={'ClassName': LayerClass} "
            "if it is your own Keras 3 layer; the supported Keras 1 classes are listed in "
            "the migration guide")
    return graph.convert_model(class_name, config["config"], ctx)
