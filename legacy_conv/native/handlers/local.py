"""Our locally connected layers (`layers/local.py`): refused, since Keras 3 has no layer with
one kernel per output position (the record's `native` says so)."""

from legacy_conv.native.handlers._common import Refused, handles, ours
from legacy_conv.spec import layers as spec


@handles(*ours("local"))
def locally_connected(cv, layer, inputs, state):
    raise Refused(spec.LAYERS[type(layer).__name__].native)
