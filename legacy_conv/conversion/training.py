"""A Keras 1 `training_config` (loss, metrics, loss weights, optimizer) → `model.compile`.

Keras 1 optimizers decayed the learning rate as lr / (1 + decay * iterations), which is
Keras 3's `InverseTimeDecay(lr, decay_steps=1, decay_rate=decay)`; their epsilons and
Adagrad's zero initial accumulator are passed explicitly where Keras 3's defaults differ.
"""

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


def optimizer(config):
    if not isinstance(config, dict) or config.get("class_name") not in OPTIMIZERS:
        raise _fail("optimizer_config", config, "must name a Keras 1 optimizer "
                    f"({', '.join(OPTIMIZERS)})")
    keras3, args, fixed = OPTIMIZERS[config["class_name"]]
    k1 = config.get("config") or {}
    kwargs = dict(fixed)
    for key, value in k1.items():
        if key in args:
            kwargs[args[key]] = value
        elif key in COMMON:
            kwargs[COMMON[key]] = value
        elif key not in IGNORED:
            raise _fail(f"optimizer_config.{key}", value,
                        f"is not an argument of Keras 1's {config['class_name']}")
    lr = k1.get("lr", 0.01 if keras3 == "SGD" else 0.001)
    decay = k1.get("decay", 0.0)
    kwargs["learning_rate"] = (keras.optimizers.schedules.InverseTimeDecay(
        lr, decay_steps=1, decay_rate=decay) if decay else lr)
    return getattr(keras.optimizers, keras3)(**kwargs)


def _names(value, table):
    if isinstance(value, str):
        return table.get(value, value)
    if isinstance(value, list):
        return [_names(v, table) for v in value]
    if isinstance(value, dict):
        return {k: _names(v, table) for k, v in value.items()}
    return value


def compile_kwargs(config, outputs=1):
    """`model.compile` keywords; Keras 1 applied a list of metrics to every output."""
    if not isinstance(config, dict) or "loss" not in config:
        raise _fail("loss", None, "is missing: a Keras 1 training config names its loss")
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
    try:
        model.compile(**kwargs)
    except (ValueError, TypeError) as error:
        raise _fail("loss", config.get("loss"), f"could not be compiled ({error})") from None
