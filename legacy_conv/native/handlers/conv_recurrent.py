"""ConvLSTM2D (`Keras1ConvLSTM2D`) → Keras 3's ConvLSTM2D, run channels-last.

Its kernels are already Keras 3's (flipped for Theano when the file was read); what is left:
- Keras 1's hard_sigmoid gates (i, f, o) become Keras 3's hard_sigmoid of gate weights
  scaled by 1.2, as for LSTM;
- Theano's 'same' of an even kernel at stride 1 kept one more zero before than TensorFlow's
  and one fewer after: a kernel one longer on that axis, a zero appended, is the same
  convolution under TensorFlow's 'same' — for the recurrent convolution (always 'same')
  and, where `border_mode` is 'same', the input one. Where the input convolution is
  'valid' (no room for the longer kernel) or strided, it is refused.
"""

import keras
import numpy as np

from legacy_conv.layers.conv_recurrent import theano_differs
from legacy_conv.native import layout as lay
from legacy_conv.native import objects as obj
from legacy_conv.native.handlers._common import clone_builtin, handles, Refused
from legacy_conv.spec.activations import HARD_SIGMOID_SCALE

GATES = (0, 1, 3)  # of Keras 3's i, f, c, o: the gates `recurrent_activation` drives
# The native layout of its 5D inputs and sequences, and of its 4D last outputs, per format.
LAYOUTS = {"channels_first": (lay.Layout((0, 1, 3, 4, 2)), lay.channels_last(4)),
           "channels_last": (lay.identity(5), lay.identity(4))}


def _theano_kernel_size(layer):
    """The kernel size that makes Keras 3's 'same' Theano's (even axes one longer)."""
    cell = layer.cell
    if layer.keras1_backend != "theano" or not theano_differs(
            cell.kernel_size, cell.strides, cell.padding):
        return tuple(cell.kernel_size)
    if cell.padding != "same" or any(s != 1 for s in cell.strides):
        raise Refused(
            "on Theano its 'same' convolutions (the recurrent one always) put an even "
            "kernel's extra zero before, Keras 3's after; a kernel one longer reproduces "
            "that only where the input convolution is 'same' and not strided (here kernel "
            f"{tuple(cell.kernel_size)}, border_mode {cell.padding!r}, subsample "
            f"{tuple(cell.strides)})")
    return tuple(k + 1 - k % 2 for k in cell.kernel_size)


def _gate_scale(cv, layer):
    """(Keras 3 recurrent_activation, scale of the gates' weights)."""
    gate_activation = layer.cell.recurrent_activation
    native, exact = obj.native_activation(gate_activation)
    if exact:
        return native, 1.0
    if obj.activation_name(gate_activation) != "hard_sigmoid":
        raise Refused(f"its recurrent_activation {obj.activation_name(gate_activation)!r} "
                      "has no Keras 3 built-in with the same formula")
    cv.note(layer, f"its gates' weights are scaled by {HARD_SIGMOID_SCALE} (Keras 1's "
                   f"hard_sigmoid(z) is Keras 3's hard_sigmoid({HARD_SIGMOID_SCALE} z)); "
                   "regularizers and constraints on them see the scaled weights")
    return "hard_sigmoid", HARD_SIGMOID_SCALE


def _weights(kernel_size, scale):
    def convert(weights):
        out = []
        for w in weights:
            w = np.array(w)
            size = w.shape[-1] // 4
            for gate in GATES:
                w[..., gate * size:(gate + 1) * size] *= np.float32(scale)
            if w.ndim == 4:  # zeros after the even axes' last taps
                w = np.pad(w, [(0, k - n) for k, n in zip(kernel_size, w.shape[:2])] +
                           [(0, 0)] * 2)
            out.append(w)
        return out
    return convert


@handles("legacy_conv>Keras1ConvLSTM2D")
def conv_lstm(cv, layer, inputs, state):
    sequence, last = LAYOUTS[layer.data_format]
    x = cv.to(inputs[0], sequence)

    def make():
        kernel_size = _theano_kernel_size(layer)
        activation, scale = _gate_scale(cv, layer)
        clone, _ = clone_builtin(cv, layer, overrides={
            "recurrent_activation": activation, "data_format": "channels_last",
            "kernel_size": kernel_size, "keras1_backend": "tensorflow"})
        config = clone.get_config()
        del config["keras1_backend"]
        native = keras.layers.ConvLSTM2D.from_config(config)
        cv.transfer(native, layer, _weights(kernel_size, scale),
                    why="Theano's even kernels padded with zeros" if kernel_size != tuple(
                        layer.cell.kernel_size) else None)
        return native
    native = cv.once(state, "core", make)
    return cv.call(native, x, sequence if layer.return_sequences else last, layer.name)
