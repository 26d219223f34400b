"""Cropping1D/2D/3D. `cropping[0]` applies to the first spatial axis (rows), as in Keras
1.2.2's code (its docstring says "(width, height)"). Cropping to zero length is legal."""

from keras.saving import register_keras_serializable

from legacy_conv import _validation
from legacy_conv.layers.base_spatial import _BaseCropping

serializable = register_keras_serializable(package="legacy_conv")


@serializable
class Cropping1D(_BaseCropping):
    """Crops axis 1: `cropping` is (start, end)."""

    rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(cropping, **kwargs)

    @staticmethod
    def normalize(owner, cropping):
        return (_validation.check_tuple(owner, "cropping", cropping, 2, minimum=0),)


@serializable
class Cropping2D(_BaseCropping):
    """Crops rows and columns: `cropping` is ((top, bottom), (left, right))."""

    rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), dim_ordering="default", **kwargs):
        super().__init__(cropping, dim_ordering, **kwargs)

    @staticmethod
    def normalize(owner, cropping):
        return _validation.check_pairs(owner, "cropping", cropping, 2)


@serializable
class Cropping3D(_BaseCropping):
    """Crops the three spatial axes: `cropping` is three (start, end) pairs."""

    rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), dim_ordering="default", **kwargs):
        super().__init__(cropping, dim_ordering, **kwargs)

    @staticmethod
    def normalize(owner, cropping):
        return _validation.check_pairs(owner, "cropping", cropping, 3)
