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

# -- `--to native` (`spec.api.Twin`): Keras 3's optimizers, losses and metrics of the same meaning
# Keras 1 optimizers whose Keras 3 namesake applies Keras 1's update rule (keras/optimizers.py
# against keras/src/optimizers/): None; else why the call stays on the namespace.
OPTIMIZER_RULES = {
    "SGD": None, "Adam": None, "Adamax": None, "Adadelta": None,
    "RMSprop": "Keras 3's RMSprop divides by sqrt(v + epsilon), Keras 1's by sqrt(v) + epsilon",
    "Adagrad": "Keras 3's Adagrad starts its accumulators at 0.1 and divides by "
               "sqrt(a + epsilon); Keras 1's start at 0 and divide by sqrt(a) + epsilon",
    "Nadam": "Keras 3's Nadam warms its momentum up by 0.96 ** t, Keras 1's by "
             "0.96 ** (t * schedule_decay)",
}
# Keras 1 layers whose weights get a sparse gradient (TensorFlow's IndexedSlices: the rows that
# a batch's indices picked, repeated indices repeated), and the optimizers of OPTIMIZER_RULES
# whose Keras 3 namesake then updates otherwise than Keras 1, which summed the rows into a dense
# gradient first (Keras 3 squares each row before it adds those of one index).
SPARSE_GRADIENT_LAYERS = ("Embedding",)
SPARSE_GRADIENT_RULES = {
    name: f"Keras 3's {name} squares the rows of an Embedding's sparse gradient before it adds "
          "those of a repeated index; Keras 1 added them first"
    for name in ("Adam", "Adamax", "Adadelta")}
# Keras 1 keyword -> Keras 3's (Keras 1's clipnorm clipped by the norm of all the gradients).
OPTIMIZER_RENAMES = {"lr": "learning_rate", "clipnorm": "global_clipnorm",
                     "clipvalue": "clipvalue"}
OPTIMIZER_KEPT = {"decay": "Keras 3's optimizers have no decay= (Keras 1 divided the rate by "
                           "1 + decay * iterations every batch)"}

# Keras 1 loss -> the name Keras 3's `compile` reads as that objective (keras/objectives.py
# against keras/src/losses/losses.py); hinge and squared_hinge turn 0/1 labels into -1/1 in
# Keras 3, cosine_proximity is cosine_similarity summed there.
LOSS_TWINS = {"categorical_crossentropy": "categorical_crossentropy",
              "sparse_categorical_crossentropy": "sparse_categorical_crossentropy",
              "binary_crossentropy": "binary_crossentropy",
              "mean_squared_error": "mean_squared_error",
              "mean_absolute_error": "mean_absolute_error",
              "mean_absolute_percentage_error": "mean_absolute_percentage_error",
              "mean_squared_logarithmic_error": "mean_squared_logarithmic_error",
              "kullback_leibler_divergence": "kl_divergence", "poisson": "poisson"}
# Metric names whose Keras 3 metric (by the same name) computes Keras 1's under Keras 1's
# history key (`metrics.py`; a loss repeated as a metric is logged under its full name).
METRIC_TWINS = ("binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy") + \
    tuple(k for k, v in LOSS_TWINS.items() if k == v)
# 'accuracy'/'acc' in Keras 3 picks its accuracy from the shapes, Keras 1 from the loss too:
# the Keras 3 metric written for it (with Keras 1's history key), by loss.
ACCURACY_TWINS = {"binary_crossentropy": "BinaryAccuracy",
                  "sparse_categorical_crossentropy": "SparseCategoricalAccuracy"}

# -- a Keras 1 file's optimizer state in the native target's optimizer ----------------------
# The endings of the Keras 1 weight names that no optimizer updated (BatchNormalization's
# running statistics): the rest, sorted by name, were the optimizer's state order.
NOT_TRAINED = ("_running_mean", "_running_std")

# Keras 1 optimizer with an exact Keras 3 namesake (OPTIMIZER_RULES) -> the attributes of Keras
# 3.15's optimizer (keras/src/optimizers/*.py `build`) holding each of Keras 1's slots
# (`Optimizer.slots`), in that order; None: Keras 3 keeps no such state at these arguments
# (SGD without momentum: Keras 1's moments never moved its weights then). `iterations` is
# Keras 3's too: the file's where Keras 1 saved it (`saves_iterations`), else 0, as Keras 1
# restarted it.
NATIVE_STATE = {"SGD": ("momentums",), "Adam": ("_momentums", "_velocities"),
                "Adamax": ("_m", "_u"),
                "Adadelta": ("_accumulated_grads", "_accumulated_delta_vars")}
