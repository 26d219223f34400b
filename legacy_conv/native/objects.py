"""Keras 1 activations, initializers, regularizers and constraints → Keras 3 built-ins.

Each `native_*` function takes one object of this package (or a Keras 3 built-in, returned
as it is) and returns `(built-in or None, note)`: `note` is '' when the built-in is exact
and otherwise says what differs (only training can tell; predictions never depend on it).
Activity penalties have no exact built-in form (`activity_refusal`).

Initializers: a Keras 1 initialization draws from the same distribution as a Keras 3
built-in once the fans are those of the new kernel layout, so the scaled ones become
`VarianceScaling` with the scale that gives Keras 1's limit (or standard deviation) for
the native kernel shape; Keras 1's normals are untruncated.
"""

import math

import keras
import numpy as np

from legacy_conv import activations as k1_activations
from legacy_conv import constraints as k1_constraints
from legacy_conv import initializers as k1_initializers
from legacy_conv import regularizers as k1_regularizers
from legacy_conv.spec import activations as activation_spec
from legacy_conv.spec import initializers as init_spec

# Activations that depend on the order of the last axis (not elementwise).
LAST_AXIS_ACTIVATIONS = ("softmax", "log_softmax")

# Keras 1's distributions and fans (`spec.initializers`) in Keras 3's words: Keras 1's normals
# are untruncated, and its fan_in + fan_out is twice Keras 3's fan_avg.
DISTRIBUTIONS = {"uniform": "uniform", "normal": "untruncated_normal"}
MODES = {"fan_in": ("fan_in", 1.0), "fan_sum": ("fan_avg", 2.0)}
# (mode, distribution, scale) -> the Keras 3 name of that VarianceScaling.
NAMED_SCALINGS = {("fan_avg", "uniform", 1.0): "GlorotUniform",
                  ("fan_in", "uniform", 2.0): "HeUniform",
                  ("fan_in", "uniform", 1.0): "LecunUniform"}
# Keras 1 distribution with a fixed scale -> f(its Initialization): the Keras 3 built-in.
FIXED = {
    "uniform": lambda init: keras.initializers.RandomUniform(-init.scale, init.scale),
    "normal": lambda init: keras.initializers.RandomNormal(0.0, init.scale),
    "constant": lambda init: (keras.initializers.Zeros() if init.scale == 0.0 else
                              keras.initializers.Ones() if init.scale == 1.0 else
                              keras.initializers.Constant(init.scale)),
    "identity": lambda init: keras.initializers.Identity(init.scale),
    "orthogonal": lambda init: keras.initializers.Orthogonal(gain=init.scale),
}

# Keras 1 added an activity penalty summed over the batch; Keras 3 divides every activity
# penalty by the batch size (`Layer.__call__`, `ActivityRegularization` too), and no factor
# fixed in a config undoes a division by a batch size that varies.
ACTIVITY_REFUSAL = ("its activity_regularizer: Keras 1 added the penalty summed over the "
                    "batch, Keras 3 divides every activity penalty by the batch size")


def _is_ours(obj):
    return type(obj).__module__.startswith("legacy_conv") or getattr(
        obj, "__module__", "").startswith("legacy_conv")


# -- activations ---------------------------------------------------------------------------
def activation_name(fn):
    """The Keras 1 (or Keras 3) name of an activation function."""
    return getattr(fn, "__name__", None)


def native_activation(fn):
    """(Keras 3 activation name or the function itself, exact?) for a layer's activation.

    `(None, False)` means there is no Keras 3 activation with the formula (hard_sigmoid);
    `hard_sigmoid_layers` gives its exact form as layers.
    """
    if fn is None:
        return "linear", True
    name = activation_name(fn)
    if _is_ours(fn):
        native = activation_spec.KERAS3.get(name)
        return native, native is not None
    if name is not None and keras.activations.get(name) is fn:
        return name, True
    return fn, True  # a user's function or a Keras 3 one: unchanged


# A layer's attribute that holds an activation -> its `spec.activations.KINKS` key, by name.
KINK_KEYS = {"activation": "{}", "recurrent_activation": "{} gates"}


def activation_kink_note(layer):
    """What the native form of `layer` trains otherwise at its activations' kinks
    (`spec.activations.KINKS`: Keras 1's functions of this package, on the backend their
    variant is of), or ''."""
    notes = []
    for attribute, key in KINK_KEYS.items():
        fn = getattr(layer, attribute, None)
        name = activation_name(fn) if fn is not None else None
        for backend, variants in (("theano", k1_activations.THEANO),
                                  ("tensorflow", k1_activations.ACTIVATIONS)):
            if name is not None and fn is variants.get(name):
                notes.append(activation_spec.kink_note(key.format(name), backend))
    return "; ".join(note for note in notes if note)


def hard_sigmoid_layers(name_of):
    """Keras 1's hard_sigmoid, clip(0.2 x + 0.5, 0, 1), exactly: Rescaling then ReLU(1)."""
    return [keras.layers.Rescaling(activation_spec.HARD_SIGMOID_SLOPE,
                                   offset=activation_spec.HARD_SIGMOID_OFFSET,
                                   name=name_of("hard_sigmoid_affine")),
            keras.layers.ReLU(max_value=1.0, name=name_of("hard_sigmoid_clip"))]


# -- initializers --------------------------------------------------------------------------
def keras3_fans(shape):
    """Keras 3's fans for a weight of `shape` (`keras.initializers` `compute_fans`)."""
    shape = tuple(shape)
    if not shape:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = int(np.prod(shape[:-2]))
    return shape[-2] * receptive, shape[-1] * receptive


def _fan(fans, mode):
    fan_in, fan_out = fans
    return fan_in if mode == "fan_in" else (fan_in + fan_out) / 2.0


def _orthogonal_exact(k1_shape, axes):
    """Keras 1 orthogonalizes the (axis 0, the rest) reshape of the Keras 1 layout, Keras 3
    the (all but the last, the last) reshape of its own: the same distribution iff both
    split the same axes (unit axes aside). Native axis j is Keras 1 axis `axes[j]`."""
    units = {a for a, n in enumerate(k1_shape) if n == 1}

    def split(rows, cols):
        return {frozenset(set(rows) - units), frozenset(set(cols) - units)} - {frozenset()}

    return split({0}, set(range(len(k1_shape))) - {0}) == split(axes[:-1], axes[-1:])


def native_initializer(init, k1_shape=None, native_shape=None, axes=None):
    """(Keras 3 initializer, note) for a weight of Keras 1 shape `k1_shape`, created in
    Keras 3 with `native_shape` (native axis j is Keras 1 axis `axes[j]`)."""
    if not isinstance(init, k1_initializers.Keras1Initializer):
        return init, ""
    if isinstance(init, k1_initializers.Keras1GateInitializer) and init.gates > 1:
        return _per_gate(init, k1_shape, native_shape, axes)
    name = init.init
    if callable(name):
        return keras.initializers.GlorotUniform(), (
            f"init: a Python function ({getattr(name, '__name__', name)!r}) has no built-in "
            "form; GlorotUniform instead")
    k1_init = init_spec.INITIALIZATIONS[name]
    if k1_init.fans is None:
        native = FIXED[k1_init.distribution](k1_init)
        if k1_init.distribution != "orthogonal":
            return native, ""
        if k1_shape is None:
            return native, _unknown_shape(name, native)
        rank = len(native_shape if native_shape is not None else k1_shape)
        axes = tuple(axes if axes is not None else range(rank))
        return native, "" if _orthogonal_exact(k1_shape, axes) else (
            "init 'orthogonal': Keras 1 orthogonalized other axes of this kernel; "
            f"Orthogonal(gain={k1_init.scale}) instead")
    mode, fans_per_mode = MODES[k1_init.fans]
    distribution = DISTRIBUTIONS[k1_init.distribution]
    # Keras 1: numerator / k1_fan; Keras 3: (3 if uniform else 1) * scale / k3_fan.
    per_unit = 3.0 if distribution == "uniform" else 1.0
    if k1_shape is None:  # the weight is unknown: Keras 3's fans stand for Keras 1's
        native = _scaling(mode, distribution, k1_init.numerator / (per_unit * fans_per_mode))
        return native, _unknown_shape(name, native)
    native_shape = tuple(native_shape if native_shape is not None else k1_shape)
    k1_fans = k1_initializers.get_fans(tuple(k1_shape), init.dim_ordering)
    k1_fan = float(k1_initializers.FANS[k1_init.fans](*k1_fans))
    k3_fan = _fan(keras3_fans(native_shape), mode)
    if not k1_fan or not k3_fan:
        return keras.initializers.Zeros(), ""
    return _scaling(mode, distribution, k1_init.numerator * k3_fan / (per_unit * k1_fan)), ""


def _per_gate(init, k1_shape, native_shape, axes):
    """A kernel whose gates Keras 1 drew one by one: the same distribution over the whole
    kernel where each value is drawn alone (with the fans of one gate's matrix)."""
    whole = k1_initializers.Keras1Initializer(init.init, init.dim_ordering, init.seed)
    if k1_shape is None:
        return native_initializer(whole)
    gate = tuple(k1_shape[:-1]) + (k1_shape[-1] // init.gates,)
    native, note = native_initializer(whole, gate, native_shape or k1_shape, axes)
    if not callable(init.init) and init_spec.INITIALIZATIONS[init.init].distribution in (
            "orthogonal", "identity"):
        note = (f"init {init.init!r}: Keras 1 drew each gate's matrix alone; "
                f"{type(native).__name__} of the whole kernel instead")
    return native, note


def _unknown_shape(name, native):
    return (f"init {name!r}: its weight's shape is unknown, so Keras 1's fans could not be "
            f"matched; {type(native).__name__} instead")


def _scaling(mode, distribution, scale):
    """Keras 3's VarianceScaling, by its name where it has one."""
    for (m, d, s), cls in NAMED_SCALINGS.items():
        if (m, d) == (mode, distribution) and math.isclose(scale, s, rel_tol=1e-12):
            return getattr(keras.initializers, cls)()
    return keras.initializers.VarianceScaling(scale=float(scale), mode=mode,
                                              distribution=distribution)


# -- regularizers --------------------------------------------------------------------------
def native_regularizer(regularizer):
    """(Keras 3 regularizer or None, note) for a weight regularizer."""
    if regularizer is None or not _is_ours(regularizer):
        return regularizer, ""
    if isinstance(regularizer, k1_regularizers.L1L2Regularizer):
        return keras.regularizers.L1L2(l1=regularizer.l1, l2=regularizer.l2), ""
    if type(regularizer) is k1_regularizers.Regularizer:
        return None, ""
    raise ValueError(f"no Keras 3 form for the regularizer {regularizer!r}")


def activity_refusal(regularizer):
    """Why a layer's Keras 1 activity penalty has no exact built-in form; None where the
    penalty is always 0 (no regularizer, or l1 = l2 = 0), which the native layer omits."""
    if isinstance(regularizer, k1_regularizers.BatchSummed):
        regularizer = regularizer.regularizer
    if regularizer is None or type(regularizer) is k1_regularizers.Regularizer:
        return None
    if isinstance(regularizer, (k1_regularizers.L1L2Regularizer, keras.regularizers.L1L2)) \
            and not regularizer.l1 and not regularizer.l2:
        return None
    return ACTIVITY_REFUSAL


# -- constraints ---------------------------------------------------------------------------
def _native_axis(axis, rank, axes):
    """A Keras 1 constraint axis (int or list) → the native axes; unit axes disappear."""
    listed = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    native = [axes.index(a % rank) for a in listed if a % rank in axes]
    if not isinstance(axis, (list, tuple)) and len(native) == 1:
        return native[0]
    return native


CONSTRAINTS = {
    # our class -> (Keras 3 class, {our attribute: Keras 3 argument}); 'axis' is remapped.
    k1_constraints.MaxNorm: (keras.constraints.MaxNorm, {"m": "max_value", "axis": "axis"}),
    k1_constraints.UnitNorm: (keras.constraints.UnitNorm, {"axis": "axis"}),
    k1_constraints.MinMaxNorm: (keras.constraints.MinMaxNorm, {
        "low": "min_value", "high": "max_value", "rate": "rate", "axis": "axis"}),
    k1_constraints.NonNeg: (keras.constraints.NonNeg, {}),
}


def native_constraint(constraint, k1_rank=None, axes=None):
    """(Keras 3 constraint or None, note) for a weight whose native axis j is Keras 1 axis
    `axes[j]` (None: the same layout)."""
    if constraint is None or not _is_ours(constraint):
        return constraint, ""
    if type(constraint) is k1_constraints.Constraint:
        return None, ""
    cls, args = CONSTRAINTS[type(constraint)]
    kwargs = {}
    for ours, theirs in args.items():
        value = getattr(constraint, ours)
        if ours == "axis" and axes is not None:
            value = _native_axis(value, k1_rank, list(axes))
        kwargs[theirs] = value
    return cls(**kwargs), ""
