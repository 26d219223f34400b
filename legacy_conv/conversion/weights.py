"""Keras 1 weight groups → the variables of a converted (or hand-built) Keras 3 model.

Layers are matched by name, or by order when no name matches (files whose layer names were
changed); a nested model's group holds its layers' weights, matched to them by weight-name
prefix, else in layer order, else all trainable weights first (as some releases wrote
them). Layouts that older releases wrote are brought to today's (`OLD_LAYOUTS`).
"""

import warnings

import keras
import numpy as np

from legacy_conv.errors import ConversionError

# Keras 1 class -> the transpose that turns its pre-1.1 kernel layout into today's.
# (Keras 1.0.x stored Convolution1D kernels as (nb_filter, input_dim, filter_length, 1).)
OLD_LAYOUTS = {"Convolution1D": (2, 3, 1, 0), "AtrousConvolution1D": (2, 3, 1, 0)}

# Keras 3 layer class -> f(arrays, layer) giving that layer's weights from Keras 1's arrays,
# for layers whose Keras 1 weights were split or ordered differently (filled by the modules
# that convert those layers, e.g. the recurrent ones).
TRANSFORMS = {}

# Releases whose BatchNormalization `running_std` held a standard deviation.
STD_RELEASES = ("1.0.0", "1.0.1", "1.0.2", "1.0.3", "1.0.4", "1.0.5")


def _version_tuple(version):
    try:
        return tuple(int(p) for p in version.split(".")[:3])
    except (AttributeError, ValueError):
        return None


def _leaves(layer):
    """The layers holding weights, nested models flattened, in order."""
    if isinstance(layer, keras.Model):
        return [leaf for sub in layer.layers for leaf in _leaves(sub)]
    return [layer] if layer.weights else []


def _keras1_class(layer):
    inner = getattr(layer, "layer", None)
    return type(inner if inner is not None else layer).__name__


def _fit_layouts(layer, arrays):
    expected = [tuple(v.shape) for v in layer.weights]
    perm = OLD_LAYOUTS.get(_keras1_class(layer))
    if perm is None:
        return arrays
    return [a.transpose(perm) if a.ndim == len(perm) and a.shape != e
            and a.transpose(perm).shape == e else a for a, e in zip(arrays, expected)]


def _fit_running_std(layer, arrays, keras_version):
    if _keras1_class(layer) != "BatchNormalization" or keras_version not in STD_RELEASES:
        return arrays
    from legacy_conv.layers.normalization import running_std_to_variance
    arrays = list(arrays)
    arrays[3] = running_std_to_variance(arrays[3], layer.epsilon)
    return arrays


def _prepared(layer, named_arrays, keras_version):
    """The arrays to assign to `layer`, in its layout, every shape checked."""
    names = [n for n, _ in named_arrays]
    arrays = [a for _, a in named_arrays]
    where = f'"{layer.name}" ({_keras1_class(layer)})'
    transform = TRANSFORMS.get(type(layer).__name__)
    if transform is not None:
        arrays = transform(arrays, layer)
        names = [f"{type(layer).__name__} weight {i}" for i in range(len(arrays))]
    if len(arrays) != len(layer.weights):
        raise ConversionError(
            f"has {len(arrays)} weights in the file ({', '.join(names)}) but the model's "
            f"layer has {len(layer.weights)}", layer=where, field="weights", has_value=False)
    arrays = _fit_running_std(layer, _fit_layouts(layer, arrays), keras_version)
    for name, array, variable in zip(names, arrays, layer.weights):
        if tuple(array.shape) != tuple(variable.shape):
            raise ConversionError(
                f"has shape {tuple(array.shape)} in the file but the model expects "
                f"{tuple(variable.shape)}", layer=where, field=name, has_value=False)
    return arrays


def _split_nested(model, named_arrays):
    """Each leaf layer's (name, array) pairs from a nested model's group."""
    leaves = _leaves(model)
    names = [n for n, _ in named_arrays]
    by_prefix = []
    for leaf in leaves:
        mine = [p for p in named_arrays if p[0].split(":")[0].startswith(leaf.name + "_")]
        by_prefix.append(mine)
    if sum(map(len, by_prefix)) == len(names) and all(
            len(m) == len(leaf.weights) for m, leaf in zip(by_prefix, leaves)):
        return list(zip(leaves, by_prefix))
    in_order, start = [], 0
    for leaf in leaves:
        in_order.append((leaf, named_arrays[start:start + len(leaf.weights)]))
        start += len(leaf.weights)
    if _shapes_fit(in_order):
        return in_order
    slots = [(leaf, i) for leaf in leaves for i, v in enumerate(leaf.weights) if v.trainable]
    slots += [(leaf, i) for leaf in leaves for i, v in enumerate(leaf.weights)
              if not v.trainable]
    grouped = {id(leaf): [None] * len(leaf.weights) for leaf in leaves}
    for (leaf, i), pair in zip(slots, named_arrays):
        grouped[id(leaf)][i] = pair
    return [(leaf, grouped[id(leaf)]) for leaf in leaves]


def _shapes_fit(pairs):
    return all(len(p) == len(leaf.weights) and all(
        tuple(a.shape) == tuple(v.shape) for (_, a), v in zip(p, leaf.weights))
        for leaf, p in pairs)


def _match(model, groups):
    layers = [layer for layer in model.layers if layer.weights]
    by_name = {layer.name: layer for layer in layers}
    file_names = [name for name, _ in groups]
    if set(file_names) == set(by_name):
        return [(by_name[name], datasets) for name, datasets in groups]
    if len(file_names) == len(layers):
        warnings.warn(
            "The weight file's layer names do not match the model's "
            f"({', '.join(sorted(set(file_names) - set(by_name))[:5])}); matching layers "
            "by order instead.", stacklevel=3)
        return list(zip(layers, (d for _, d in groups)))
    missing = sorted(set(by_name) - set(file_names))
    extra = sorted(set(file_names) - set(by_name))
    raise ConversionError(
        f"does not match the model: {len(file_names)} layers with weights in the file, "
        f"{len(layers)} in the model; in the model only: {missing or 'none'}; in the file "
        f"only: {extra or 'none'}", field="layer_names", has_value=False)


def assign(model, groups, keras_version, ctx):
    """Checks every shape first, then assigns: a mismatch leaves the model untouched."""
    plan = []
    for layer, datasets in _match(model, groups):
        named = [(name, np.asarray(ds[()])) for name, ds in datasets]
        if isinstance(layer, keras.Model):
            plan.extend(_split_nested(layer, named))
        else:
            plan.append((layer, named))
    for layer, named in plan:
        if any(p is None for p in named):
            raise ConversionError("has fewer weights in the file than the model expects",
                                  layer=f'"{layer.name}"', has_value=False)
    prepared = [(layer, _prepared(layer, named, keras_version)) for layer, named in plan]
    for layer, arrays in prepared:
        for array, variable in zip(arrays, layer.weights):
            variable.assign(array.astype(variable.dtype, copy=False))
