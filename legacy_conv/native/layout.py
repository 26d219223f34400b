"""How a native tensor holds a legacy one: an axis permutation, or a flattened permutation.

A channels-first ('th') model runs channels-last inside its native form, so each native
tensor is the legacy tensor with its axes permuted: `native = legacy.transpose(perm)`
(`perm[0] == 0`, the batch). A Flatten of a permuted tensor that only feeds Dense layers
stays permuted too: `native = flatten(unflat.transpose(perm))` while the legacy tensor is
`flatten(unflat)`; the Dense kernel's rows are permuted instead (`feature_order`).
"""

from collections import namedtuple

import numpy as np

# perm: axis permutation (batch included); unflat: for a flattened tensor, the legacy
# tensor's shape before Flatten (batch excluded), else None.
Layout = namedtuple("Layout", "perm unflat")
Layout.__new__.__defaults__ = (None,)


def identity(rank):
    return Layout(tuple(range(rank)))


def channels_last(rank):
    """The layout of a channels-first tensor of `rank` run channels-last."""
    return Layout((0,) + tuple(range(2, rank)) + (1,))


def flat(unflat, perm):
    """A flattened layout; the plain 2D identity where `perm` changes nothing."""
    if tuple(perm) == tuple(range(len(perm))):
        return identity(2)
    return Layout(tuple(perm), tuple(unflat))


def rank(layout):
    return 2 if layout.unflat is not None else len(layout.perm)


def is_identity(layout):
    return layout.unflat is None and layout.perm == tuple(range(len(layout.perm)))


def transpose_between(source, target):
    """`q` such that `target_tensor = source_tensor.transpose(q)` (both not flattened)."""
    return tuple(source.index(axis) for axis in target)


def native_axis(layout, axis):
    """The native axis holding legacy axis `axis` (negative axes counted from the end)."""
    n = len(layout.perm)
    return layout.perm.index(axis % n)


def legacy_axis(layout, axis):
    return layout.perm[axis % len(layout.perm)]


def legacy_shape(layout, shape):
    """The legacy shape of a native tensor of `shape` (not flattened)."""
    out = [None] * len(shape)
    for j, axis in enumerate(layout.perm):
        out[axis] = shape[j]
    return tuple(out)


def native_shape(layout, shape):
    return tuple(shape[axis] for axis in layout.perm)


def feature_order(layout):
    """For a flattened layout: `order[j]` is the legacy feature at native feature j."""
    size = int(np.prod(layout.unflat))
    index = np.arange(size).reshape(layout.unflat)
    return index.transpose([a - 1 for a in layout.perm[1:]]).reshape(-1)


def permute_dims(q):
    """`keras.layers.Permute` dims for the transpose `q` (batch axis excluded, 1-based)."""
    return tuple(q[1:])
