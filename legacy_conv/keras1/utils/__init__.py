"""Keras 1.2.2's `keras.utils`: `np_utils`, `generic_utils`, `data_utils`, `io_utils`,
`layer_utils` and `visualize_util`, with Keras 1's signatures and results."""

from legacy_conv.keras1.utils import data_utils, generic_utils, io_utils  # noqa: F401
from legacy_conv.keras1.utils import layer_utils, np_utils, visualize_util  # noqa: F401
