"""legacy_conv: the Keras 1 convolutional layers, exact, on Keras 3 with TensorFlow."""

import contextlib as _contextlib

from legacy_conv import _startup

# The command line fails in one line: TensorFlow's logs are kept out of it.
with _startup.quiet() if _startup.command_line() else _contextlib.nullcontext():
    import keras as _keras  # TensorFlow loads here

if _keras.backend.backend() != "tensorflow":
    raise ImportError(
        "legacy_conv runs on Keras 3's TensorFlow backend, but Keras is using the "
        f"{_keras.backend.backend()!r} backend. Set the environment variable "
        "KERAS_BACKEND=tensorflow before importing keras (or set \"backend\": \"tensorflow\" "
        "in ~/.keras/keras.json)."
    )

from legacy_conv import constraints  # noqa: E402
from legacy_conv import regularizers  # noqa: E402
from legacy_conv.backend import image_dim_ordering  # noqa: E402
from legacy_conv.backend import keras1_backend  # noqa: E402
from legacy_conv.backend import set_image_dim_ordering  # noqa: E402
from legacy_conv.backend import set_keras1_backend  # noqa: E402
from legacy_conv.layers.advanced_activations import LeakyReLU, ThresholdedReLU  # noqa: E402
from legacy_conv.layers.advanced_activations import ParametricSoftplus, SReLU  # noqa: E402
from legacy_conv.layers.convolution import AtrousConvolution1D  # noqa: E402
from legacy_conv.layers.convolution import AtrousConvolution2D  # noqa: E402
from legacy_conv.layers.convolution import Convolution1D  # noqa: E402
from legacy_conv.layers.convolution import Convolution2D  # noqa: E402
from legacy_conv.layers.convolution import Convolution3D  # noqa: E402
from legacy_conv.layers.core import ActivityRegularization, Highway  # noqa: E402
from legacy_conv.layers.core import MaxoutDense, TimeDistributedDense  # noqa: E402
from legacy_conv.layers.cropping import Cropping1D, Cropping2D, Cropping3D  # noqa: E402
from legacy_conv.layers.deconvolution import Deconvolution2D  # noqa: E402
from legacy_conv.layers.embeddings import Embedding  # noqa: E402
from legacy_conv.layers.local import LocallyConnected1D, LocallyConnected2D  # noqa: E402
from legacy_conv.layers.merge import Merge, merge  # noqa: E402
from legacy_conv.layers.noise import GaussianNoise  # noqa: E402
from legacy_conv.layers.normalization import BatchNormalization  # noqa: E402
from legacy_conv.layers.pooling import AveragePooling1D, AveragePooling2D  # noqa: E402
from legacy_conv.layers.pooling import AveragePooling3D, MaxPooling1D  # noqa: E402
from legacy_conv.layers.pooling import MaxPooling2D, MaxPooling3D  # noqa: E402
from legacy_conv.layers.separable import SeparableConvolution2D  # noqa: E402
from legacy_conv.layers.up_sampling import UpSampling1D, UpSampling2D, UpSampling3D  # noqa: E402
from legacy_conv.layers.zero_padding import ZeroPadding1D, ZeroPadding2D, ZeroPadding3D  # noqa: E402

from legacy_conv.spec import layers as _spec  # noqa: E402

# The Keras 1 layer classes this package has, in the order of their records, and their
# Keras 1 aliases (Conv2D = Convolution2D, ...).
LAYERS = tuple(globals()[_name] for _name in _spec.ours())
globals().update({_alias: globals()[_name] for _alias, _name in _spec.ALIASES.items()})

__version__ = "0.1.0"

__all__ = [cls.__name__ for cls in LAYERS] + list(_spec.ALIASES) + [
    "constraints", "regularizers", "image_dim_ordering",
    "set_image_dim_ordering", "keras1_backend", "set_keras1_backend", "merge",
]

# Keras 1 model files (configs, JSON, YAML, HDF5 models and weights).
from legacy_conv.errors import ConversionError  # noqa: E402
from legacy_conv.loading import convert_config  # noqa: E402
from legacy_conv.loading import load_model  # noqa: E402
from legacy_conv.loading import load_weights  # noqa: E402
from legacy_conv.loading import model_from_json  # noqa: E402
from legacy_conv.loading import model_from_yaml  # noqa: E402

__all__ += ["ConversionError", "convert_config", "load_model", "load_weights",
            "model_from_json", "model_from_yaml"]

# Keras 3 wrappers with Keras 1's meaning (what the converter makes of Keras 1's).
from legacy_conv.convert.recurrent import Keras1Bidirectional  # noqa: E402
from legacy_conv.convert.recurrent import Keras1TimeDistributed  # noqa: E402

__all__ += ["Keras1Bidirectional", "Keras1TimeDistributed"]

# Keras 3's ConvLSTM2D with Keras 1's convolutions, and its fresh kernels gate by gate.
from legacy_conv.layers.conv_recurrent import Keras1ConvGateInitializer  # noqa: E402
from legacy_conv.layers.conv_recurrent import Keras1ConvLSTM2D  # noqa: E402

__all__ += ["Keras1ConvLSTM2D", "Keras1ConvGateInitializer"]

# From legacy layers to plain Keras 3.
from legacy_conv.native import modernize  # noqa: E402

__all__ += ["modernize"]
