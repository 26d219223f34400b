"""Keras 1.2.2's weight initializations (`keras/initializations.py`) as data.

Each name draws from a `distribution` with a spread given by `scale` (a number) or by its
fans, sqrt(`numerator` / fans), where the fans are Keras 1's `get_fans(shape, dim_ordering)`:
"fan_in", or "fan_sum" (fan_in + fan_out). 'uniform' draws from [-spread, spread], 'normal'
from an untruncated normal of mean 0 and that standard deviation, 'orthogonal' is `scale`
times an orthogonal matrix of the (axis 0, the rest) reshape, 'identity' `scale` times the
identity (2D square weights only) and 'constant' is `scale` everywhere.
"""

from collections import namedtuple

Initialization = namedtuple("Initialization", "distribution scale numerator fans")
Initialization.__new__.__defaults__ = (None, None, None)


def _fixed(distribution, scale):
    return Initialization(distribution, scale)


def _scaled(distribution, numerator, fans):
    return Initialization(distribution, numerator=numerator, fans=fans)


INITIALIZATIONS = {
    "uniform": _fixed("uniform", 0.05),
    "normal": _fixed("normal", 0.05),
    "lecun_uniform": _scaled("uniform", 3.0, "fan_in"),
    "glorot_normal": _scaled("normal", 2.0, "fan_sum"),
    "glorot_uniform": _scaled("uniform", 6.0, "fan_sum"),
    "he_normal": _scaled("normal", 2.0, "fan_in"),
    "he_uniform": _scaled("uniform", 6.0, "fan_in"),
    "orthogonal": _fixed("orthogonal", 1.1),
    "identity": _fixed("identity", 1.0),
    "zero": _fixed("constant", 0.0),
    "one": _fixed("constant", 1.0),
}
SCALED = tuple(name for name, init in INITIALIZATIONS.items() if init.fans)
