"""Each legacy layer → Keras 3 built-in layers that compute the same numbers.

A handler takes the converter (`converter.Converter`: layouts, names, weight transfers),
the legacy layer, its input `Value`s and a per-layer `state` dict (a layer shared by
several nodes keeps its weighted native layer there), and returns the output `Value`(s).
It raises `Refused(reason)` where no built-in is exact; the converter then keeps our
layer (keep_legacy=True) or reports the layer.

- Convolution1D/2D/3D, Atrous*: Conv1D/2D/3D (channels-last; kernels in Keras 3's layout).
  Keras 1 on Theano, made explicit (`legacy_conv.theano_plans`): kernels flipped (a true
  convolution); 'same' and 'full' as ZeroPadding + 'valid' (even kernels' 'same' padded
  less at the end, which is Keras 1's crop to ceil(length / stride); Keras 1.0.0-1.1.0's
  Convolution3D 'same' is TensorFlow's SAME); a strided dilated
  convolution as a stride-1 one then MaxPooling(pool_size=1, strides=stride).
- SeparableConvolution2D: SeparableConv2D. Deconvolution2D: Conv2DTranspose ('valid' with
  `output_padding`, then Cropping2D, to give Keras 1's `output_shape` on either backend).
- ZeroPadding/Cropping/UpSampling: the built-ins (a crop to nothing is refused).
- Pooling: the built-ins; Theano's 'same' is TensorFlow's SAME where their windows agree,
  else max pooling of the edge-padded input (Cropping + Concatenate: the max of a window's
  real steps) and average pooling is refused (Theano averages other windows).
- BatchNormalization mode 0: BatchNormalization (modes 1 and 2 refused). Merge: Add,
  Multiply, Average, Maximum, Concatenate, Dot (where Keras 1's batch_dot is one); 'cos'
  refused. ThresholdedReLU: ReLU(threshold) for theta >= 0. LeakyReLU: LeakyReLU, or for a
  negative, infinite or NaN alpha a PReLU with that alpha fixed (trainable=False).
  GaussianNoise: GaussianNoise(abs(sigma)) for abs(sigma) <= 1, else refused.
  ParametricSoftplus, SReLU: refused. Embedding: Embedding, refused where it drops words.
- Keras 1's hard_sigmoid: Rescaling(0.2, offset=0.5) + ReLU(max_value=1) after the layer;
  inside LSTM/GRU/ConvLSTM2D gates, Keras 3's hard_sigmoid of gate weights scaled by 1.2.
- ConvLSTM2D: ConvLSTM2D (channels-last); Theano's 'same' of even kernels as a kernel one
  longer with a zero appended; refused where the input convolution cannot follow.
- Keras 3 built-ins: cloned with built-in initializers, regularizers and constraints
  (`native.objects`), their axes and data formats following the layout.
- TimeDistributedDense: one Dense over the 3D input. ActivityRegularization: Identity where
  its penalty is always 0. Highway and MaxoutDense: refused.
- LocallyConnected1D/2D: refused (no Keras 3 layer has a kernel per position).
- Activity penalties: refused unless always 0 (Keras 1 summed them over the batch; Keras 3
  divides every activity penalty by the batch size). Weight penalties and constraints map
  exactly.
"""

from legacy_conv.native.handlers import activations  # noqa: F401 — registers its handlers
from legacy_conv.native.handlers import conv_recurrent  # noqa: F401 — registers its handlers
from legacy_conv.native.handlers import convolution  # noqa: F401 — registers its handlers
from legacy_conv.native.handlers import embeddings  # noqa: F401 — registers its handlers
from legacy_conv.native.handlers import core  # noqa: F401 — registers its handlers
from legacy_conv.native.handlers import keras_builtins  # noqa: F401 — registers its handlers
from legacy_conv.native.handlers import local  # noqa: F401 — registers its handlers
from legacy_conv.native.handlers import merge  # noqa: F401 — registers its handlers
from legacy_conv.native.handlers import normalization  # noqa: F401 — registers its handlers
from legacy_conv.native.handlers import recurrent  # noqa: F401 — registers its handlers
from legacy_conv.native.handlers import spatial  # noqa: F401 — registers its handlers
from legacy_conv.native.handlers._common import ELEMENTWISE, HANDLERS, Refused, Rows  # noqa: F401
from legacy_conv.native.handlers._common import key_of, obj  # noqa: F401
from legacy_conv.native.handlers.keras_builtins import data_format_layer  # noqa: F401
from legacy_conv.native.handlers.keras_builtins import pass_through  # noqa: F401
