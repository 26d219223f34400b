"""`ConversionError`: everything that can be wrong with a Keras 1 model file or config."""

import math
import reprlib

CLIP = 200  # characters of a file, layer or field name shown in a message


class _Bounded(reprlib.Repr):
    """`reprlib` limits, also for subclasses of the containers and for huge integers
    (whose decimal text Python refuses to build past 4,300 digits)."""

    def __init__(self):
        super().__init__()
        self.maxlevel, self.maxstring, self.maxother, self.maxlong = 3, 120, 80, 40
        self.maxlist = self.maxtuple = self.maxdict = self.maxset = 8

    def repr1(self, x, level):
        for base in (dict, list, tuple, str):
            if isinstance(x, base) and type(x) is not base:
                return getattr(self, f"repr_{base.__name__}")(x, level)
        return super().repr1(x, level)

    def repr_int(self, x, level):
        if abs(x).bit_length() > 128:
            return f"<int of about {int(abs(x).bit_length() * math.log10(2)) + 1} digits>"
        return super().repr_int(x, level)


_BOUNDED = _Bounded()


def shown(value):
    """The repr of `value` for a message, in a bounded time and length whatever its size."""
    return _BOUNDED.repr(value)


def quoted(name):
    """'"name"' for messages, bounded whatever `name` is."""
    return f'"{clip(name if isinstance(name, str) else shown(name))}"'


def layer_label(name, class_name):
    """'"name" (Class)' for messages ('(Class)' without a name), bounded whatever they are."""
    kind = clip(class_name if isinstance(class_name, str) else shown(class_name))
    return f"({kind})" if name is None else f"{quoted(name)} ({kind})"


def clip(text):
    """`text` cut to CLIP characters (with "...") for a message."""
    text = str(text)
    return text if len(text) <= CLIP else text[:CLIP] + "..."


class ConversionError(ValueError):
    """A Keras 1 file or config that cannot be converted.

    The message names the file (where there is one), the layer, the field and the bad
    value (its bounded repr: `shown`); the same facts are kept as attributes for programs.
    """

    def __init__(self, problem, *, file=None, layer=None, field=None, value=None,
                 hint=None, has_value=None):
        self.problem = problem
        self.file = file
        self.layer = layer
        self.field = field
        self.value = value
        self.hint = hint
        self.has_value = value is not None if has_value is None else has_value
        super().__init__(self._message())

    def _message(self):
        parts = []
        if self.file:
            parts.append(f"{clip(self.file)}: ")
        if self.layer:
            parts.append(f"layer {clip(self.layer)}: ")
        if self.field:
            parts.append(f"`{clip(self.field)}` ")
        parts.append(self.problem)
        if self.has_value:
            parts.append(f". Received: {clip(self.field or 'value')}={shown(self.value)}")
        if self.hint:
            parts.append(f". {self.hint}")
        # Text from a file may hold lone surrogates, which no stream could print.
        return "".join(parts).encode("utf-8", "backslashreplace").decode("utf-8")

    def located(self, file=None, layer=None):
        """The same error with a file (and an outer layer) filled in where they are missing."""
        return ConversionError(
            self.problem, file=self.file or file, layer=self.layer or layer, field=self.field,
            value=self.value, hint=self.hint, has_value=self.has_value)
