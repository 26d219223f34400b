"""`--custom-objects FILE.py`: the user's own Python file, run as such; its top-level names
(and the entries of a top-level dict `custom_objects`, for keys that are no Python name,
e.g. '<lambda>') are the `custom_objects` of the conversion. Also the one place that turns
the Python API's advice (`custom_objects=`, `keep_legacy=True`) into command-line options.
"""

import ast
import os
import re
import runpy
import types

from legacy_conv.cli.errors import CliError
from legacy_conv.errors import ConversionError

OPTION = "--custom-objects"
HELP = ("a Python file of yours whose top-level names (functions, lambdas, Keras 3 layer "
        "classes; or a dict named custom_objects) stand for the functions and layers the "
        "Keras 1 file names, e.g. lambda_1 = lambda x: x / 127.5 - 1.0. It is run as Python "
        "code, with your rights: give only your own files. Repeatable")
PAGE = ("migration_guide/supported-layers.md (in the legacy_conv source; `python -m "
        "legacy_conv.spec.page` prints it)")


def load(paths):
    """{name: object} from the files `paths`, run in order (later names win)."""
    found = {}
    for path in paths or ():
        if not os.path.exists(path):
            raise CliError(f"{path}: no such file ({OPTION})")
        if not os.path.isfile(path):  # a folder, a FIFO (runpy would wait on it), a device
            raise CliError(f"{path}: is not a regular file ({OPTION} must be a Python file)")
        try:
            namespace = runpy.run_path(path, run_name="__legacy_conv_custom_objects__")
        except Exception as error:  # noqa: BLE001 — the user's code may raise anything
            text = " ".join(str(error).split())
            raise CliError(f"{path}: running it ({OPTION}) raised {type(error).__name__}"
                           f"{': ' + text if text else ''}") from None
        found.update({name: value for name, value in namespace.items()
                      if not name.startswith("__") and name != "custom_objects"
                      and not isinstance(value, types.ModuleType)})
        extra = namespace.get("custom_objects")
        if extra is not None and not isinstance(extra, dict):
            raise CliError(f"{path}: `custom_objects` must be a dict ({OPTION}). Received: "
                           f"{type(extra).__name__}")
        found.update(extra or {})
    return found


# `custom_objects={KEY: WHAT}` in the Python API's hints.
_API_HINT = re.compile(r"custom_objects=\{(.+?): ([^{}]+)\}")


def _option(match):
    key, what = match.group(1), match.group(2).strip()
    try:
        name = ast.literal_eval(key)
    except (ValueError, SyntaxError):
        name = None
    if isinstance(name, str) and name.isidentifier():
        defines = f"{name} = {what}"
    else:
        defines = f"custom_objects = {{{key}: {what}}}"
    return f"{OPTION} FILE.py, a Python file of yours that defines `{defines}`"


def for_command_line(error):
    """`error` with its advice for the Python API given as command-line options, and the
    supported-layers page named so that it can be found from an installed package."""
    if not isinstance(error, ConversionError) or not error.hint:
        return error
    from legacy_conv.native.converter import KEEP_HINT  # Keras: imported when needed
    hint = error.hint
    if hint == KEEP_HINT:
        hint = (f"What every Keras 1 class becomes natively: {PAGE}. Pass --keep-legacy "
                "to keep legacy_conv's exact layer there")
    hint = _API_HINT.sub(_option, hint)
    hint = hint.replace("migration_guide/supported-layers.md", PAGE) if PAGE not in hint \
        else hint
    if hint == error.hint:
        return error
    return ConversionError(error.problem, file=error.file, layer=error.layer,
                           field=error.field, value=error.value, has_value=error.has_value,
                           hint=hint)
