"""A Keras 1 layer call → the Keras 3 call with the same meaning, proven by the converter.

The engine runs in a fixed order:

1. `bind`: the call's arguments to Keras 1's signature (`rules.keras1_params`), positional
   ones by name; too many positional arguments or an unknown keyword is not a Keras 1 call.
2. `PRECHECKS`: what is decided before converting, each a small named rule (weights=,
   Theano's flipped kernels, `dim_ordering='default'`).
3. `probe.probe`: the Keras 1 layer config the arguments make is converted by
   `legacy_conv.convert` several times, with the source's expressions replaced by
   placeholders and the open input shape by different shapes; an expression is carried
   through where its placeholder lands unchanged, the call converts only where nothing else
   changes (see `probe`).
4. `arguments.render`: the Keras 3 call's arguments.

Anything else raises `Refusal(reason)`; the caller keeps the call and reports the reason.
`merge()` and `Merge` map onto Keras 3's merge layers through `spec.merge.KERAS3`.
"""

from collections import namedtuple

import libcst as cst

from legacy_conv import _startup
from legacy_conv.migration import arguments
from legacy_conv.spec import keras1_signatures as k1
from legacy_conv.spec import layers as spec
from legacy_conv.migration import probe
from legacy_conv.migration import rules
from legacy_conv.migration.arguments import Translation
from legacy_conv.migration.evaluate import is_known
from legacy_conv.migration.probe import NotKeras1
from legacy_conv.migration.probe import Refusal
from legacy_conv.migration.probe import Settings
from legacy_conv.migration.probe import TooManyPositional
from legacy_conv.spec import merge as merge_spec


class Unchanged(Refusal):
    """A call that needs no rewrite and no report line (e.g. TimeDistributed(...): the
    layer inside is migrated on its own)."""

# Our convolutions: Theano flipped their kernels.
CONV_KERNELS = spec.ours("conv", "separable", "deconv")
WRAPPERS = tuple(n for n, layer in spec.LAYERS.items() if layer.base == "Wrapper")
# Merge's arguments that Keras 3's merge layers lack (`layers` is a precheck's).
MERGE_ONLY = tuple(p for p, _ in spec.signature("Merge") if p not in (
    "layers", "mode", "concat_axis", "name"))

# param: Keras 1 name; node: the argument's expression; value: its static value;
# keyword: whether given by keyword; index: its position in the call.
Arg = namedtuple("Arg", "param node value keyword index")


# -- 1. binding ----------------------------------------------------------------------------------
def bind(name, call, evaluator):
    """{Keras 1 parameter: Arg}, in the call's order; raises NotKeras1 or Refusal."""
    params = [p for p, _ in rules.keras1_params(name)]
    allowed = set(params) | set(rules.package_params(name))
    if name in k1.LAYERS and rules.takes_layer_kwargs(name):
        allowed |= set(rules.LAYER_KWARGS) | set(rules.INPUT_SHAPE_ARGS.get(name, ())) | \
            set(rules.inherited_keywords(name))
    bound = {}
    for index, arg in enumerate(call.args):
        if arg.star:
            raise Refusal(f"(Manual check required) it passes {arg.star}{_code(arg.value)}, "
                          "whose arguments are not known before it runs")
        if arg.keyword is None:
            if index >= len(params):
                count = sum(a.keyword is None for a in call.args)
                raise TooManyPositional(f"{count} positional arguments; Keras 1's {name} "
                                        f"takes at most {len(params)}")
            param = params[index]
        else:
            param = arg.keyword.value
            if param not in allowed:
                raise NotKeras1(f"`{param}` is not an argument of Keras 1's {name}")
        if param in bound:
            raise NotKeras1(f"`{param}` is given twice")
        bound[param] = Arg(param, arg.value, evaluator.value(arg.value),
                           arg.keyword is not None, index)
    missing = [p for p, default in rules.keras1_params(name)
               if default == rules.REQUIRED and p not in bound]
    if missing:
        raise NotKeras1(f"Keras 1's {name} needs {', '.join(missing)}")
    return bound


def binds(name, call, evaluator):
    """Whether the call is a Keras 1 call of `name` (its arguments bind)."""
    try:
        bind(name, call, evaluator)
    except NotKeras1:
        return False
    except Refusal:
        return True
    return True


# -- 2. prechecks -------------------------------------------------------------------------------
def _weights(name, bound, settings):
    if "weights" in bound and not (is_known(bound["weights"].value) and
                                   bound["weights"].value is None):
        return ("weights= holds arrays in Keras 1's layout, and Keras 3's layers take no "
                "weights argument (set them after building the model)")


def _theano_kernels(name, bound, settings):
    if name in CONV_KERNELS and _backend(bound, settings) == "theano":
        return ("Keras 1 backend 'theano': its convolution flips the kernel, so the Keras 1 "
                "weights of this layer give other numbers in Keras 3's convolution")


def _default_ordering(name, bound, settings):
    if "dim_ordering" not in dict(rules.keras1_params(name)):
        return None
    arg = bound.get("dim_ordering")
    if (arg is None or arg.value == "default") and settings.image_dim_ordering is None:
        return ("dim_ordering='default' follows keras.json's image_dim_ordering, which the "
                "code does not state: pass --image-dim-ordering th (or tf)")


def _merged_models(name, bound, settings):
    if name == "Merge" and "layers" in bound and bound["layers"].value is not None:
        return ("Merge of models (layers=...): Keras 3 has no layer that merges models; "
                "rebuild it with the functional API")


def _inputs_dtype(name, bound, settings):
    arg = bound.get("input_dtype")
    if arg is not None and arg.value not in ("float32", None):
        return (f"input_dtype={_code(arg.node)}: Keras 3 layers take no input dtype (give "
                "it to keras.Input(dtype=...))")


PRECHECKS = (_weights, _theano_kernels, _default_ordering, _merged_models, _inputs_dtype)


def _backend(bound, settings):
    arg = bound.get("keras1_backend")
    if arg is not None and arg.value is not None:
        if not isinstance(arg.value, str):
            raise Refusal(f"keras1_backend={_code(arg.node)} is not a literal")
        return arg.value
    return settings.keras1_backend


# -- 3. probing ---------------------------------------------------------------------------------
def translate(name, call, evaluator, settings, target="native"):
    """The `Translation` of a Keras 1 layer call (`name`: its Keras 1 name), or Refusal.

    For Keras 1 layers this package does not have (Dense, LSTM, ...), where no call of
    Keras 3 built-ins alone is exact, the call falls back on a Keras 3 layer with this
    package's initializers, regularizers and activations (the converter's legacy target),
    with a note: left as it was, the Keras 1 call would mean something else in Keras 3.
    `target` is the mode ('legacy' or 'native'); both fall back.
    """
    _startup.import_package()  # Keras and the converter: `--to legacy` starts without them
    name = rules.canonical(name)
    bound = bind(name, call, evaluator)
    for check in PRECHECKS:
        reason = check(name, bound, settings)
        if reason:
            raise Refusal(reason)
    if name in ("merge", "Merge"):
        return _merge(name, bound)
    if name == "Bidirectional" and _may_return_sequences(bound["layer"].node, evaluator):
        return _keras1_bidirectional(bound)
    if name in WRAPPERS:
        raise Unchanged("a wrapper: the layer it wraps is migrated on its own")
    settings = Settings(_backend(bound, settings), settings.image_dim_ordering)
    try:
        return _translate(name, bound, settings, "native")
    except Refusal as refusal:
        if name in rules.LEGACY_LAYERS:
            raise  # kept: legacy_conv's layer is exact
        try:
            fallback = _translate(name, bound, settings, "legacy")
        except Refusal:
            raise refusal from None
        if target == "legacy":
            return fallback
        return fallback._replace(notes=fallback.notes + [
            f"with legacy_conv's objects: no Keras 3 built-in alone is exact ({refusal})"])


def _translate(name, bound, settings, target):
    leaves = [leaf for arg in bound.values() if arg.param not in probe.passed_through(name)
              for leaf in probe.leaves(arg.param, arg.node, arg.value, owner=arg.param)]
    unknown = [leaf for leaf in leaves if leaf.kind is None and not is_known(leaf.value)]
    if unknown:
        leaf = unknown[0]
        raise Refusal(f"`{leaf.param}` is {_code(leaf.node)}, whose value decides the Keras 3 "
                      "call and is not known before the code runs")
    carry = [leaf for leaf in leaves if leaf.kind is not None]
    try:
        form, carried = probe.probe(name, bound, settings, target, carry)
    except probe.ProbeFailed:  # a placeholder broke the call: carry only unknown values
        unknown = [leaf for leaf in carry if not is_known(leaf.value)]
        form, carried = probe.probe(name, bound, settings, target, unknown)
    try:
        return arguments.keras3_call(name, bound, form, carried, settings)
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise Refusal(f"its Keras 3 form cannot be written as source ({error})") from None


# -- Bidirectional -----------------------------------------------------------------------------
# Keras 1's Bidirectional, where it returns sequences: at a masked step Keras 1 output the
# previous step's output, Keras 3's Bidirectional zeros (the converter's subclass keeps Keras 1's).
KERAS1_BIDIRECTIONAL = "legacy_conv.Keras1Bidirectional"
BIDIRECTIONAL_NOTE = ("Keras 3's Bidirectional outputs zeros at masked steps of the sequences "
                      "it returns, where Keras 1 repeated the previous step's output; "
                      "legacy_conv.Keras1Bidirectional keeps Keras 1's (Keras 3's "
                      "Bidirectional is exact where the input has no mask)")


def _may_return_sequences(node, evaluator):
    """Whether the wrapped layer's call may say return_sequences=True (a keyword in Keras 1:
    the recurrent layers took it through **kwargs); a layer not made in the call may."""
    if not isinstance(node, cst.Call):
        return True
    for arg in node.args:
        if arg.star:
            return True
        if arg.keyword is not None and arg.keyword.value == "return_sequences":
            value = evaluator.value(arg.value)
            return not is_known(value) or bool(value)
    return False


def _keras1_bidirectional(bound):
    args = [(arg.param if arg.keyword else None, arg.node, (arg.index,))
            for arg in bound.values()]
    return Translation(KERAS1_BIDIRECTIONAL, args, None, [BIDIRECTIONAL_NOTE],
                       frozenset({"legacy_conv"}))


# -- merge ---------------------------------------------------------------------------------------
def _merge(name, bound):
    mode = bound["mode"].value if "mode" in bound else merge_spec.DEFAULT
    if not isinstance(mode, str):
        raise Refusal("mode is not a literal string (a Python function, or an expression)")
    if not merge_spec.KERAS3.get(mode):
        raise Refusal(f"mode={mode!r}: Keras 1's batch_dot and cosine depend on the inputs' "
                      "ranks and backend, which the call does not state; kept as legacy_conv's")
    for param in MERGE_ONLY:
        if param in bound and not (is_known(bound[param].value) and bound[param].value in (
                None, -1)):
            raise Refusal(f"{param}= has no Keras 3 counterpart")
    layer, extra = merge_spec.KERAS3[mode]
    args = []
    for k3, k1_name in extra.items():
        if k1_name in bound:
            args.append((k3, bound[k1_name].node, (bound[k1_name].index,)))
        else:
            args.append((k3, cst.parse_expression("-1"), ()))
    if "name" in bound:
        args.append(("name", bound["name"].node, (bound["name"].index,)))
    inputs = bound["inputs"].node if name == "merge" else None
    return Translation(layer, args, inputs, [])




def _code(node):
    return cst.Module([]).code_for_node(node)
