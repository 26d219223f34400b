"""The `dim_ordering` of layers whose Keras 1 config does not record it.

Keras 1 did not save `dim_ordering` for ZeroPadding, UpSampling and Cropping 2D/3D (older
releases omitted it for more layers) and rebuilt them under the loading machine's
`image_dim_ordering` — 'th' before Keras 1.1.0, 'tf' from 1.1.0 on (`spec.releases`), unless
keras.json said
otherwise (verified in the sources: `_IMAGE_DIM_ORDERING` is 'th' in 1.0.8, 'tf' in 1.1.0).
Evidence, strongest first: the user's `image_dim_ordering`, the orderings the neighbouring
layers record, the model's input shape; failing those, the file's Keras release (or
`image_dim_ordering()` where the file names none) is a guess, and `infer` warns.
"""

import warnings

from legacy_conv.convert import layer_rules
from legacy_conv.spec import releases

CHANNEL_COUNTS = (1, 3, 4)  # channel axes of typical image inputs (grey, RGB, RGBA)


def _recorded(config):
    value = config.get("dim_ordering") if isinstance(config, dict) else None
    return value if value in ("th", "tf") else None


def _from_neighbours(index, sequence):
    """The recorded ordering nearest before and after `index`, if they agree."""
    before = next((o for _, o in reversed(sequence[:index]) if o), None)
    after = next((o for _, o in sequence[index + 1:] if o), None)
    found = {o for o in (before, after) if o}
    return found.pop() if len(found) == 1 else None


def _from_input_shape(layers):
    for _, config in layers:
        shape = config.get("batch_input_shape") if isinstance(config, dict) else None
        if isinstance(shape, list) and len(shape) in (4, 5):
            first, last = shape[1], shape[-1]
            if first in CHANNEL_COUNTS and last not in CHANNEL_COUNTS:
                return "th", f"the model's input shape {shape} is channels-first"
            if last in CHANNEL_COUNTS and first not in CHANNEL_COUNTS:
                return "tf", f"the model's input shape {shape} is channels-last"
    return None


def _from_version(keras_version):
    release = releases.Release.parse(keras_version)
    if release is None:
        return None
    ordering = releases.default_ordering(release)
    return ordering, f"Keras {keras_version} defaulted to '{ordering}'"


def infer(layers, keras_version, given, fallback):
    """{layer name: (ordering, reason)} for each ordered layer that records none.

    `layers` is every (class_name, config) of the model in order (`model_config.walk`).
    """
    sequence = [(c, _recorded(cfg)) for c, cfg in layers]
    recorded = {o for _, o in sequence if o}
    out, guessed = {}, []
    for index, (class_name, config) in enumerate(layers):
        if class_name not in layer_rules.ORDERED or not isinstance(config, dict) or \
                _recorded(config) or not isinstance(config.get("name"), str):
            continue
        if given:
            choice = given, "given as image_dim_ordering"
        elif len(recorded) == 1:
            only = next(iter(recorded))
            choice = only, f"every other layer of the model records '{only}'"
        elif _from_neighbours(index, sequence):
            near = _from_neighbours(index, sequence)
            choice = near, f"the layers around it record '{near}'"
        else:
            choice = _from_input_shape(layers)
            if choice is None:
                choice = _from_version(keras_version) or (
                    fallback, f"the file names no Keras release; image_dim_ordering() is "
                              f"'{fallback}'")
                guessed.append(config.get("name"))
        out[config.get("name")] = choice
    if guessed:
        _warn_guessed(guessed, out[guessed[0]])
    return out


def _warn_guessed(names, choice):
    listed = ", ".join(f'"{n}"' for n in names[:10]) + (
        f" and {len(names) - 10} more" if len(names) > 10 else "")
    warnings.warn(
        f"(Manual check required) Layers {listed} record no dim_ordering, and nothing else "
        f"in the model shows it: guessed '{choice[0]}' ({choice[1]}). Pass "
        "image_dim_ordering='th' or 'tf' if the model was built otherwise.", stacklevel=5)
