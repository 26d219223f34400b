"""Keras 1 ConvLSTM2D → `Keras1ConvLSTM2D` (Keras 3's ConvLSTM2D, Theano's padding), as data.

- The arguments: the record of `spec.layers`, Keras 1's defaults filled in first (its
  `inner_activation` is Keras 1's hard_sigmoid), `nb_row`/`nb_col` merged into
  `kernel_size`, and the backend that the file's numbers come from (`_conv_lstm`). Keras
  1's `get_config` omitted `subsample`, the regularizers and the dropouts: a Keras 1 file
  reloads with stride 1 and none of them, and so does its conversion.
- The weights (`conv_gates`): per gate, in the order i, c, f, o, a kernel `W` in the
  `dim_ordering`'s layout ('th': (filters, channels, rows, cols)), a recurrent kernel `U`
  and a bias `b`. Each kernel is brought to Keras 3's layout before the gates are joined
  (joining 'th' kernels first mixes the gates' axes, as Keras 2's converter did), flipped
  where Theano convolved, and the gates are joined as Keras 3's i, f, c, o.
- Fresh weights (`_per_gate`): each gate's kernels drawn alone, in Keras 1's shape and
  with Keras 1's fans (`Keras1ConvGateInitializer`).

Importing this module registers all of it in `layer_rules`, `values` and `weights`.
"""

import keras
import numpy as np

from legacy_conv.convert import layer_rules
from legacy_conv.convert import recurrent
from legacy_conv.convert import values
from legacy_conv.layers.conv_recurrent import KERAS1_BACKENDS, Keras1ConvGateInitializer
from legacy_conv.layers.conv_recurrent import Keras1ConvLSTM2D
from legacy_conv.load import weights
from legacy_conv.spec import weights as weight_spec

# Not Keras 1 keys: `_conv_lstm` merges nb_row and nb_col into `kernel_size`, and adds the
# backend.
RULES = {"ConvLSTM2D": layer_rules.RULES["ConvLSTM2D"]._replace(args={
    **layer_rules.RULES["ConvLSTM2D"].args, "nb_row": (None, "int"), "nb_col": (None, "int"),
    "kernel_size": ("kernel_size", "ints"),
    "keras1_backend": ("keras1_backend", "keras1_backend")})}

# The file's gates (i, c, f, o) in Keras 3's concatenation order (i, f, c, o).
GATE_ORDER = (0, 2, 1, 3)


def _conv_lstm(config, ctx, where):
    """Keras 1's defaults, `kernel_size` from nb_row and nb_col, and the backend."""
    defaults = recurrent.keras1_defaults("ConvLSTM2D")
    del defaults["dim_ordering"]  # 'default': the file's ordering is inferred instead
    config = {**defaults, **config}
    config.pop("weights", None)  # Keras 1 never saved it; the file's weights come later
    config["kernel_size"] = [
        values.convert("int", config.pop(key, None),
                       lambda problem, value, key=key: where(problem, value, field=key))
        for key in ("nb_row", "nb_col")]
    config["keras1_backend"] = ctx.keras1_backend
    return config


def _per_gate(config, out):
    """Fresh kernels drawn gate by gate, as Keras 1 did (`Keras1ConvGateInitializer`)."""
    ordering = "th" if out["data_format"] == "channels_first" else "tf"
    for key in ("kernel_initializer", "recurrent_initializer"):
        init = out.get(key)
        if isinstance(init, dict) and init.get("registered_name") == recurrent.KERAS1_INIT:
            out[key] = keras.saving.serialize_keras_object(Keras1ConvGateInitializer(
                **{**init["config"], "dim_ordering": ordering}))
    return out


def _keras1_backend(value, where):
    if value not in KERAS1_BACKENDS:
        raise where(f"must be one of {', '.join(map(repr, KERAS1_BACKENDS))}", value)
    return value


def _kernel_layout(layer, keras1_backend=None):
    """(Keras 1 → Keras 3 kernel permutation, Theano's flip) of a ConvLSTM2D."""
    ordering = "th" if layer.data_format == "channels_first" else "tf"
    perm = weight_spec.permutation(*weight_spec.KERNEL_LAYOUTS[("conv", ordering)], 2)
    backend = keras1_backend or getattr(layer, "keras1_backend", None)
    return perm, (slice(None, None, -1),) * 2 if backend == "theano" else ()


def conv_gates(arrays, layer):
    """[W_g, U_g, b_g for each gate g, i c f o] → [kernel, recurrent_kernel, bias]."""
    perm, flip = _kernel_layout(layer)
    arrays = [np.asarray(a).transpose(perm)[flip] if np.ndim(a) == 4 else a for a in arrays]
    gates = [arrays[3 * g:3 * g + 3] for g in GATE_ORDER]
    return [np.concatenate([gate[k] for gate in gates], axis=-1) for k in range(3)]


def split_conv_gates(arrays, layer, keras1_backend=None):
    """`conv_gates`' inverse: Keras 1's W, U, b per gate, its kernels in Keras 1's layout
    (`keras1_backend` for a Keras 3 ConvLSTM2D, which holds none)."""
    perm, flip = _kernel_layout(layer, keras1_backend)
    back = np.argsort(perm)
    parts = [np.split(np.asarray(a), len(GATE_ORDER), axis=-1) for a in arrays]
    gates = [None] * len(GATE_ORDER)
    for position, gate in enumerate(GATE_ORDER):
        gates[gate] = [part[position] for part in parts]
    return [np.ascontiguousarray(w[flip].transpose(back)) if w.ndim == 4 else w
            for gate in gates for w in gate]


layer_rules.RULES.update(RULES)
layer_rules.PREPROCESSORS["ConvLSTM2D"] = _conv_lstm
layer_rules.POSTPROCESSORS["ConvLSTM2D"] = _per_gate
layer_rules.SUBCLASSES["ConvLSTM2D"] = Keras1ConvLSTM2D
values.CONVERTERS["keras1_backend"] = _keras1_backend
weights.TRANSFORMS["Keras1ConvLSTM2D"] = conv_gates
weights.INVERSES["Keras1ConvLSTM2D"] = split_conv_gates
