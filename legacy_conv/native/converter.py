"""The walk: a built legacy model, node by node, into its native twin (`Converter`)."""

import contextlib
from collections import namedtuple

import keras

from legacy_conv import initializers
from legacy_conv.errors import ConversionError
from legacy_conv.load import fill
from legacy_conv.native import handlers
from legacy_conv.native import layout as lay
from legacy_conv.native import objects as obj
from legacy_conv.native.plan import NativePlan, Provenance, ROLES, SAME

# tensor: the native KerasTensor; layout: how it holds the legacy tensor (`layout`);
# layer: the native layer that produced it; source: the legacy layer name, for names.
Value = namedtuple("Value", "tensor layout layer source")

KEEP_HINT = "Pass keep_legacy=True to keep legacy_conv's exact layer there"

# -- the legacy graph ------------------------------------------------------------------------
# inputs: refs (name, node, tensor) of the positional tensors; args: the raw arguments of
# an operation that is not a layer (constants kept), else None; masked: a mask reaches it.
Node = namedtuple("Node", "layer index inputs listed args masked")
Node.__new__.__defaults__ = (None, False)


def _refs(item):
    """[name, node, tensor] or a list of them → a list of tuples, and whether it was a list."""
    if isinstance(item, (list, tuple)) and len(item) == 3 and isinstance(item[0], str):
        return [tuple(item)], False
    return [tuple(i) for i in item], True


def _tensor_refs(args):
    found = []

    def walk(value):
        if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            found.append(tuple(value["config"]["keras_history"]))
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
    walk(args)
    return found


def _graph(model):
    """(input specs, nodes, input refs, inputs listed?, output refs, outputs listed?)."""
    try:
        config = model.get_config() if isinstance(model, keras.Model) else None
    except NotImplementedError:  # a subclassed model
        config = None
    if not isinstance(config, dict) or "layers" not in config:
        raise ConversionError("must be a Sequential or functional keras.Model",
                              field="model", value=type(model).__name__)
    if isinstance(model, keras.Sequential):
        entries = config["layers"]
        first = entries[0] if entries and entries[0]["class_name"] == "InputLayer" else None
        try:
            built = bool(model.inputs)
        except AttributeError:  # Keras 3: "has no defined inputs yet"
            built = False
        if not built:
            raise ConversionError("must be built (give it an input shape) before it can be "
                                  "modernized", layer=f'"{model.name}" (Sequential)')
        tensor = model.inputs[0]
        name = first["config"]["name"] if first else f"{model.name}_input"
        specs = {name: (tuple(tensor.shape), tensor.dtype)}
        ref, nodes, masked = (name, 0, 0), [], False
        for layer in model.layers:
            nodes.append(Node(layer, 0, [ref], False, None, masked))
            masked = masked or isinstance(layer, keras.layers.Masking) or bool(
                getattr(layer, "mask_zero", False))
            ref = (layer.name, 0, 0)
        return specs, nodes, [(name, 0, 0)], False, [ref], False
    specs, nodes = {}, []
    operations = {op.name: op for op in model.operations}
    for entry in config["layers"]:
        layer = operations[entry["name"]]
        if entry["class_name"] == "InputLayer":
            specs[entry["name"]] = (tuple(layer.batch_shape), layer.dtype)
            continue
        for index, node in enumerate(entry["inbound_nodes"]):
            masked = bool(_tensor_refs(node.get("kwargs", {}).get("mask")))
            kwargs = {k: v for k, v in node.get("kwargs", {}).items() if k != "mask"}
            if _tensor_refs(kwargs):  # masks propagate by themselves in the native graph
                raise ConversionError("is called with tensors as keyword arguments, which "
                                      "modernize does not convert",
                                      layer=f'"{layer.name}" ({type(layer).__name__})')
            args = node["args"]
            listed = len(args) == 1 and isinstance(args[0], (list, tuple))
            raw = None if isinstance(layer, keras.layers.Layer) else args
            nodes.append(Node(layer, index, _tensor_refs(args), listed, raw, masked))
    inputs, inputs_listed = _refs(config["input_layers"])
    outputs, outputs_listed = _refs(config["output_layers"])
    return specs, nodes, inputs, inputs_listed, outputs, outputs_listed


# -- the converter ---------------------------------------------------------------------------
class Converter:
    """Builds the native twin of one legacy model (nested models get their own)."""

    def __init__(self, model, keep_legacy=False):
        self.model = model
        self.keep_legacy = keep_legacy
        self.transfers, self.notes, self.kept, self.refused = [], [], [], []
        self.filled = set()  # id() of the native layers that `transfer` fills
        self.names = set()  # every name used in the native model (legacy ones reserved)
        self.holders = {}  # name -> native layer holding it
        self.states = {}
        self.cache = {}
        self.calls = []
        self.current = None
        self.origins = []  # (native layer, legacy name, role, why or None), in order made
        self.recorded = set()  # id() of the native layers in `origins`
        self.whys = {}  # id() of a native layer -> what its weights hold (see `transfer`)

    # -- the walk ---------------------------------------------------------------------------
    def run(self, top=True):
        specs, nodes, inputs, inputs_listed, outputs, outputs_listed = _graph(self.model)
        self.names |= set(specs) | {node.layer.name for node in nodes}
        self.outputs = set(outputs)
        self.consumers = {}
        for node in nodes:
            for ref in node.inputs:
                self.consumers.setdefault(ref, []).append(node)
        values = {}
        for name, (shape, dtype) in specs.items():
            tensor = keras.Input(batch_shape=shape, dtype=dtype, name=name)
            values[(name, 0, 0)] = Value(tensor, lay.identity(len(shape)), None, name)
        pending = list(nodes)
        while pending:
            ready = [n for n in pending if all(r in values for r in n.inputs)]
            if not ready:
                raise ConversionError("has a graph whose nodes cannot be ordered",
                                      layer=f'"{self.model.name}"', has_value=False)
            for node in ready:
                outs = self._convert(node, [values[r] for r in node.inputs])
                for index, value in enumerate(outs):
                    values[(node.layer.name, node.index, index)] = value
            pending = [n for n in pending if n not in ready]
        if top and self.refused and not self.keep_legacy:
            raise self._refusal()
        finals = [self._final(values[ref], ref[0]) for ref in outputs]
        model = self._build(specs, values, inputs, inputs_listed, finals, outputs_listed)
        self.origins[:0] = [(layer, layer.name, "input", None) for layer in model.layers
                            if isinstance(layer, keras.layers.InputLayer)]
        origins = [(layer, Provenance(layer.name, source, role,
                                      why or self.whys.get(id(layer)) or ROLES[role]))
                   for layer, source, role, why in self.origins]
        return NativePlan(model, self.transfers, self.notes, self.kept, origins)

    def _convert(self, node, inputs):
        layer = node.layer
        self.current = node
        state = self.states.setdefault(id(layer), {})
        handler = self._handler(layer)
        try:
            outs = handler(self, layer, inputs, state)
            self.note(layer, obj.activation_kink_note(layer))
        except handlers.Refused as refusal:
            self.refused.append((layer, str(refusal)))
            outs = self._keep(layer, inputs, state, str(refusal))
        except (ValueError, TypeError) as error:  # Keras refused a native layer we made
            if isinstance(error, ConversionError):
                raise
            text = str(error).strip()
            first = text.splitlines()[0] if text else repr(error)
            raise ConversionError(f"could not be made of Keras 3 built-ins: {first}",
                                  layer=f'"{layer.name}" ({type(layer).__name__})') from error
        return outs if isinstance(outs, list) else [outs]

    def _handler(self, layer):
        if isinstance(layer, keras.Model):
            return _nested
        if not isinstance(layer, keras.layers.Layer):
            return _operation
        key = handlers.key_of(layer)
        if key in handlers.HANDLERS:
            return handlers.HANDLERS[key]
        if key is not None and key.startswith("legacy_conv>"):
            return _unknown_ours
        if key is not None and "data_format" in layer.get_config():
            return handlers.data_format_layer
        return handlers.pass_through

    def _keep(self, layer, inputs, state, why):
        xs = [self.to(v, lay.identity(lay.rank(v.layout))) for v in inputs]

        def make():
            clone = type(layer).from_config(layer.get_config())
            self.transfer(clone, layer, SAME, why=f"{ROLES['kept']}: {why}")
            self.kept.append((layer.name, type(layer).__name__, why))
            return clone
        clone = self.once(state, "kept", make)
        return self.call_many(clone, xs if len(xs) > 1 else xs[0], layer.name, "kept")

    def _refusal(self):
        if len(self.refused) == 1:
            layer, why = self.refused[0]
            return ConversionError(f"has no exact Keras 3 built-in form: {why}",
                                   layer=f'"{layer.name}" ({type(layer).__name__})',
                                   hint=KEEP_HINT)
        listed = "; ".join(f'layer "{layer.name}" ({type(layer).__name__}): {why}'
                           for layer, why in self.refused)
        return ConversionError(f"has layers with no exact Keras 3 built-in form: {listed}",
                               field="model", hint=KEEP_HINT)

    def _final(self, value, name):
        """A model output in the legacy layout, made by a layer named like the legacy one."""
        value = self.to(value, lay.identity(lay.rank(value.layout)))
        native = value.layer
        if native is not None and native.name != name and not isinstance(native, keras.Model):
            holder = self.holders.get(name)
            if holder is not None and holder is not native:
                self._rename(holder, self.unique(f"{name}_core"))
            self._rename(native, name)
        return value

    def _rename(self, layer, name):
        self.holders.pop(layer.name, None)
        layer.name = name
        self.holders[name] = layer

    def _build(self, specs, values, inputs, inputs_listed, finals, outputs_listed):
        tensors_in = [values[ref].tensor for ref in inputs]
        tensors_out = [v.tensor for v in finals]
        name = self.model.name
        if isinstance(self.model, keras.Sequential) and self._is_chain(tensors_in[0],
                                                                        tensors_out[0]):
            (input_name, (shape, dtype)), = specs.items()
            layers = [layer for layer, _, _ in self.calls]
            return keras.Sequential(
                [keras.Input(batch_shape=shape, dtype=dtype, name=input_name)] + layers,
                name=name, trainable=self.model.trainable)
        model = keras.Model(tensors_in if inputs_listed else tensors_in[0],
                            tensors_out if outputs_listed else tensors_out[0], name=name)
        model.trainable = self.model.trainable
        return model

    def _is_chain(self, first, last):
        expected = first
        for _, ins, out in self.calls:
            if len(ins) != 1 or ins[0] is not expected:
                return False
            expected = out
        return expected is last

    # -- what handlers use ----------------------------------------------------------------------
    def unique(self, base):
        name, count = base, 0
        while name in self.names:
            count += 1
            name = f"{base}_{count}"
        self.names.add(name)
        return name

    def once(self, state, key, make):
        if key not in state:
            state[key] = make()
        return state[key]

    def transfer(self, native, legacy, fn, why=None):
        """`native`'s weights are `fn(legacy's weights)`; `why` says what they hold where
        that is more than the legacy weights rearranged (e.g. a Theano kernel flipped)."""
        self.transfers.append((native, legacy, fn))
        self.filled.add(id(native))
        if why:
            self.whys[id(native)] = why

    def _building(self, layer):
        """Where `layer` is about to be built and `transfer` will set its weights (within
        `fill.filling()`): its initial values are not drawn."""
        if layer.built or id(layer) not in self.filled or not fill.active():
            return contextlib.nullcontext()
        return initializers.placeholders(layer)

    def note(self, layer, text):
        if text and (layer.name, text) not in self.notes:
            self.notes.append((layer.name, text))

    def _record(self, layer, source, role):
        """`layer` comes from the legacy layer named `source`, as `role` (a key of ROLES)."""
        if id(layer) not in self.recorded:
            self.recorded.add(id(layer))
            self.origins.append((layer, source, role, None))

    def call(self, layer, inputs, layout, source, role="core"):
        """Calls a native layer on Value(s); the output Value has `layout`. The layer comes
        from the legacy layer named `source`, as `role` (a key of `plan.ROLES`)."""
        self._record(layer, source, role)
        listed = isinstance(inputs, list)
        tensors = [v.tensor for v in (inputs if listed else [inputs])]
        with self._building(layer):
            out = layer(tensors if listed else tensors[0])
        self.calls.append((layer, tensors, out))
        self.holders.setdefault(layer.name, layer)
        if layout is None:
            layout = lay.identity(len(out.shape))
        return Value(out, layout, layer, source)

    def call_many(self, layer, inputs, source, role="core"):
        """Calls a layer that may return several tensors; all in the legacy layout."""
        self._record(layer, source, role)
        listed = isinstance(inputs, list)
        tensors = [v.tensor for v in (inputs if listed else [inputs])]
        with self._building(layer):
            outs = layer(tensors if listed else tensors[0])
        outs = list(outs) if isinstance(outs, (list, tuple)) else [outs]
        self.calls.append((layer, tensors, outs[0] if len(outs) == 1 else None))
        self.holders.setdefault(layer.name, layer)
        return [Value(o, lay.identity(len(o.shape)), layer, source) for o in outs]

    def to(self, value, layout):
        """`value` held in `layout` (a Permute, or Reshape-Permute-Flatten when flattened)."""
        if value.layout == layout:
            return value
        key = (id(value.tensor), layout)
        if key not in self.cache:
            self.cache[key] = self._convert_layout(value, layout)
        return self.cache[key]

    def _convert_layout(self, value, layout):
        source = value.source
        if value.layout.unflat is None and layout.unflat is None:
            q = lay.transpose_between(value.layout.perm, layout.perm)
            suffix = ("to_channels_first" if lay.is_identity(layout) else
                      "to_channels_last" if layout == lay.channels_last(len(q)) else "permute")
            permute = keras.layers.Permute(lay.permute_dims(q),
                                           name=self.unique(f"{source}_{suffix}"))
            return self.call(permute, value, layout, source, "layout")
        unflat = value.layout.unflat or layout.unflat
        rank = len(unflat) + 1
        src = value.layout.perm if value.layout.unflat else tuple(range(rank))
        dst = layout.perm if layout.unflat else tuple(range(rank))
        shape = lay.native_shape(lay.Layout(src), (None,) + tuple(unflat))[1:]
        steps = [keras.layers.Reshape(shape, name=self.unique(f"{source}_unflatten")),
                 keras.layers.Permute(lay.permute_dims(lay.transpose_between(src, dst)),
                                      name=self.unique(f"{source}_reorder")),
                 keras.layers.Flatten(name=self.unique(f"{source}_reflatten"))]
        for step in steps[:-1]:
            value = self.call(step, value, None, source, "layout")
        return self.call(steps[-1], value, layout, source, "layout")

    def spatial(self, value, ordering, rank):
        """`value` channels-last: permuted for a 'th' layer, as it is otherwise."""
        if value.layout.unflat is not None:
            value = self.to(value, lay.identity(2))
        target = lay.channels_last(rank) if ordering == "th" else lay.identity(rank)
        return self.to(value, target)

    def keep_last_axis(self, value):
        """`value` in a layout whose last axis is the legacy last axis."""
        if value.layout.unflat is not None:
            return self.to(value, lay.identity(2))
        if value.layout.perm[-1] == len(value.layout.perm) - 1:
            return value
        return self.to(value, lay.identity(len(value.layout.perm)))

    def common_layout(self, values, flat_ok=True):
        """The layout most inputs have (ties: the first permuted one), else the identity."""
        layouts = [v.layout for v in values]
        if not flat_ok or any(lay.rank(x) != lay.rank(layouts[0]) for x in layouts):
            layouts = [x if x.unflat is None else lay.identity(2) for x in layouts]
        if len({lay.rank(x) for x in layouts}) > 1 or (
                len(set(layouts)) > 1 and any(x.unflat is not None for x in layouts)):
            return lay.identity(lay.rank(layouts[0]))
        return max(layouts, key=lambda x: (layouts.count(x), not lay.is_identity(x)))

    def feeds_only_dense(self, layer):
        """Whether the current node's output reaches only Dense layers (through elementwise
        layers) and is no model output: then a Flatten may stay channels-last."""
        return self._only_dense((layer.name, self.current.index, 0), set())

    def _only_dense(self, ref, seen):
        if ref in self.outputs or ref in seen:
            return False
        seen.add(ref)
        consumers = self.consumers.get(ref, [])
        if not consumers:
            return False
        for node in consumers:
            key = handlers.key_of(node.layer)
            if key == "Dense":
                continue
            elementwise = key in handlers.ELEMENTWISE or key == "legacy_conv>ThresholdedReLU" \
                or (key == "Activation" and handlers.obj.activation_name(
                    node.layer.activation) not in handlers.obj.LAST_AXIS_ACTIVATIONS)
            if not elementwise or len(node.inputs) != 1 or \
                    not self._only_dense((node.layer.name, node.index, 0), seen):
                return False
        return True

    def subplan(self, model):
        sub = Converter(model, self.keep_legacy)
        plan = sub.run(top=False)
        self.refused += sub.refused
        self.transfers += plan.transfers
        self.notes += plan.notes
        self.kept += plan.kept
        self.origins += [(layer, r.legacy_name, r.role, r.why) for layer, r in plan.origins]
        self.recorded |= {id(layer) for layer, _ in plan.origins}
        return plan


def _nested(cv, layer, inputs, state):
    """A nested model: converted on its own, its contract (legacy layouts) kept."""
    plan = cv.once(state, "plan", lambda: cv.subplan(layer))
    xs = [cv.to(v, lay.identity(lay.rank(v.layout))) for v in inputs]
    return cv.call_many(plan.model, xs if len(xs) > 1 else xs[0], layer.name)


def _operation(cv, op, inputs, state):
    """A Keras operation that is not a layer (e.g. the `not_equal` of a mask): cloned, on
    legacy-ordered tensors, with its constant arguments."""
    xs = iter([cv.to(v, lay.identity(lay.rank(v.layout))).tensor for v in inputs])

    def rebuild(value):
        if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            return next(xs)
        if isinstance(value, (list, tuple)):
            return type(value)(rebuild(v) for v in value)
        return value
    args = rebuild(cv.current.args)
    clone = cv.once(state, "core", lambda: type(op).from_config(op.get_config()))
    outs = clone(*args)
    outs = list(outs) if isinstance(outs, (list, tuple)) else [outs]
    return [Value(o, lay.identity(len(o.shape)), None, op.name) for o in outs]


def _unknown_ours(cv, layer, inputs, state):
    raise handlers.Refused(f"legacy_conv's {type(layer).__name__} has no native conversion")
