"""Keras 1.2.2's optimizers, objectives and metrics as data (keras/optimizers.py, objectives.py,
metrics.py, engine/training.py): names, aliases, arguments with their defaults, and the order of
`optimizer.get_weights()` that a `model.save()` file's `optimizer_weights` holds."""

import collections

# One Keras 1 optimizer: its arguments (name, default) in signature order, the per-parameter
# state it creates (one list per name, over all the parameters, in this order), and whether
# `get_weights()` starts with its `iterations` (RMSprop, Adagrad and Adadelta left it out, so
# Keras 1 restarted their decay from 0 after `load_model`).
Optimizer = collections.namedtuple("Optimizer", "arguments slots saves_iterations")

OPTIMIZERS = {
    "SGD": Optimizer((("lr", 0.01), ("momentum", 0.0), ("decay", 0.0), ("nesterov", False)),
                     ("moments",), True),
    "RMSprop": Optimizer((("lr", 0.001), ("rho", 0.9), ("epsilon", 1e-8), ("decay", 0.0)),
                         ("accumulators",), False),
    "Adagrad": Optimizer((("lr", 0.01), ("epsilon", 1e-8), ("decay", 0.0)),
                         ("accumulators",), False),
    "Adadelta": Optimizer((("lr", 1.0), ("rho", 0.95), ("epsilon", 1e-8), ("decay", 0.0)),
                          ("accumulators", "delta_accumulators"), False),
    "Adam": Optimizer((("lr", 0.001), ("beta_1", 0.9), ("beta_2", 0.999), ("epsilon", 1e-8),
                       ("decay", 0.0)), ("ms", "vs"), True),
    "Adamax": Optimizer((("lr", 0.002), ("beta_1", 0.9), ("beta_2", 0.999), ("epsilon", 1e-8),
                         ("decay", 0.0)), ("ms", "us"), True),
    "Nadam": Optimizer((("lr", 0.002), ("beta_1", 0.9), ("beta_2", 0.999), ("epsilon", 1e-8),
                        ("schedule_decay", 0.004)), ("ms", "vs"), True),
}
# Keyword arguments every Keras 1 optimizer took (only when given: get_config lists them then).
CLIPPING = ("clipnorm", "clipvalue")
# Keras 1's `optimizers.get` looked names up in the module: the classes and these aliases;
# `optimizer_from_config` (a file's training_config) lower-cased the class name.
OPTIMIZER_ALIASES = {name.lower(): name for name in OPTIMIZERS}

# keras/objectives.py: every loss, and its aliases (Keras 1.2.2 had no `losses` module).
OBJECTIVES = ("mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
              "mean_squared_logarithmic_error", "squared_hinge", "hinge",
              "categorical_crossentropy", "sparse_categorical_crossentropy",
              "binary_crossentropy", "kullback_leibler_divergence", "poisson",
              "cosine_proximity")
_SHORT = {"mse": "mean_squared_error", "mae": "mean_absolute_error",
          "mape": "mean_absolute_percentage_error", "msle": "mean_squared_logarithmic_error"}
OBJECTIVE_ALIASES = {**_SHORT, **{k.upper(): v for k, v in _SHORT.items()},
                     "kld": "kullback_leibler_divergence", "KLD": "kullback_leibler_divergence",
                     "cosine": "cosine_proximity"}

# keras/metrics.py: its own functions (batch-wise scalars) and the losses it repeated as means.
METRICS = ("binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
           "top_k_categorical_accuracy", "matthews_correlation", "precision", "recall",
           "fbeta_score", "fmeasure") + OBJECTIVES
METRIC_ALIASES = {**_SHORT, **{k.upper(): v for k, v in _SHORT.items()},
                  "cosine": "cosine_proximity", "fscore": "fmeasure", "f1score": "fmeasure"}
# engine/training.py's compile: 'accuracy'/'acc' became one of these, logged as 'acc'.
ACCURACY = ("accuracy", "acc")
ACCURACY_KEY = "acc"
# (loss, the accuracy Keras 1 chose); an output of size 1 always got binary_accuracy.
ACCURACY_BY_LOSS = {"binary_crossentropy": "binary_accuracy",
                    "sparse_categorical_crossentropy": "sparse_categorical_accuracy"}
ACCURACY_DEFAULT = "categorical_accuracy"
