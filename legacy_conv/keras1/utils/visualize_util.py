"""Keras 1.2.2's `keras.utils.visualize_util` on Keras 3's `plot_model` and `model_to_dot`
(which need pydot and graphviz, as Keras 1's did, and say so when they are missing)."""

import os

import keras


def model_to_dot(model, show_shapes=False, show_layer_names=True):
    return keras.utils.model_to_dot(model, show_shapes=show_shapes,
                                    show_layer_names=show_layer_names)


def plot(model, to_file="model.png", show_shapes=False, show_layer_names=True):
    """Writes the model's graph to `to_file`, in the format its extension names ('png' if none)."""
    if not os.path.splitext(to_file)[1]:
        to_file += ".png"
    keras.utils.plot_model(model, to_file=to_file, show_shapes=show_shapes,
                           show_layer_names=show_layer_names)
