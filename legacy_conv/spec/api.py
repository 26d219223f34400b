"""Keras 1.2.2's API beyond its layers where Keras 3 raises or means something else, as data
(read by `legacy-conv migrate --check`, `migration.checks.api_entries`).

Keras 1's side is read from Keras 1.2.2's code (keras/models.py, engine/training.py,
callbacks.py); Keras 3's side is observed by the check itself where it can be (whether Keras
3 has a name at all, its optimizers' defaults), and written here only where a call must run
to show it (`lr=` raises inside Keras 3's optimizer, `decay=` is dropped with a warning).
Optimizer names and defaults are `spec.training.OPTIMIZERS`.
"""

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
