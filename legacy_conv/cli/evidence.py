"""What a Keras 1 file says about the backend that wrote it, though it records none.

- weight names: Keras 1 on TensorFlow saved TensorFlow's variable names, which end in ':0'
  ('dense_W:0'); on Theano, the bare names ('dense_W');
- settings only one backend computed (observed with Keras 1.2.2 on both): `border_mode=
  'full'` of the convolutions below only on Theano (TensorFlow raised "Invalid border
  mode"); a layer whose record names one backend (`spec.layers`' `backend`, e.g.
  SeparableConvolution2D) only on that one.
"""

import os

from legacy_conv import backend
from legacy_conv.spec import layers as spec
from legacy_conv.convert import model_config
from legacy_conv.errors import ConversionError
from legacy_conv.errors import layer_label

TF_SUFFIX = ":0"


def _from_weights(k1file):
    names = [name for _, datasets in k1file.layer_groups() for name, _ in datasets]
    if not names:
        return None
    if all(name.endswith(TF_SUFFIX) for name in names):
        return "tensorflow", (f"its weight names end in '{TF_SUFFIX}', as only Keras 1's "
                              "TensorFlow backend wrote them")
    if not any(name.endswith(TF_SUFFIX) for name in names):
        return "theano", (f"its weight names lack the '{TF_SUFFIX}' that Keras 1's TensorFlow "
                          "backend wrote")
    return None


def _only_on(class_name, config):
    """The backend a layer config needs, and why; else None."""
    for cls, arg, value in spec.THEANO_ONLY:
        if class_name == cls and config.get(arg) == value:
            return "theano", f"has {arg}={value!r}, which only Keras 1's Theano backend computed"
    record = spec.LAYERS.get(spec.canonical(class_name)) if isinstance(class_name, str) \
        else None
    if record is not None and record.backend in backend.KERAS1_BACKENDS:
        return record.backend, f"exists only on Keras 1's {record.backend} backend"
    return None


def _from_config(config):
    try:
        parsed = model_config.parse(config)
    except ConversionError:
        return None  # the conversion says what is wrong with it
    for class_name, layer in model_config.walk(parsed["class_name"], parsed["config"]):
        found = _only_on(class_name, layer) if isinstance(layer, dict) else None
        if found is not None:
            name, why = found
            return name, f"layer {layer_label(layer.get('name'), class_name)} {why}"
    return None


def found(config, k1file=None):
    """(backend, why) that the file's weights (`k1file`, an open `hdf5.Keras1File`) or its
    config (text or dict) show, else None."""
    return (_from_weights(k1file) if k1file is not None else None) or _from_config(config)


def chosen(given):
    """The backend the user chose: `--keras1-backend`, else the environment variable."""
    return given or os.environ.get(backend.ENV_VAR) or None


def warning(path, given, evidence):
    """The warning where the user's choice contradicts the file, else None."""
    if evidence is None or chosen(given) in (None, evidence[0]):
        return None
    where = "--keras1-backend" if given else backend.ENV_VAR
    return (f"{where} {chosen(given)} contradicts {path}: {evidence[1]}; converted for "
            f"{chosen(given)!r} as asked")
