"""Our Embedding (`layers/embeddings.py`): Keras 3's Embedding with the same table where
Keras 1 dropped no words; refused where it did (the record's `native` says why)."""

import keras

from legacy_conv import initializers as k1_initializers
from legacy_conv.layers.embeddings import drops_words
from legacy_conv.native import objects as obj
from legacy_conv.native.plan import SAME
from legacy_conv.native.handlers._common import _mapped, _no_activity_penalty, handles, Refused
from legacy_conv.spec import layers as spec


@handles("legacy_conv>Embedding")
def embedding(cv, layer, inputs, state):
    if drops_words(layer.dropout):
        raise Refused(f"dropout={layer.dropout}: {spec.LAYERS['Embedding'].native}")
    _no_activity_penalty(layer.activity_regularizer_k1)
    shape = (layer.input_dim, layer.output_dim)

    def make():
        init = k1_initializers.Keras1Initializer(layer.init, "th")
        native = keras.layers.Embedding(
            layer.input_dim, layer.output_dim, mask_zero=layer.mask_zero,
            embeddings_initializer=_mapped(cv, layer, init, obj.native_initializer, shape),
            embeddings_regularizer=_mapped(cv, layer, layer.W_regularizer,
                                           obj.native_regularizer),
            embeddings_constraint=_mapped(cv, layer, layer.W_constraint,
                                          obj.native_constraint, 2),
            name=layer.name, trainable=layer.trainable)
        cv.transfer(native, layer, SAME)
        return native
    native = cv.once(state, "core", make)
    return cv.call(native, inputs[0], inputs[0].layout, layer.name)
