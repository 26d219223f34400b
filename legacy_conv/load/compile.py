"""The compile step of `legacy_conv.load_model`: a Keras 1 file's `training_config` and
`optimizer_weights` → `model.compile`, with Keras 1's meanings, training resuming where
Keras 1 stopped.

- target='legacy': Keras 1's optimizers, objectives and metrics (`legacy_conv.keras1`), the
  one implementation that `legacy_conv.keras1.models.load_model` compiles with
  (`keras1.models.compile_as_keras1`).
- target='native': Keras 3 built-ins only, so that the model's `.keras` file loads in plain
  Keras 3: the optimizer whose update rule is Keras 1's (`spec.training.OPTIMIZER_RULES`),
  the losses and metrics of the same meaning (`LOSS_TWINS`, `METRIC_TWINS`,
  `ACCURACY_TWINS`), the file's optimizer state (`NATIVE_STATE`). Anything else raises a
  ConversionError naming what and why, accepting `compile=False` or `target='legacy'`.

Either way the optimizer state is carried only where the model holds each trainable weight
in Keras 1's layout (its values are the file's, in Keras 1's order): otherwise the legacy
target warns and starts a fresh state, the native one refuses.
"""

import warnings

import h5py
import keras
import numpy as np

from legacy_conv.convert import training
from legacy_conv.errors import ConversionError
from legacy_conv.load.hdf5 import text
from legacy_conv.spec import training as spec

_INSTEAD = "load with compile=False, or with target='legacy' (Keras 1's own optimizers)"


def compile_model(model, config, path, target):
    """Compiles `model` from a file's training config (None: nothing to compile)."""
    if config is None:
        return
    _check(config)
    try:
        if target == "native":
            _compile_native(model, config, path)
        else:
            from legacy_conv.keras1 import models

            models.compile_as_keras1(model, config, path)
    except ConversionError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, IndexError) as error:
        raise ConversionError(f"could not be compiled as Keras 1 did ({str(error)[:300]})",
                              field="training_config", has_value=False,
                              hint=_INSTEAD if target == "native" else None) from None


def _check(config):
    """What Keras 1 saved, checked before anything is built (`convert.training.FIELDS`)."""
    from legacy_conv.convert import model_config

    if not isinstance(config, dict) or "loss" not in config:
        raise ConversionError("is missing: a Keras 1 training config names its loss",
                              field="training_config.loss", value=None)
    model_config.check_bounds(config, "training_config")
    for field, check, accepted in training.FIELDS:
        if not check(config.get(field)):
            raise ConversionError(f"must be {accepted}", field=f"training_config.{field}",
                                  value=config.get(field))


# -- the file's optimizer state ------------------------------------------------------------
def optimizer_weights(path):
    """The file's `optimizer_weights` arrays in Keras 1's order, or None."""
    with h5py.File(path, "r") as f:
        group = f.get("optimizer_weights")
        if group is None:
            return None
        return [group[text(n)][()] for n in group.attrs["weight_names"]]


def keras1_order(model, path):
    """The model's trainable weights in the order of Keras 1's optimizer state, or None where
    the model does not hold them in Keras 1's layout. Each must be one of the file's weights,
    value for value, in the file's order (its layout is Keras 1's, so its optimizer slots
    are too); Keras 1.2.2's `compile` sorted them by their names (`engine/training.py`: the
    names the file records), its optimizer kept that order."""
    named = []
    with h5py.File(path, "r") as f:
        group = f["model_weights"] if "model_weights" in f else f
        stored = ((text(w), group[text(layer)][text(w)])
                  for layer in group.attrs.get("layer_names", [])
                  for w in group[text(layer)].attrs.get("weight_names", []))
        for variable in model.trainable_weights:
            value = keras.ops.convert_to_numpy(variable)
            name = next((n for n, ds in stored
                         if ds.shape == value.shape and np.array_equal(ds[()], value)), None)
            if name is None:
                return None
            named.append((name, variable))
    return [variable for _, variable in sorted(named, key=lambda pair: pair[0])]


def state_plan(model, path, owner, slots, saves_iterations, relaid=False):
    """(the file's optimizer arrays in the order of the model's trainable weights (Keras 1's
    `get_weights()` order, each slot's arrays rearranged), None), or (.., why they cannot be
    carried); arrays None where the file holds none. `relaid`: a legacy model, whose
    variables the weights loader filled from the file (`_relaid_state`)."""
    arrays = optimizer_weights(path)
    if arrays is None:
        return None, None
    variables = keras1_order(model, path)
    if variables is None:
        state = _relaid_state(model, path, arrays, slots, saves_iterations) if relaid else None
        if state is not None:
            return state, None
        return arrays, (
            f"{owner}'s state in the file (optimizer_weights) does not fit the model: its "
            "trainable weights are not in Keras 1's layout")
    shapes = [()] * int(saves_iterations) + [tuple(v.shape) for _ in range(slots)
                                               for v in variables]
    if [tuple(a.shape) for a in arrays] != shapes:
        return arrays, (
            f"{owner}'s state in the file (optimizer_weights) does not fit the model: "
            f"{len(arrays)} arrays where Keras 1's {owner} of this model kept {len(shapes)} "
            "of its weights' shapes")
    head, rest = arrays[:int(saves_iterations)], arrays[int(saves_iterations):]
    place = {id(v): i for i, v in enumerate(variables)}
    order = [place[id(v)] for v in model.trainable_weights]
    n = len(variables)
    return head + [rest[k * n + i] for k in range(slots) for i in order], None


def _relaid_state(model, path, arrays, slots, saves_iterations):
    """The file's optimizer arrays for a model whose variables hold Keras 1's weights in
    other layouts (an LSTM's gates concatenated): each slot goes through the weights'
    own transforms (`weights.in_model_layouts`), Keras 1's order being its trainable weights
    sorted by name (all but BatchNormalization's running statistics). None where that does
    not fit (then a fresh state, with a warning)."""
    from legacy_conv import backend
    from legacy_conv.load import hdf5
    from legacy_conv.load import weights

    head, rest = arrays[:int(saves_iterations)], arrays[int(saves_iterations):]
    with hdf5.Keras1File(path) as k1file:
        groups = k1file.layer_groups()
        names = sorted(n for _, datasets in groups for n, _ in datasets
                       if not n.split(":")[0].endswith(spec.NOT_TRAINED))
        shapes = {n: tuple(ds.shape) for _, datasets in groups for n, ds in datasets}
        if len(rest) != slots * len(names) or any(
                tuple(a.shape) != shapes[n] for k in range(slots)
                for a, n in zip(rest[k * len(names):], names)):
            return None
        try:
            relaid = [weights.in_model_layouts(
                model, groups, k1file.keras_version, backend.keras1_backend(),
                dict(zip(names, rest[k * len(names):(k + 1) * len(names)])))
                for k in range(slots)]
        except ConversionError:
            return None
    if any(id(v) not in slot for slot in relaid for v in model.trainable_weights):
        return None
    return head + [slot[id(v)] for slot in relaid for v in model.trainable_weights]


def warn_fresh_state(problem):
    warnings.warn(f"{problem}; the optimizer starts from a fresh state, not where Keras 1 "
                  "stopped.", stacklevel=3)


# -- target='native' ---------------------------------------------------------------------------
def _refuse(field, value, problem):
    return ConversionError(problem, field=f"training_config.{field}", value=value,
                           hint=_INSTEAD)


def native_optimizer(optimizer_config):
    """The Keras 3 built-in optimizer that applies Keras 1's update with these arguments."""
    config = optimizer_config if isinstance(optimizer_config, dict) else {}
    name = spec.OPTIMIZER_ALIASES.get(str(config.get("class_name")).lower())
    if name is None:
        raise _refuse("optimizer_config.class_name", config.get("class_name"),
                      f"must name a Keras 1 optimizer ({', '.join(spec.OPTIMIZERS)})")
    if spec.OPTIMIZER_RULES[name] is not None:
        raise _refuse("optimizer_config.class_name", name,
                      f"has no Keras 3 built-in of Keras 1's update: "
                      f"{spec.OPTIMIZER_RULES[name]}")
    given = config.get("config") or {}
    arguments = {**dict(spec.OPTIMIZERS[name].arguments), **given}
    clipping = {k: v for k, v in given.items() if k in spec.CLIPPING and v}
    for key, value in arguments.items():
        if key not in dict(spec.OPTIMIZERS[name].arguments) and key not in spec.CLIPPING:
            raise _refuse(f"optimizer_config.{key}", value,
                          f"is not an argument of Keras 1's {name}")
    if len(clipping) > 1:
        raise _refuse("optimizer_config.clipvalue", clipping["clipvalue"],
                      "cannot be given with clipnorm to a Keras 3 optimizer (Keras 1 "
                      "clipped by both)")
    kwargs = {spec.OPTIMIZER_RENAMES.get(k, k): v for k, v in arguments.items()
              if k != "decay" and k not in spec.CLIPPING}
    kwargs.update({spec.OPTIMIZER_RENAMES[k]: v for k, v in clipping.items()})
    if arguments.get("decay"):
        kwargs["learning_rate"] = keras.optimizers.schedules.InverseTimeDecay(
            arguments["lr"], decay_steps=1, decay_rate=arguments["decay"])
    try:
        return name, getattr(keras.optimizers, name)(**kwargs)
    except (ValueError, TypeError) as error:
        raise _refuse("optimizer_config", config,
                      f"is refused by Keras 3's {name} ({str(error)[:200]})") from None


def _canonical(name, aliases):
    return aliases.get(name, name) if isinstance(name, str) else name


def native_loss(loss):
    name = _canonical(loss, spec.OBJECTIVE_ALIASES)
    if name not in spec.LOSS_TWINS:
        raise _refuse("loss", loss, "has no Keras 3 built-in loss of Keras 1's meaning "
                      f"(those that have: {', '.join(sorted(spec.LOSS_TWINS))})")
    return spec.LOSS_TWINS[name]


def native_metric(metric, loss, output_shape):
    """The Keras 3 built-in metric of Keras 1's `metric`, logged under Keras 1's key."""
    if metric in spec.ACCURACY:  # Keras 1's engine/training.py compile
        loss = _canonical(loss, spec.OBJECTIVE_ALIASES)
        kind = "BinaryAccuracy" if output_shape[-1] == 1 else \
            spec.ACCURACY_TWINS.get(loss, "CategoricalAccuracy")
        return getattr(keras.metrics, kind)(name=spec.ACCURACY_KEY)
    name = _canonical(metric, spec.METRIC_ALIASES)
    if name not in spec.METRIC_TWINS:
        raise _refuse("metrics", metric, "has no Keras 3 built-in metric of Keras 1's "
                      f"meaning (those that have: {', '.join(spec.ACCURACY)}, "
                      f"{', '.join(spec.METRIC_TWINS)})")
    return name


def _per_output(value, outputs):
    if isinstance(value, dict):
        return [value.get(name) for name in outputs]
    if isinstance(value, list) and value and not isinstance(value[0], str):
        return value
    return [value] * len(outputs)


def _compile_native(model, config, path):
    outputs = list(getattr(model, "output_names", None) or [model.layers[-1].name])
    for field, _, _ in training.FIELDS:
        value = config.get(field)
        if isinstance(value, dict) and not set(value) <= set(outputs):
            raise ConversionError(f"must be keyed by the model's outputs ({outputs})",
                                  field=f"training_config.{field}", value=value)
    shapes = model.output_shape if len(outputs) > 1 else [model.output_shape]
    losses = config["loss"] if isinstance(config["loss"], list) else \
        _per_output(config["loss"], outputs)
    metrics = [[native_metric(m, loss, shape) for m in ms or []] for ms, loss, shape in
               zip(_per_output(config.get("metrics"), outputs), losses, shapes)]
    name, optimizer = native_optimizer(config.get("optimizer_config"))
    from legacy_conv.load import weights

    sparse = next((layer for layer in weights.leaves(model)
                   if type(layer).__name__ in spec.SPARSE_GRADIENT_LAYERS), None)
    if sparse is not None and name in spec.SPARSE_GRADIENT_RULES:
        raise _refuse("optimizer_config.class_name", name,
                      f"has no Keras 3 built-in of Keras 1's update for layer \"{sparse.name}\": "
                      f"{spec.SPARSE_GRADIENT_RULES[name]}")
    single = len(outputs) == 1
    loss_weights = config.get("loss_weights")
    model.compile(optimizer=optimizer,
                  loss=native_loss(losses[0]) if single else [native_loss(x) for x in losses],
                  metrics=metrics[0] if single else metrics,
                  loss_weights=_per_output(loss_weights, outputs) if isinstance(
                      loss_weights, dict) else loss_weights)
    _carry_state(model, name, optimizer, path)


def _carry_state(model, name, optimizer, path):
    """Keras 1's `optimizer.get_weights()` into the Keras 3 optimizer (`NATIVE_STATE`)."""
    record = spec.OPTIMIZERS[name]
    arrays, problem = state_plan(model, path, name, len(record.slots),
                                 record.saves_iterations)
    if problem is not None:
        raise ConversionError(problem, field="optimizer_weights", has_value=False,
                              hint=_INSTEAD)
    if arrays is None:
        return
    variables = model.trainable_weights
    optimizer.build(variables)
    if record.saves_iterations:
        optimizer.iterations.assign(round(float(arrays[0])))
        arrays = arrays[1:]
    for i, attribute in enumerate(spec.NATIVE_STATE[name]):
        slots = getattr(optimizer, attribute) if attribute else []
        for target, array in zip(slots, arrays[i * len(variables):(i + 1) * len(variables)]):
            target.assign(array.astype(target.dtype))
