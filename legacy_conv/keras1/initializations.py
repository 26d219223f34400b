"""Keras 1.2.2's `keras.initializations`: its functions by name, with its signatures
`(shape, name=None, dim_ordering='th')` (uniform, normal, orthogonal and identity also take
`scale`), its fans (`get_fans`) and distributions (`spec.initializers`), each returning a
variable as Keras 1 did.

Values come from NumPy's global generator, as Keras 1's Theano backend drew them: after the
same `np.random.seed`, they are Keras 1's on Theano. Keras 1 on TensorFlow drew all but
'orthogonal' with TensorFlow's generator, which no seed reproduces: the same distributions.
"""

import keras
import numpy as np

from legacy_conv import _validation
from legacy_conv import backend
from legacy_conv import initializers as ours
from legacy_conv.keras1.utils import generic_utils
from legacy_conv.spec import initializers as spec


def get_fans(shape, dim_ordering="th"):
    _validation.check_choice("get_fans", "dim_ordering", dim_ordering, backend.DIM_ORDERINGS)
    return ours.get_fans(shape, dim_ordering)


def _orthogonal(scale, shape):
    flat_shape = (shape[0], int(np.prod(shape[1:])))
    u, _, v = np.linalg.svd(np.random.normal(0.0, 1.0, flat_shape), full_matrices=False)
    return scale * (u if u.shape == flat_shape else v).reshape(shape)


def _identity(scale, shape):
    if len(shape) != 2 or shape[0] != shape[1]:
        raise _validation.argument_error("initializations.identity", "shape", tuple(shape),
                                         "must be a 2D square matrix's, as in Keras 1")
    return scale * np.identity(shape[0])


# spec distribution -> NumPy's draw of (spread, shape), in Keras 1's order.
DRAWS = {"uniform": lambda s, shape: np.random.uniform(low=-s, high=s, size=shape),
         "normal": lambda s, shape: np.random.normal(loc=0.0, scale=s, size=shape),
         "orthogonal": _orthogonal, "identity": _identity,
         "constant": lambda s, shape: np.full(shape, s)}


def _variable(init_name, shape, name, dim_ordering, scale=None):
    init = spec.INITIALIZATIONS[init_name]
    if scale is not None:
        init = init._replace(scale=scale)
    shape = tuple(int(d) for d in shape)
    get_fans(shape, dim_ordering)
    spread = ours._spread(init, shape, dim_ordering)
    value = DRAWS[init.distribution](spread, shape).astype("float32")
    return keras.Variable(value, name=name)


def uniform(shape, scale=0.05, name=None, dim_ordering="th"):
    return _variable("uniform", shape, name, dim_ordering, scale)


def normal(shape, scale=0.05, name=None, dim_ordering="th"):
    return _variable("normal", shape, name, dim_ordering, scale)


def lecun_uniform(shape, name=None, dim_ordering="th"):
    return _variable("lecun_uniform", shape, name, dim_ordering)


def glorot_normal(shape, name=None, dim_ordering="th"):
    return _variable("glorot_normal", shape, name, dim_ordering)


def glorot_uniform(shape, name=None, dim_ordering="th"):
    return _variable("glorot_uniform", shape, name, dim_ordering)


def he_normal(shape, name=None, dim_ordering="th"):
    return _variable("he_normal", shape, name, dim_ordering)


def he_uniform(shape, name=None, dim_ordering="th"):
    return _variable("he_uniform", shape, name, dim_ordering)


def orthogonal(shape, scale=1.1, name=None, dim_ordering="th"):
    return _variable("orthogonal", shape, name, dim_ordering, scale)


def identity(shape, scale=1, name=None, dim_ordering="th"):
    return _variable("identity", shape, name, dim_ordering, scale)


def zero(shape, name=None, dim_ordering="th"):
    return _variable("zero", shape, name, dim_ordering)


def one(shape, name=None, dim_ordering="th"):
    return _variable("one", shape, name, dim_ordering)


INITIALIZATIONS = {name: globals()[name] for name in spec.INITIALIZATIONS}


def get(identifier, **kwargs):
    """Keras 1's `initializations.get`: a function by name, or `identifier` as it is."""
    return generic_utils.get_from_module(identifier, INITIALIZATIONS, "initialization",
                                         kwargs=kwargs)
