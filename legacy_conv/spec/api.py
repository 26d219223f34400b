"""Keras 1.2.2's API beyond its layers where Keras 3 raises or means something else, as data
(read by `legacy-conv migrate --check`, `migration.checks.api_entries`).

Keras 1's side is read from Keras 1.2.2's code (keras/models.py, engine/training.py,
callbacks.py); Keras 3's side is observed by the check itself where it can be (whether Keras
3 has a name at all, its optimizers' defaults), and written here only where a call must run
to show it (`lr=` raises inside Keras 3's optimizer, `decay=` is dropped with a warning).
Optimizer names and defaults are `spec.training.OPTIMIZERS`.

`--to native` reads the twins below (`METHODS`, `FUNCTIONS`, and `spec.training`,
`spec.backend`): the Keras 3 call of the same meaning, checked against both sources.
"""

import collections

from legacy_conv.spec.keras1_signatures import REQUIRED

# Keras 1 Model/Sequential methods (any receiver: `model.fit(...)`) and the keywords Keras 1
# took there that Keras 3's methods refuse (TypeError): {method: {keyword: Keras 3's}}.
METHOD_KEYWORDS = {
    "fit": {"nb_epoch": "epochs"},
    "fit_generator": {"nb_epoch": "epochs",
                      "samples_per_epoch": "steps_per_epoch (batches, not samples)",
                      "nb_val_samples": "validation_steps (batches, not samples)",
                      "nb_worker": "workers", "pickle_safe": "use_multiprocessing",
                      "max_q_size": "max_queue_size"},
    "evaluate_generator": {"val_samples": "steps (batches, not samples)",
                           "nb_worker": "workers", "pickle_safe": "use_multiprocessing",
                           "max_q_size": "max_queue_size"},
    "predict_generator": {"val_samples": "steps (batches, not samples)",
                          "nb_worker": "workers", "pickle_safe": "use_multiprocessing",
                          "max_q_size": "max_queue_size"},
}
# Keras 1 Model/Sequential methods that Keras 3's Model lacks (AttributeError): the Keras 3 way
# (one entry per call: certain where it passes a keyword of METHOD_KEYWORDS, else a warning).
METHODS_GONE = {
    "fit_generator": "fit(generator, steps_per_epoch=..., epochs=...)",
    "evaluate_generator": "evaluate(generator, steps=...)",
    "predict_generator": "predict(generator, steps=...)",
    "predict_classes": "predict(x).argmax(axis=-1), or (predict(x) > 0.5) for one sigmoid unit",
    "predict_proba": "predict(x)",
}
# Constructor keywords of Keras 1 classes, by Keras 1 qualified name (`*` = every optimizer of
# `spec.training.OPTIMIZERS`): (kind, what Keras 3 does with it).
OPTIMIZER_KEYWORDS = {
    "lr": ("trap", "Keras 3's optimizers raise ValueError for lr= (learning_rate=)"),
    "decay": ("trap", "Keras 3's optimizers ignore decay= with a warning; Keras 1 divided the "
                      "rate by (1 + decay * iterations) every batch"),
}
CLASS_KEYWORDS = {
    "keras.callbacks.ModelCheckpoint": {
        "period": ("trap", "Keras 3's ModelCheckpoint raises TypeError for period= "
                           "(save_freq= counts batches)")},
}
# Where `compile` takes its optimizer: the keyword, or the first positional argument.
COMPILE_OPTIMIZER = ("compile", "optimizer", 0)


# -- `--to native`: the Keras 3 call of the same meaning ------------------------------------------
# A Keras 1 call whose Keras 3 twin computes the same (read from both sources):
#   keras3: the twin's dotted name ('keras.ops.sum'; a Model method: 'Model.fit');
#   params: Keras 1's parameters in order, (Keras 1 name, Keras 3 name, Keras 1's default): a
#     positional argument stays positional where Keras 3's parameter at its place has that name,
#     a keyword is renamed, and Keras 1's default is written where the call leaves it out and
#     Keras 3's default differs (SAME: Keras 3's default means the same, e.g. `verbose`);
#   kept: {Keras 1 keyword: why a call that passes it stays on the namespace} (a literal equal to
#     Keras 1's default is dropped instead);
#   values: {Keras 1 keyword: the named rule for its value (`migration.namespace.VALUES`)};
#   note: said in the report with each rewrite, or None; quiet: (Keras 1 keyword, value) of a
#     call the note does not concern.
# Keras 1 names not listed here stay on `legacy_conv.keras1`, with `KEPT`'s reason where one is
# written.
Twin = collections.namedtuple("Twin", "keras3 params kept values note quiet")
Twin.__new__.__defaults__ = ({}, {}, None, None)
SAME = "<same>"
_WEIGHTS = ("Keras 1 divided the weighted loss by the share of non-zero weights, Keras 3 by "
            "the batch size")

# Model and Sequential methods (on a receiver the file makes with a model class of MODELS).
METHODS = {
    "compile": Twin("Model.compile", (
        ("optimizer", "optimizer", REQUIRED), ("loss", "loss", REQUIRED),
        ("metrics", "metrics", SAME), ("loss_weights", "loss_weights", SAME)),
        kept={"sample_weight_mode": "Keras 3 has no sample_weight_mode (temporal weights)"},
        values={"optimizer": "optimizer", "loss": "loss", "metrics": "metrics"}),
    "fit": Twin("Model.fit", (
        ("x", "x", REQUIRED), ("y", "y", REQUIRED), ("batch_size", "batch_size", SAME),
        ("nb_epoch", "epochs", 10), ("verbose", "verbose", SAME),
        ("callbacks", "callbacks", SAME), ("validation_split", "validation_split", SAME),
        ("validation_data", "validation_data", SAME), ("shuffle", "shuffle", SAME),
        ("class_weight", "class_weight", None), ("sample_weight", "sample_weight", None),
        ("initial_epoch", "initial_epoch", SAME)),
        kept={"class_weight": _WEIGHTS, "sample_weight": _WEIGHTS,
              "callbacks": "Keras 1's callbacks read Keras 1's logs and params"},
        values={"shuffle": "shuffle"},
        note="shuffle=True draws its order from Keras 3's random generator, not NumPy's",
        quiet=("shuffle", False)),
    "evaluate": Twin("Model.evaluate", (
        ("x", "x", REQUIRED), ("y", "y", REQUIRED), ("batch_size", "batch_size", SAME),
        ("verbose", "verbose", SAME), ("sample_weight", "sample_weight", None)),
        kept={"sample_weight": _WEIGHTS}),
    "predict": Twin("Model.predict", (
        ("x", "x", REQUIRED), ("batch_size", "batch_size", SAME), ("verbose", "verbose", SAME))),
    "predict_proba": Twin("Model.predict", (
        ("x", "x", REQUIRED), ("batch_size", "batch_size", SAME), ("verbose", "verbose", SAME)),
        note="Keras 1's predict_proba was predict (with a warning outside [0, 1])"),
    "predict_on_batch": Twin("Model.predict_on_batch", (("x", "x", REQUIRED),)),
    "train_on_batch": Twin("Model.train_on_batch", (("x", "x", REQUIRED), ("y", "y", REQUIRED)),
                           kept={"class_weight": _WEIGHTS, "sample_weight": _WEIGHTS}),
    "test_on_batch": Twin("Model.test_on_batch", (("x", "x", REQUIRED), ("y", "y", REQUIRED)),
                          kept={"sample_weight": _WEIGHTS}),
}
# Methods with no Keras 3 twin of the same meaning: a file that calls one keeps its models on
# the namespace.
METHODS_KEPT = {
    "fit_generator": "Keras 1 counted samples_per_epoch in samples, whatever the generator's "
                     "batch size; Keras 3's steps_per_epoch counts batches",
    "evaluate_generator": "Keras 1 counted val_samples in samples; Keras 3's steps counts "
                          "batches",
    "predict_generator": "Keras 1 counted val_samples in samples; Keras 3's steps counts "
                         "batches",
    "predict_classes": "Keras 3's Model has no predict_classes",
    "save": "Keras 3 writes another file (Keras 1's load_model, and the namespace's, read "
            "Keras 1's)",
    "save_weights": "Keras 3 writes only .weights.h5 files, in its own layout",
    "load_weights": "Keras 3's load_weights misreads Keras 1 files (legacy_conv.load_weights "
                    "reads them)",
    "to_json": "Keras 3 writes its own JSON (Keras 1's model_from_json reads Keras 1's)",
    "to_yaml": "Keras 3 has no to_yaml",
}
# The Keras 1 names that make models: the classes go native with the file's method calls; the
# loaders read Keras 1 files and stay on the namespace (so do their models' methods).
MODELS = {"keras.models.Sequential": None, "keras.models.Model": None,
          "keras.engine.training.Model": None, "keras.engine.Model": None,
          "keras.models.load_model": "it reads Keras 1 files",
          "keras.models.model_from_json": "it reads Keras 1 configs",
          "keras.models.model_from_yaml": "it reads Keras 1 configs",
          "keras.models.model_from_config": "it reads Keras 1 configs"}

# Functions and classes beyond the models (optimizers: `spec.training.OPTIMIZER_TWINS`; backend
# functions: `spec.backend.OPS`).
FUNCTIONS = {
    "keras.utils.np_utils.to_categorical": Twin("keras.utils.to_categorical", (
        ("y", "x", REQUIRED), ("nb_classes", "num_classes", SAME)),
        note="for labels of shape (n,) or (n, 1); Keras 1 flattened any other shape first"),
}
# Why some Keras 1 names with a Keras 3 namesake stay on the namespace (the rest: "Keras 3 has
# no call of the same meaning").
KEPT = {
    "keras.backend.image_dim_ordering": "Keras 3's image_data_format() says 'channels_first'/"
                                        "'channels_last', not 'th'/'tf'",
    "keras.callbacks.EarlyStopping": "Keras 3's stops one epoch sooner (it counts the epoch "
                                     "without improvement before comparing with patience)",
    "keras.callbacks.ModelCheckpoint": "Keras 1's wrote HDF5 files every `period` epochs",
}
