"""Our Merge → Add, Multiply, Average, Maximum, Concatenate, Dot; a function mode → Lambda."""

import keras

from legacy_conv.native import layout as lay
from legacy_conv.native.handlers._common import (
    _core_name, handles, ours, Refused)
from legacy_conv.spec import merge as merge_spec


@handles(*ours("merge"))
def merge(cv, layer, inputs, state):
    mode = layer.mode
    if callable(mode):
        return _function(cv, layer, inputs, state)
    keras3 = merge_spec.KERAS3[mode]
    if keras3 and not keras3[1]:  # elementwise: Add, Multiply, Average, Maximum
        layout = cv.common_layout(inputs)
        native = cv.once(state, ("core", layout), lambda: getattr(keras.layers, keras3[0])(
            name=_core_name(cv, layer, state)))
        return cv.call(native, [cv.to(v, layout) for v in inputs], layout, layer.name)
    if mode == "concat":
        layout = cv.common_layout(inputs, flat_ok=False)
        native = cv.once(state, ("core", layout), lambda: keras.layers.Concatenate(
            axis=lay.native_axis(layout, layer.concat_axis), name=_core_name(cv, layer, state)))
        return cv.call(native, [cv.to(v, layout) for v in inputs], layout, layer.name)
    if mode == "cos":
        raise Refused("mode='cos': Keras 1 divided by max(sqrt(dot(x, x) * dot(y, y)), 1e-7) "
                      "(whole matrices of dot products above 2D) and added an axis; "
                      "Keras 3's Dot(normalize=True) normalizes each input with its own floor")
    xs = [cv.to(v, lay.identity(lay.rank(v.layout))) for v in inputs]
    axes = _dot_axes(layer, [len(x.tensor.shape) for x in xs])
    shapes = [tuple(x.tensor.shape) for x in xs]
    out = keras.layers.Dot(axes=axes).compute_output_shape(shapes)
    claimed = layer.compute_output_shape(shapes)
    if tuple(out) != tuple(claimed):
        raise Refused(f"mode='dot' with dot_axes={layer.dot_axes} on {len(shapes[0])}D and "
                      f"{len(shapes[1])}D inputs has shape {tuple(claimed)} in Keras 1, "
                      f"{tuple(out)} in Keras 3's Dot")
    native = cv.once(state, "core", lambda: keras.layers.Dot(axes=axes, name=layer.name))
    return cv.call(native, xs, None, layer.name)


def _function(cv, layer, inputs, state):
    """Keras 3's Lambda calls the function as Keras 1 did: on the list of inputs, with the
    `arguments` as keywords, and the masks as `mask` where it takes one."""
    if layer.output_mask is not None:
        raise Refused("a function mode with an output_mask: Keras 3's Lambda calls a mask "
                      "function with (inputs, mask), Keras 1 with the masks alone")
    xs = [cv.to(v, lay.identity(lay.rank(v.layout))) for v in inputs]
    native = cv.once(state, "core", lambda: keras.layers.Lambda(
        layer.mode, arguments=dict(layer.arguments), name=layer.name))
    return cv.call(native, xs, None, layer.name)


def _dot_axes(layer, ranks):
    """The axes Keras 1's batch_dot really contracted, for Keras 3's Dot."""
    a0, a1 = (a % n for a, n in zip(layer.dot_axes, ranks))
    if layer.keras1_backend == "theano" or ranks == [2, 2]:
        return [a0, a1]
    if ranks != [3, 3]:
        raise Refused(f"mode='dot' on {ranks[0]}D and {ranks[1]}D inputs: Keras 1 on "
                      "TensorFlow ran one matmul, batched over the leading axes, which is "
                      "no Keras 3 Dot")
    # One matmul: x's last axis (its first with adjoint_a), y's first (its last with adjoint_b).
    return [1 if a0 != 2 else 2, 2 if a1 == 2 else 1]
