"""`ConversionError`: everything that can be wrong with a Keras 1 model file or config."""


class ConversionError(ValueError):
    """A Keras 1 file or config that cannot be converted.

    The message names the file (where there is one), the layer, the field and the bad
    value; the same facts are kept as attributes for programs.
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
            parts.append(f"{self.file}: ")
        if self.layer:
            parts.append(f"layer {self.layer}: ")
        if self.field:
            parts.append(f"`{self.field}` ")
        parts.append(self.problem)
        if self.has_value:
            shown = repr(self.value)
            if len(shown) > 200:
                shown = shown[:200] + "..."
            parts.append(f". Received: {self.field or 'value'}={shown}")
        if self.hint:
            parts.append(f". {self.hint}")
        return "".join(parts)

    def located(self, file=None, layer=None):
        """The same error with a file (and an outer layer) filled in where they are missing."""
        return ConversionError(
            self.problem, file=self.file or file, layer=self.layer or layer, field=self.field,
            value=self.value, hint=self.hint, has_value=self.has_value)
