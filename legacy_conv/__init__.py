"""legacy_conv: the Keras 1 convolutional layers, exact, on Keras 3 with TensorFlow."""

from legacy_conv import _startup

__version__ = "0.1.0"

# The command line starts without TensorFlow: it imports the rest (`_startup.full_package`)
# for the commands that need it. New exports go inside this block.
if _startup.full_package():
    import contextlib as _contextlib

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

    from legacy_conv import constraints
    from legacy_conv import regularizers
    from legacy_conv.backend import image_dim_ordering
    from legacy_conv.backend import keras1_backend
    from legacy_conv.backend import set_image_dim_ordering
    from legacy_conv.backend import set_keras1_backend
    from legacy_conv.layers.advanced_activations import LeakyReLU, ThresholdedReLU
    from legacy_conv.layers.advanced_activations import ParametricSoftplus, SReLU
    from legacy_conv.layers.convolution import AtrousConvolution1D
    from legacy_conv.layers.convolution import AtrousConvolution2D
    from legacy_conv.layers.convolution import Convolution1D
    from legacy_conv.layers.convolution import Convolution2D
    from legacy_conv.layers.convolution import Convolution3D
    from legacy_conv.layers.core import ActivityRegularization, Highway
    from legacy_conv.layers.core import MaxoutDense, TimeDistributedDense
    from legacy_conv.layers.cropping import Cropping1D, Cropping2D, Cropping3D
    from legacy_conv.layers.deconvolution import Deconvolution2D
    from legacy_conv.layers.embeddings import Embedding
    from legacy_conv.layers.local import LocallyConnected1D, LocallyConnected2D
    from legacy_conv.layers.merge import Merge, merge
    from legacy_conv.layers.noise import GaussianNoise
    from legacy_conv.layers.normalization import BatchNormalization
    from legacy_conv.layers.pooling import AveragePooling1D, AveragePooling2D
    from legacy_conv.layers.pooling import AveragePooling3D, MaxPooling1D
    from legacy_conv.layers.pooling import MaxPooling2D, MaxPooling3D
    from legacy_conv.layers.separable import SeparableConvolution2D
    from legacy_conv.layers.up_sampling import UpSampling1D, UpSampling2D, UpSampling3D
    from legacy_conv.layers.zero_padding import ZeroPadding1D, ZeroPadding2D, ZeroPadding3D

    from legacy_conv.spec import layers as _spec

    # The Keras 1 layer classes this package has, in the order of their records, and their
    # Keras 1 aliases (Conv2D = Convolution2D, ...).
    LAYERS = tuple(globals()[_name] for _name in _spec.ours())
    globals().update({_alias: globals()[_name] for _alias, _name in _spec.ALIASES.items()})

    __all__ = [cls.__name__ for cls in LAYERS] + list(_spec.ALIASES) + [
        "constraints", "regularizers", "image_dim_ordering",
        "set_image_dim_ordering", "keras1_backend", "set_keras1_backend", "merge",
    ]

    # Keras 1 model files (configs, JSON, YAML, HDF5 models and weights).
    from legacy_conv.errors import ConversionError
    from legacy_conv.loading import convert_config
    from legacy_conv.loading import load_model
    from legacy_conv.loading import load_weights
    from legacy_conv.loading import model_from_json
    from legacy_conv.loading import model_from_yaml

    __all__ += ["ConversionError", "convert_config", "load_model", "load_weights",
                "model_from_json", "model_from_yaml"]

    # Keras 3 wrappers with Keras 1's meaning (what the converter makes of Keras 1's).
    from legacy_conv.convert.recurrent import Keras1Bidirectional
    from legacy_conv.convert.recurrent import Keras1TimeDistributed

    __all__ += ["Keras1Bidirectional", "Keras1TimeDistributed"]

    # Keras 3's ConvLSTM2D with Keras 1's convolutions, and its fresh kernels gate by gate.
    from legacy_conv.layers.conv_recurrent import Keras1ConvGateInitializer
    from legacy_conv.layers.conv_recurrent import Keras1ConvLSTM2D

    __all__ += ["Keras1ConvLSTM2D", "Keras1ConvGateInitializer"]

    # Keras 3's PReLU with Keras 1's gradient at 0.
    from legacy_conv.layers.advanced_activations import Keras1PReLU

    __all__ += ["Keras1PReLU"]

    # From legacy layers to plain Keras 3.
    from legacy_conv.native import modernize

    __all__ += ["modernize"]
