"""Our padding, cropping, up-sampling and pooling → the Keras 3 built-ins."""

import keras

from legacy_conv import theano_plans as plans
from legacy_conv.native.handlers._common import (
    _arg, _core_name, CROPPING, _data_format, handles, ours, _pairs, POOLING, Refused, _static)
from legacy_conv.spec import layers as spec


# -- our padding, cropping, up-sampling and pooling -------------------------------------------
@handles(*ours("spatial"))
def spatial(cv, layer, inputs, state):
    rank = layer.rank
    x = cv.spatial(inputs[0], layer.dim_ordering, rank + 2)
    record = spec.LAYERS[type(layer).__name__]
    # The Keras 3 argument its amounts go to: the record's first.
    argument = next(k3 for k3, _ in record.args.values() if k3 != "data_format")
    amounts = layer.amounts
    if argument == "cropping":
        for n, (before, after) in zip(x.tensor.shape[1:-1], amounts):
            if n is not None and before + after >= n:
                raise Refused(f"it crops an axis of {n} steps to {n - before - after} "
                              "(Keras 1 allowed empty outputs; Keras 3's Cropping does not)")
    value = _pairs(amounts, rank) if argument != "size" else _arg(amounts, rank)
    native = cv.once(state, "core", lambda: getattr(keras.layers, record.keras3)(
        **{argument: value}, name=layer.name, **_data_format(rank)))
    return cv.call(native, x, x.layout, layer.name)


@handles(*ours("pooling"))
def pooling(cv, layer, inputs, state):
    rank = layer.rank
    x = cv.spatial(inputs[0], layer.dim_ordering, rank + 2)
    cls = POOLING[(layer.pool_mode, rank)]
    size, strides = _arg(layer.pool_size, rank), _arg(layer.strides, rank)
    if layer.border_mode == "valid" and any(
            n is not None and n < k for n, k in zip(x.tensor.shape[1:-1], layer.pool_size)):
        raise Refused(f"its pool {layer.pool_size} is larger than the input "
                      f"{tuple(x.tensor.shape[1:-1])}: Keras 1 returned an empty axis, "
                      "Keras 3's pooling refuses")
    if layer.keras1_backend == "tensorflow" or layer.border_mode == "valid":
        native = cv.once(state, "core", lambda: cls(size, strides, padding=layer.border_mode,
                                                    name=_core_name(cv, layer, state),
                                                    **_data_format(rank)))
        return cv.call(native, x, x.layout, layer.name)
    lengths = _static(list(x.tensor.shape[1:-1]), layer, "Theano's 'same' pooling")
    plan = plans.same_pool(rank, layer.pool_size, layer.strides, lengths)
    if any(p < 0 for p in plan.before):
        raise Refused("Keras 1 on Theano (pool3d, pool size 1, 'same') read steps 1, "
                      "1 + stride, ... of that axis and filled a window past its end with "
                      "the first element (max) or NaN (average); no Keras 3 layer does that")
    if plan.tf_same:  # Theano's windows are TensorFlow's SAME windows here
        native = cv.once(state, "same", lambda: cls(size, strides, padding="same",
                                                    name=_core_name(cv, layer, state),
                                                    **_data_format(rank)))
        return cv.call(native, x, x.layout, layer.name)
    if layer.pool_mode != "max":
        raise Refused("Theano's 'same' average pooling averages windows that TensorFlow "
                      f"places elsewhere (pads {plan.before} before each axis, TensorFlow "
                      f"{plan.tf_before}) over their real steps only; no Keras 3 layer does "
                      "that")
    # Max over the real steps of a window = max over the window of the edge-padded input.
    value = _edge_pad(cv, layer, x, plan.before, plan.after)
    pooled = cv.call(cls(size, strides, padding="valid", name=_core_name(cv, layer, state),
                         **_data_format(rank)), value, value.layout, layer.name)
    crops = [(0, n - o) for n, o in zip(pooled.tensor.shape[1:-1], plan.outs)]
    if any(c for _, c in crops):
        crop = CROPPING[rank](_pairs(crops, rank), name=cv.unique(f"{layer.name}_crop"),
                              **_data_format(rank))
        pooled = cv.call(crop, pooled, pooled.layout, layer.name, "edge_pad")
    return pooled


def _edge_pad(cv, layer, value, before, after):
    """Pads each spatial axis by repeating its first/last step (Cropping + Concatenate)."""
    rank = layer.rank
    for j, (b, a) in enumerate(zip(before, after)):
        if not (b or a):
            continue
        n = value.tensor.shape[1 + j]
        parts = []
        for count, keep_first in ((b, True), (a, False)):
            if not count:
                parts.append([])
                continue
            crops = [(0, 0)] * rank
            crops[j] = (0, n - 1) if keep_first else (n - 1, 0)
            edge = value if n == 1 else cv.call(CROPPING[rank](
                _pairs(crops, rank), name=cv.unique(f"{layer.name}_edge"),
                **_data_format(rank)), value, value.layout, layer.name, "edge_pad")
            parts.append([edge] * count)
        concat = keras.layers.Concatenate(axis=1 + j, name=cv.unique(f"{layer.name}_edge_pad"))
        value = cv.call(concat, parts[0] + [value] + parts[1], value.layout, layer.name,
                        "edge_pad")
    return value
