"""Keras 1 model configs and files → Keras 3: layer rules, graphs, weights, training."""

from legacy_conv.convert import recurrent  # noqa: E402,F401 — registers its rules
from legacy_conv.convert import conv_recurrent  # noqa: E402,F401 — registers its rules
