"""Keras 1 weight initializations: Keras 1.2.2's names, distributions and fan computations.

They differ from Keras 3's initializers of the same names: 'uniform' and 'normal' have a
scale of 0.05, glorot_normal and he_normal are plain (not truncated) normals, orthogonal
has a gain of 1.1, and fans follow Keras 1's `get_fans(shape, dim_ordering)`, which for
'tf' kernels multiplies only the first two axes into the receptive field (so 'tf'
Convolution3D kernels get other fans than 'th' ones) and which Convolution1D calls with
'th' on its `(filter_length, 1, input_dim, nb_filter)` kernel.
"""

import contextlib
import contextvars
import inspect
import random

import keras
import numpy as np

from legacy_conv.load import fill
from legacy_conv import _validation
from legacy_conv.spec import initializers as spec


def get_fans(shape, dim_ordering="th"):
    """Keras 1.2.2's `initializations.get_fans`."""
    if len(shape) == 2:
        return shape[0], shape[1]
    if len(shape) in (4, 5):
        if dim_ordering == "th":
            receptive_field = np.prod(shape[2:])
            return shape[1] * receptive_field, shape[0] * receptive_field
        receptive_field = np.prod(shape[:2])
        return shape[-2] * receptive_field, shape[-1] * receptive_field
    fan = np.sqrt(np.prod(shape))
    return fan, fan


# Keras 1's fans by `spec.Initialization.fans`.
FANS = {"fan_in": lambda fan_in, fan_out: fan_in,
        "fan_sum": lambda fan_in, fan_out: fan_in + fan_out}


def _spread(init, shape, dim_ordering):
    if init.fans is None:
        return init.scale
    return float(np.sqrt(init.numerator / FANS[init.fans](*get_fans(shape, dim_ordering))))


def _uniform(init, shape, dim_ordering, seed):
    scale = _spread(init, shape, dim_ordering)
    return keras.random.uniform(shape, -scale, scale, seed=seed)


def _normal(init, shape, dim_ordering, seed):
    return keras.random.normal(shape, 0.0, _spread(init, shape, dim_ordering), seed=seed)


def _orthogonal(init, shape, dim_ordering, seed):
    flat_shape = (shape[0], int(np.prod(shape[1:])))
    a = np.random.RandomState(seed).normal(0.0, 1.0, flat_shape)
    u, _, v = np.linalg.svd(a, full_matrices=False)
    q = u if u.shape == flat_shape else v
    return init.scale * q.reshape(shape)


def _check_identity(shape):
    if len(shape) != 2 or shape[0] != shape[1]:
        raise ValueError(
            "init='identity' can only initialize 2D square matrices (as in Keras 1). "
            f"Received: a weight of shape {tuple(shape)}"
        )


def _identity(init, shape, dim_ordering, seed):
    _check_identity(shape)
    return init.scale * np.identity(shape[0])


def _constant(init, shape, dim_ordering, seed):
    return np.full(shape, init.scale)


# `spec.Initialization.distribution` -> f(initialization, shape, dim_ordering, seed).
DRAWS = {"uniform": _uniform, "normal": _normal, "orthogonal": _orthogonal,
         "identity": _identity, "constant": _constant}
INITIALIZATIONS = spec.INITIALIZATIONS  # Keras 1.2.2's names, read by the checks below


# True inside `skip_random_draws()`.
_SKIPPING = contextvars.ContextVar("legacy_conv_skip_random_draws", default=False)


@contextlib.contextmanager
def skip_random_draws():
    """Within it, `Keras1Initializer` gives zeros instead of drawing its values.

    For variables that are about to be overwritten (`load_model` builds the model here and
    then assigns every weight from the file): drawing 138 M values for a VGG16 would take
    seconds and, in temporaries, twice the weights' memory; big zeros are NumPy arrays that
    the weights are then read into (`load.fill`). Configs are unchanged (the
    initializer keeps its name and seed); 'identity' still checks its shape.
    Scoped to the current thread (a `contextvars` variable).
    """
    token = _SKIPPING.set(True)
    try:
        with fill.filling():
            yield
    finally:
        _SKIPPING.reset(token)


def skipping():
    """Whether this is within `skip_random_draws()` (or `shapes_only()`, or `with_values`'s
    build)."""
    return _SKIPPING.get()


@contextlib.contextmanager
def _deferred(made):
    """Keras variables made within it get a shape and a dtype but no value: made in a
    `keras.StatelessScope`, they wait in Keras's list of variables to initialize, and what a
    traced layer call asks of their initializer is zeros in the graph (this package's
    initializers draw nothing). Yields the scope; `made` gets those variables on leaving."""
    before = {id(variable) for variable in _waiting()}
    token = _SKIPPING.set(True)
    try:
        with keras.StatelessScope(initialize_variables=False) as scope:
            yield scope
    finally:
        _SKIPPING.reset(token)
        made.extend(v for v in _waiting() if id(v) not in before)


def _waiting():
    """Keras's list of the variables that wait for a value (it has no public accessor)."""
    from keras.src.backend.common import global_state

    return global_state.get_global_attribute("uninitialized_variables") or []


def _drop(made):
    """Takes `made` off Keras's list: no later `keras.StatelessScope` gives them values."""
    if made:
        ids = {id(variable) for variable in made}
        waiting = _waiting()
        waiting[:] = [v for v in waiting if id(v) not in ids]


def _made_from_value(error):
    """Whether `error` is Keras refusing a variable made from a value in a StatelessScope (a
    stateful RNN's states): such a model is built as before, with values."""
    while error is not None:
        if "create a variable while in a stateless scope" in str(error):
            return True
        error = error.__cause__ or error.__context__
    return False


def shapes_only(make):
    """`make()` (building models) without values: each variable has its shape and dtype
    (parameter counts, configs, native plans) and nothing is allocated or drawn, whatever
    the size (config-only work: `convert_config`, `inspect`, a .json OUT). The variables
    never get values (reading one is a bug: it would draw it); a later build does not
    initialize them. A model with a stateful RNN is built with (zero) values."""
    made = []
    try:
        with _deferred(made):
            return make()
    except Exception as error:  # noqa: BLE001 — Keras's refusal, else raised as it is
        if not _made_from_value(error):
            raise
    finally:
        _drop(made)
    with skip_random_draws():
        return make()


def with_values(make, check):
    """`make()` (building a model) without values, then `check(model)` before any value is
    allocated (e.g. refusing weights that cannot fit in memory), then each variable made
    gets its initial value, in the order made (as an eager build draws them; within
    `skip_random_draws()` zeros that `load.fill` fills), and any value a layer assigned while
    built. Outside any `keras.StatelessScope`. A model with a stateful RNN is built as
    before, values drawn as its variables are made (and not checked)."""
    made = []
    try:
        with _deferred(made) as scope:
            model = make()
        check(model)
        with keras.StatelessScope():
            pass  # leaving the outermost scope, Keras gives each waiting variable its value
        for variable in made:
            assigned = scope.get_current_value(variable)
            if assigned is not None:
                variable.assign(assigned)
    except Exception as error:
        _drop(made)
        if not _made_from_value(error):
            raise
        return make()
    return model


@contextlib.contextmanager
def placeholders(layer):
    """Building `layer` within it draws nothing: its initializers and its sublayers' give
    zeros (within `fill.filling()`, on memory its weights are then written to)
    and are back after. Only for a layer whose every weight is set right after."""
    swapped = [(owner, name, value) for owner in _layers_in(layer, set())
               for name, value in list(vars(owner).items())
               if isinstance(value, keras.initializers.Initializer)]
    for owner, name, _ in swapped:
        setattr(owner, name, _placeholder)
    token = _SKIPPING.set(True)  # and this package's layers' Keras1Initializers
    try:
        yield
    finally:
        _SKIPPING.reset(token)
        for owner, name, value in swapped:
            setattr(owner, name, value)


def _placeholder(shape, dtype=None):
    return fill.zeros(shape, dtype or "float32")


def _layers_in(layer, seen):
    """`layer` and the layers among its attributes, recursively (an RNN's cell, ...)."""
    if id(layer) in seen:
        return
    seen.add(id(layer))
    yield layer
    for value in list(vars(layer).values()):
        if isinstance(value, keras.layers.Layer):
            yield from _layers_in(value, seen)


def constant(name):
    """Keras 1's 'zero' or 'one', for the weights Keras 1 always started so (biases, running
    statistics): no seed is drawn, and within `skip_random_draws()` they too get memory
    that a file's weights are read into."""
    return Keras1Initializer(name, seed=0)


@keras.saving.register_keras_serializable(package="legacy_conv")
class Keras1Initializer(keras.initializers.Initializer):
    """A Keras 1 initialization by name, for a kernel in Keras 1 layout and `dim_ordering`."""

    def __init__(self, init="glorot_uniform", dim_ordering="th", seed=None):
        self.init = init
        self.dim_ordering = dim_ordering
        self.seed = random.randint(1, int(1e9)) if seed is None else seed

    def __call__(self, shape, dtype=None):
        shape = tuple(int(d) for d in shape)
        if skipping():
            if self.init == "identity":
                _check_identity(shape)
            return fill.zeros(shape, dtype or "float32")
        if callable(self.init):
            value = _call_custom(getattr(self.init, "function", self.init), shape,
                                 self.dim_ordering, dtype)
        else:
            init = INITIALIZATIONS[self.init]
            value = DRAWS[init.distribution](init, shape, self.dim_ordering, self.seed)
        return keras.ops.cast(keras.ops.convert_to_tensor(value), dtype or "float32")

    def get_config(self):
        return {"init": self.init, "dim_ordering": self.dim_ordering, "seed": self.seed}


@keras.saving.register_keras_serializable(package="legacy_conv")
class Keras1GateInitializer(Keras1Initializer):
    """A Keras 1 initialization drawn gate by gate, for a concatenated gate kernel.

    Keras 1's LSTM and GRU with `consume_less` 'cpu' or 'mem' made one matrix per gate
    (`W_i`, `U_i`, ...), each drawn with its own fans (glorot's limit over (input_dim,
    output_dim), not over (input_dim, 4 * output_dim)) and its own orthogonal or identity
    matrix. Keras 3 makes the gates' matrices as one kernel, `gates` blocks along the last
    axis: this draws each block as Keras 1 drew that gate's matrix.
    """

    def __init__(self, init="glorot_uniform", dim_ordering="th", seed=None, gates=1):
        super().__init__(init, dim_ordering, seed)
        self.gates = int(gates)

    def __call__(self, shape, dtype=None):
        shape = tuple(int(d) for d in shape)
        block = shape[:-1] + (shape[-1] // self.gates,)
        if skipping():
            if self.init == "identity":
                _check_identity(block)
            return fill.zeros(shape, dtype or "float32")
        return keras.ops.concatenate(
            [Keras1Initializer(self.init, self.dim_ordering, self.seed + gate)(block, dtype)
             for gate in range(self.gates)], axis=-1)

    def get_config(self):
        return {**super().get_config(), "gates": self.gates}


class Named:
    """A user's initializer, found by the name a Keras 1 file saved for it."""

    def __init__(self, name, function):
        self.__name__ = name
        self.function = function

    def __call__(self, *args, **kwargs):
        return self.function(*args, **kwargs)


def _call_custom(function, shape, dim_ordering, dtype):
    """A Keras 3 initializer gets (shape, dtype); a Keras 1 function the keywords it takes."""
    if isinstance(function, keras.initializers.Initializer):
        return function(shape, dtype=dtype or "float32")
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        parameters = {}
    takes_any = any(p.kind is p.VAR_KEYWORD for p in parameters.values())
    keywords = {k: v for k, v in (("name", None), ("dim_ordering", dim_ordering))
                if takes_any or k in parameters}
    return function(shape, **keywords)


def check(owner, init, arg="init"):
    """Validates a Keras 1 initializer argument of a layer whose weights are not 2D matrices.

    A name of INITIALIZATIONS but 'identity'; a callable (Keras 1's f(shape, name,
    dim_ordering) or a Keras 3 initializer, called with the weight's Keras 1 shape); or the
    name of one of those in Keras' custom objects (`custom_objects=` of a load,
    `keras.saving.custom_object_scope`), as Keras 1 resolved the function names it saved.
    """
    if callable(init):
        return init
    if isinstance(init, str) and init not in INITIALIZATIONS:
        found = keras.saving.get_registered_object(init)
        if callable(found):
            return Named(init, found)
    if init == "identity":
        raise _validation.argument_error(
            owner, arg, init, "cannot be 'identity' for this layer's weights",
            "Keras 1 accepts it only for 2D square matrices",
        )
    return _validation.check_choice(
        owner, arg, init, tuple(INITIALIZATIONS),
        f"or a function of your own, supplied as custom_objects={{{init!r}: initializer}}")


def name_of(init):
    return init if isinstance(init, str) else getattr(init, "__name__", repr(init))
