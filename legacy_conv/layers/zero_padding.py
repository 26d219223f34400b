"""ZeroPadding1D/2D/3D with every padding form Keras 1.2.2 accepted."""

from keras.saving import register_keras_serializable

from legacy_conv import _validation
from legacy_conv.layers.base_spatial import _BaseZeroPadding

serializable = register_keras_serializable(package="legacy_conv")


@serializable
class ZeroPadding1D(_BaseZeroPadding):
    """Pads axis 1: `padding` is an int, a (left, right) tuple or a dict with
    'left_pad'/'right_pad'."""

    rank = 1

    def __init__(self, padding=1, **kwargs):
        super().__init__(padding, **kwargs)

    @staticmethod
    def normalize(owner, padding):
        if isinstance(padding, dict):
            _validation.check_dict_keys(owner, "padding", padding, ("left_pad", "right_pad"))
            return ((padding.get("left_pad", 0), padding.get("right_pad", 0)),)
        if _validation.is_int(padding):
            padding = (padding, padding)
        return (_validation.check_tuple(owner, "padding", padding, 2, minimum=0),)


@serializable
class ZeroPadding2D(_BaseZeroPadding):
    """Pads rows and columns: `padding` is (rows, cols), (top, bottom, left, right) or a dict
    with 'top_pad', 'bottom_pad', 'left_pad', 'right_pad'."""

    rank = 2

    def __init__(self, padding=(1, 1), dim_ordering="default", **kwargs):
        super().__init__(padding, dim_ordering, **kwargs)

    @staticmethod
    def normalize(owner, padding):
        keys = ("top_pad", "bottom_pad", "left_pad", "right_pad")
        if isinstance(padding, dict):
            _validation.check_dict_keys(owner, "padding", padding, keys)
            top, bottom, left, right = (padding.get(k, 0) for k in keys)
        elif isinstance(padding, (tuple, list)) and len(padding) == 4:
            top, bottom, left, right = _validation.check_tuple(owner, "padding", padding, 4, 0)
        else:
            if isinstance(padding, (tuple, list)) and len(padding) not in (2, 4):
                raise _validation.argument_error(
                    owner, "padding", padding,
                    "must be a tuple of 2 (rows, cols) or 4 (top, bottom, left, right) "
                    "non-negative integers, or a dict")
            (top, left) = _validation.check_tuple(owner, "padding", padding, 2, 0)
            bottom, right = top, left
        return ((top, bottom), (left, right))


@serializable
class ZeroPadding3D(_BaseZeroPadding):
    """Pads the three spatial axes symmetrically: `padding` is a 3-tuple."""

    rank = 3

    def __init__(self, padding=(1, 1, 1), dim_ordering="default", **kwargs):
        super().__init__(padding, dim_ordering, **kwargs)

    @staticmethod
    def normalize(owner, padding):
        return tuple((p, p) for p in _validation.check_tuple(owner, "padding", padding, 3, 0))
