"""Keras 3 as the migration reads it, from the generated `spec.keras3_facts` (no TensorFlow):
its layer classes and their positional parameters, which dotted names it has, its helpers'
signatures and its optimizers' defaults."""

import functools
import importlib
import inspect

from legacy_conv.spec import keras3_facts as facts

# keras.layers' classes: the name each is exported under -> its class's own name.
LAYER_CLASSES = {name: entry[0] for name, entry in facts.LAYERS.items() if entry is not None}


def positional(name):
    """Keras 3's parameters of layer class `name` that a call may give by position:
    ((parameter, has a default), ...)."""
    return tuple((p.rstrip("="), p.endswith("=")) for p in facts.LAYERS[name][1])


def has(qualified):
    """Whether Keras 3 has the dotted name (a module, or an attribute of one), as
    importing it would say."""
    parts = qualified.split(".")
    for index in range(len(parts), 0, -1):
        names = facts.MODULES.get(".".join(parts[:index]))
        if names is None:
            continue
        rest = parts[index:]
        if not rest:
            return True
        if rest[0].startswith("_") or len(rest) > 1 and rest[0] in names:
            break  # private names, attributes of attributes: asked of Keras itself
        return rest[0] in names
    return _has_live(qualified)


def _has_live(qualified):
    parts = qualified.split(".")
    for index in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:index]))
        except ImportError:
            continue
        for part in parts[index:]:
            if not hasattr(obj, part):
                return False
            obj = getattr(obj, part)
        return True
    return False


@functools.lru_cache(maxsize=None)
def helper_signature(module, name):
    """The `inspect.Signature` of Keras 3's helper `module.name` (keras.regularizers,
    keras.constraints), its defaults stood in for (binding reads only their presence)."""
    params = [inspect.Parameter(p, getattr(inspect.Parameter, kind),
                                default=None if has_default else inspect.Parameter.empty)
              for p, kind, has_default in facts.HELPERS[module][name]]
    return inspect.Signature(params)


def helper_names(module):
    """The public names of Keras 3's `module`."""
    return frozenset(facts.MODULES.get(module, ()))


def optimizer_defaults(name):
    """{'learning_rate': ..., 'epsilon': ...} of Keras 3's optimizer `name` made with no
    arguments (its `get_config()`'s; a key it lacks is left out)."""
    rate, epsilon = facts.OPTIMIZERS[name]
    return {k: v for k, v in (("learning_rate", rate), ("epsilon", epsilon)) if v is not None}
