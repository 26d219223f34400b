"""A Keras 1 `training_config` (loss, metrics, loss weights, optimizer) → `model.compile`.

Keras 1 optimizers decayed the learning rate as lr / (1 + decay * iterations), which is
Keras 3's `InverseTimeDecay(lr, decay_steps=1, decay_rate=decay)`; their epsilons and
Adagrad's zero initial accumulator are passed explicitly where Keras 3's defaults differ.
"""

import numbers

import keras

from legacy_conv.errors import ConversionError

# Keras 1 optimizer -> (Keras 3 class, {keras1 argument: keras3 argument}, fixed arguments).
OPTIMIZERS = {
    "SGD": ("SGD", {"momentum": "momentum", "nesterov": "nesterov"}, {}),
    "RMSprop": ("RMSprop", {"rho": "rho", "epsilon": "epsilon"}, {"epsilon": 1e-8}),
    "Adagrad": ("Adagrad", {"epsilon": "epsilon"},
                {"epsilon": 1e-8, "initial_accumulator_value": 0.0}),
    "Adadelta": ("Adadelta", {"rho": "rho", "epsilon": "epsilon"}, {"epsilon": 1e-8}),
    "Adam": ("Adam", {"beta_1": "beta_1", "beta_2": "beta_2", "epsilon": "epsilon"},
             {"epsilon": 1e-8}),
    "Adamax": ("Adamax", {"beta_1": "beta_1", "beta_2": "beta_2", "epsilon": "epsilon"},
               {"epsilon": 1e-8}),
    "Nadam": ("Nadam", {"beta_1": "beta_1", "beta_2": "beta_2", "epsilon": "epsilon"},
              {"epsilon": 1e-8}),
}
COMMON = {"clipnorm": "clipnorm", "clipvalue": "clipvalue"}
# Keras 1 arguments with no Keras 3 counterpart that are harmless at their defaults.
IGNORED = {"decay", "lr", "schedule_decay"}

# Keras 1 loss and metric names that Keras 3 spells differently.
LOSSES = {"kullback_leibler_divergence": "kld", "cosine_proximity": "cosine_similarity"}
METRICS = {"acc": "accuracy"}


def _fail(field, value, problem):
    return ConversionError(problem, field=f"training_config.{field}", value=value)


def _number(value):
    return isinstance(value, numbers.Real)


def optimizer(config):
    name = config.get("class_name") if isinstance(config, dict) else None
    if not isinstance(name, str) or name not in OPTIMIZERS:
        raise _fail("optimizer_config", config, "must name a Keras 1 optimizer "
                    f"({', '.join(OPTIMIZERS)})")
    keras3, args, fixed = OPTIMIZERS[config["class_name"]]
    k1 = config.get("config") or {}
    if not isinstance(k1, dict):
        raise _fail("optimizer_config.config", k1, "must be a dict of the optimizer's "
                    "arguments")
    kwargs = dict(fixed)
    for key, value in k1.items():
        if key not in args and key not in COMMON and key not in IGNORED:
            raise _fail(f"optimizer_config.{key}", value,
                        f"is not an argument of Keras 1's {config['class_name']}")
        if not _number(value):
            raise _fail(f"optimizer_config.{key}", value, "must be a number")
        if key in args or key in COMMON:
            kwargs[args.get(key) or COMMON[key]] = value
    lr = k1.get("lr", 0.01 if keras3 == "SGD" else 0.001)
    decay = k1.get("decay", 0.0)
    try:
        kwargs["learning_rate"] = (keras.optimizers.schedules.InverseTimeDecay(
            lr, decay_steps=1, decay_rate=decay) if decay else lr)
        return getattr(keras.optimizers, keras3)(**kwargs)
    except (ValueError, TypeError) as error:
        raise _fail("optimizer_config", config, f"is refused by Keras 3's {keras3} "
                    f"({str(error)[:200]})") from None


def _names(value, table):
    if isinstance(value, str):
        return table.get(value, value)
    if isinstance(value, list):
        return [_names(v, table) for v in value]
    if isinstance(value, dict):
        return {k: _names(v, table) for k, v in value.items()}
    return value


def _is_names(value, nested):
    """A name, or (`nested` levels deep) a list or an {output: ...} dict of them."""
    if isinstance(value, str):
        return True
    if nested and isinstance(value, list):
        return all(_is_names(v, nested - 1) for v in value)
    if nested and isinstance(value, dict):
        return all(isinstance(k, str) and _is_names(v, nested - 1) for k, v in value.items())
    return False


def _is_weights(value):
    if isinstance(value, list):
        return all(_number(v) for v in value)
    return isinstance(value, dict) and all(
        isinstance(k, str) and _number(v) for k, v in value.items())


# What Keras 1 saved of each compile argument: (field, check, what it accepts). Names only,
# never a serialized object, so nothing in the file is deserialized by Keras.
FIELDS = (
    ("loss", lambda v: _is_names(v, 1), "a loss name, or a list or {output: name} dict of them"),
    ("metrics", lambda v: v is None or not isinstance(v, str) and _is_names(v, 2),
     "a list of metric names, or an {output: names} dict"),
    ("loss_weights", lambda v: v is None or _is_weights(v),
     "a list or {output: number} dict of numbers"),
)


def compile_kwargs(config, outputs=1):
    """`model.compile` keywords; Keras 1 applied a list of metrics to every output."""
    from legacy_conv.convert import model_config

    if not isinstance(config, dict) or "loss" not in config:
        raise _fail("loss", None, "is missing: a Keras 1 training config names its loss")
    model_config.check_bounds(config, "training_config")
    for field, check, accepted in FIELDS:
        if not check(config.get(field)):
            raise _fail(field, config.get(field), f"must be {accepted}")
    kwargs = {"optimizer": optimizer(config.get("optimizer_config")),
              "loss": _names(config["loss"], LOSSES)}
    if config.get("metrics"):
        metrics = _names(config["metrics"], METRICS)
        if isinstance(metrics, list) and outputs > 1:
            metrics = [list(metrics) for _ in range(outputs)]
        kwargs["metrics"] = metrics
    if config.get("loss_weights") is not None:
        kwargs["loss_weights"] = config["loss_weights"]
    return kwargs


def compile_from(model, config):
    kwargs = compile_kwargs(config, len(model.outputs))
    # A Sequential has no `output_names`: Keras 1 named its output by its last layer.
    outputs = list(getattr(model, "output_names", None) or [model.layers[-1].name])
    for field, _, _ in FIELDS:
        value = config.get(field)
        if isinstance(value, dict) and not set(value) <= set(outputs):
            raise _fail(field, value, f"must be keyed by the model's outputs ({outputs})")
    try:
        model.compile(**kwargs)
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise ConversionError(f"could not be compiled by Keras 3 ({str(error)[:200]})",
                              field="training_config", has_value=False) from None
