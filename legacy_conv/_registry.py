"""Keras 1's `get_from_module` for regularizers and constraints, without executing anything."""


def get(kind, table, base, identifier):
    if identifier is None or isinstance(identifier, base):
        return identifier
    known = ", ".join(repr(n) for n in table)
    if isinstance(identifier, str):
        if identifier not in table:
            raise ValueError(f"Unknown Keras 1 {kind} {identifier!r}. Known: {known}")
        return table[identifier]()
    if isinstance(identifier, dict) and identifier.get("name") in table:
        arguments = {k: v for k, v in identifier.items() if k != "name"}
        try:
            return table[identifier["name"]](**arguments)
        except TypeError as error:
            raise ValueError(f"Invalid Keras 1 {kind} config {identifier!r}: {error}") from None
    raise ValueError(
        f"Invalid Keras 1 {kind} {identifier!r}: expected None, a {base.__module__}.{base.__name__}, "
        f"one of the names {known}, or a config dict whose 'name' is one of them"
    )
