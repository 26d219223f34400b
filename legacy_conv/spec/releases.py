"""Keras 1's releases and what changed between them, as data; `Release`, the one version type.

A model file records the release that wrote it (`keras_version`; early 1.0.x files record
none), and the converter passes it to the layers whose numbers depend on it. Every
comparison of releases goes through `Release`; each fact below is a release or a range.
"""

import re
from collections import namedtuple

_NAME = re.compile(r"1\.(\d+)(?:\.(\d+))?")


class Release(namedtuple("Release", "major minor patch")):
    """A Keras 1 release, e.g. `Release.parse('1.0.4')`; compares as a tuple."""

    __slots__ = ()

    @classmethod
    def parse(cls, text):
        """'1.0.4', '1.2', '1.1.0-dev' -> a Release; None for anything that does not name a
        Keras 1 release (None, other types, '2.0.0', '1.x')."""
        match = _NAME.match(text[:16]) if isinstance(text, str) else None
        if match is None or any(len(part or "") > 3 for part in match.groups()):
            return None
        return cls(1, int(match.group(1)), int(match.group(2) or 0))

    def __str__(self):
        return ".".join(map(str, self))


def _releases(*names):
    return tuple(Release.parse(name) for name in names)


# Every Keras 1 release on PyPI, in order.
RELEASES = _releases("1.0.0", "1.0.1", "1.0.2", "1.0.3", "1.0.4", "1.0.5", "1.0.6", "1.0.7",
                     "1.0.8", "1.1.0", "1.1.1", "1.1.2", "1.2.0", "1.2.1", "1.2.2")
LATEST = RELEASES[-1]  # the release whose code this package follows where none is known


def _between(first, last):
    return frozenset(r for r in RELEASES if Release.parse(first) <= r <= Release.parse(last))


# The default `image_dim_ordering` (keras.json) of a fresh install: 'th' before 1.1.0.
TF_ORDERING_SINCE = Release(1, 1, 0)


def default_ordering(release):
    """'th' or 'tf', the `image_dim_ordering` that `release` defaulted to."""
    return "tf" if release >= TF_ORDERING_SINCE else "th"


# Convolution3D on Theano padded 'same' itself ("explicit": (k - 1) // 2 zeros before and
# k // 2 after, then 'valid') in these releases; from 1.1.1 on as every convolution
# ("half" and the crop of even kernels' outputs).
EXPLICIT_SAME_CONV3D = _between("1.0.0", "1.1.0")

# (release, backend) -> what BatchNormalization's inference divided x - running_mean by,
# where it was not sqrt(running_std + epsilon) (Keras 1.2.2's formula): "std_plus_eps"
# (running_std + epsilon; running_std then held sqrt(var + eps)) or "sqrt_plus_eps"
# (sqrt(running_std) + epsilon).
OLD_RUNNING_STD = {
    **{(release, backend): "std_plus_eps" for release in _between("1.0.0", "1.0.5")
       for backend in ("tensorflow", "theano")},
    (Release(1, 0, 6), "theano"): "std_plus_eps",
    (Release(1, 0, 7), "theano"): "sqrt_plus_eps",
}


def running_std(release, backend):
    """What `release` (a name or a Release) on `backend` divided by (an `OLD_RUNNING_STD`
    meaning), or None."""
    if not isinstance(release, Release):
        release = Release.parse(release)
    return OLD_RUNNING_STD.get((release, backend))


# The first release whose 'cpu'/'mem' LSTM and GRU built U_* with `init` and regularized them
# with `W_regularizer` (add_weight calls copied from W_*). Unknown releases count as it.
SHARED_U_SINCE = Release(1, 2, 0)

# Kernels that releases before 1.1.0 stored in another layout (spec/weights.py's letters):
# 1.0.x Convolution1D kernels are (nb_filter, input_dim, filter_length, 1).
OLD_LAYOUTS = {"Convolution1D": "oik1", "AtrousConvolution1D": "oik1"}
