"""UpSampling1D/2D/3D: repeat each step `size` times (Keras 1's nearest-neighbour resize)."""

from keras.saving import register_keras_serializable

from legacy_conv import _validation
from legacy_conv.layers.base_spatial import _BaseUpSampling

serializable = register_keras_serializable(package="legacy_conv")


@serializable
class UpSampling1D(_BaseUpSampling):
    """Repeats each step of axis 1 `length` times."""

    rank = 1
    arg = "length"

    def __init__(self, length=2, **kwargs):
        super().__init__(length, **kwargs)

    @staticmethod
    def normalize(owner, length):
        return (_validation.check_int(owner, "length", length),)


@serializable
class UpSampling2D(_BaseUpSampling):
    """Repeats rows `size[0]` and columns `size[1]` times."""

    rank = 2
    arg = "size"

    def __init__(self, size=(2, 2), dim_ordering="default", **kwargs):
        super().__init__(size, dim_ordering, **kwargs)

    @staticmethod
    def normalize(owner, size):
        return _validation.check_tuple(owner, "size", size, 2)


@serializable
class UpSampling3D(_BaseUpSampling):
    """Repeats the three spatial axes `size[0]`, `size[1]`, `size[2]` times."""

    rank = 3
    arg = "size"

    def __init__(self, size=(2, 2, 2), dim_ordering="default", **kwargs):
        super().__init__(size, dim_ordering, **kwargs)

    @staticmethod
    def normalize(owner, size):
        return _validation.check_tuple(owner, "size", size, 3)
