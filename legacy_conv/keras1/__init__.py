"""Keras 1's layer API for code: `from legacy_conv.keras1.layers import Dense, LSTM` gives
Keras 1.2.2's classes with their Keras 1 signatures, defaults and meaning.

The modules mirror Keras 1's (`legacy_conv.keras1.layers.core.Dense`,
`legacy_conv.keras1.layers.convolutional.Convolution2D`, `legacy_conv.keras1.engine.topology.Merge`;
`legacy_conv.keras1.layers` re-exports them all, as Keras 1's did). A class this package has
a layer of is that layer; any other is an adapter whose call builds the Keras 3 layer that
the file converter gives for the same Keras 1 config (`_adapters`), so a layer built in
code and one loaded from a Keras 1 file mean the same.
"""

from legacy_conv.keras1 import engine  # noqa: F401
from legacy_conv.keras1 import layers  # noqa: F401
from legacy_conv.keras1 import metrics, objectives, optimizers  # noqa: F401
from legacy_conv.keras1 import callbacks, models  # noqa: F401
from legacy_conv.keras1 import activations, constraints, datasets  # noqa: F401
from legacy_conv.keras1 import initializations, preprocessing, regularizers  # noqa: F401
from legacy_conv.keras1 import utils, wrappers  # noqa: F401
from legacy_conv.keras1 import backend  # noqa: F401
