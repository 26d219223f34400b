"""`legacy_conv/spec/` is the one place of Keras 1 layer knowledge: its records against Keras
1.2.2's own signatures and Keras 3's, every consumer reading them, and no Keras 1 name table
anywhere else in the package."""

import ast
import inspect
import pathlib
import re

import keras
import pytest

import legacy_conv
from legacy_conv.convert import layer_rules, recurrent, values
from legacy_conv.native import handlers
from legacy_conv.spec import keras1_signatures as k1
from legacy_conv.spec import layers as spec
from legacy_conv.spec import page, weights

ROOT = pathlib.Path(__file__).parent.parent
PACKAGE = ROOT / "legacy_conv"
RECORDS = list(spec.LAYERS.values())
IDS = [layer.name for layer in RECORDS]
# Keys Keras 1's Merge saves in its config besides its arguments.
MERGE_CONFIG_ONLY = {"mode_type", "output_shape_type", "output_mask_type"}
# Value kinds read by this package's own layers, or by the converter itself ('layer').
OUR_KINDS = {"kernel_size", "strides", "dilation_rate", "output_shape", "weights", "function",
             "layer"}
# Keras 3 arguments a built-in takes through **kwargs: every layer's, and LSTM's and GRU's
# `implementation`.
KWARGS = set(inspect.signature(keras.layers.Layer.__init__).parameters) | {"implementation"}


# -- the page -------------------------------------------------------------------------------------
def test_the_supported_layers_page_is_up_to_date():
    written = (ROOT / "migration_guide" / "supported-layers.md").read_text(encoding="utf-8")
    assert written == page.render(), f"regenerate it: {page.COMMAND}"


def test_the_guide_links_the_page():
    assert "(supported-layers.md)" in (ROOT / "migration_guide" / "README.md").read_text()


LAYER_PAGES = sorted((ROOT / "migration_guide" / "layers").glob("*.md"))


@pytest.mark.parametrize("path", LAYER_PAGES, ids=lambda p: p.stem)
def test_a_layer_pages_argument_table_agrees_with_the_record(path):
    """The guide's hand-written layer pages keep their notes; their names follow the records."""
    text = path.read_text(encoding="utf-8")
    layer = spec.LAYERS[text.split("\n", 1)[0].removeprefix("# ")]
    keras3 = set(inspect.signature(getattr(keras.layers, layer.keras3).__init__).parameters)
    table = text.split("## Arguments", 1)[1].split("\n## ", 1)[0]
    for row in (line for line in table.splitlines() if line.startswith("| `")):
        keras1_cell, keras3_cell = (cell.strip() for cell in row.strip("|").split("|")[:2])
        named = set(re.findall(r"`([A-Za-z_]\w*)", keras3_cell)) & keras3
        for key in re.findall(r"`([A-Za-z_]\w*)", keras1_cell):
            assert key in layer.args or key in spec.CONFIG_KEYWORDS, f"{key}: {row}"
            target = layer.args.get(key, (None,))[0]
            targets = {target} if isinstance(target, str) else set(target or ())
            assert not named or not targets or targets & named, f"{key} -> {targets}: {row}"


# -- the records against Keras 1.2.2 --------------------------------------------------------------
def test_one_record_per_public_keras1_class():
    public = set(k1.LAYERS) - set(spec.ALIASES) - set(spec.ABSTRACT) - {"merge"}
    assert set(spec.LAYERS) == public
    assert len(spec.LAYERS) == 64


@pytest.mark.parametrize("alias, name", sorted(spec.ALIASES.items()))
def test_an_alias_has_its_class_signature(alias, name):
    assert k1.LAYERS[alias] == k1.LAYERS[name]


@pytest.mark.parametrize("layer", RECORDS, ids=IDS)
def test_every_keras1_argument_of_a_record_is_keras1s(layer):
    params = {p for p, _ in spec.signature(layer.name)}
    if layer.base:
        params |= {p for p, _ in spec.signature(layer.base)}
    assert set(layer.args) - params <= (MERGE_CONFIG_ONLY if layer.name == "Merge" else set())


@pytest.mark.parametrize("layer", [r for r in RECORDS if r.keras3], ids=lambda r: r.name)
def test_every_keras3_argument_of_a_record_is_keras3s(layer):
    cls = getattr(keras.layers, layer.keras3)
    params = set(inspect.signature(cls.__init__).parameters) | KWARGS
    for target, _ in layer.args.values():
        for key in () if target is None else (target,) if isinstance(target, str) else target:
            assert key in params, f"{layer.name}: {key} is not an argument of {layer.keras3}"
    assert set(layer.fixed) <= params


@pytest.mark.parametrize("layer", RECORDS, ids=IDS)
def test_a_record_is_consistent(layer):
    assert layer.module in page.MODULES
    assert layer.converts in ("ours", "builtin", "graph", None)
    assert layer.converts or layer.why, "an unsupported class says why"
    assert layer.ordered == ("dim_ordering" in dict(spec.signature(layer.name)) | dict(
        spec.signature(layer.base) if layer.base else ()))
    for _, kind in layer.args.values():
        assert kind in set(values.CONVERTERS) | OUR_KINDS, kind
    families = {family for family, _ in weights.KERNEL_LAYOUTS}
    assert {family for _, family in layer.weights if family} <= families
    if layer.legacy_when:
        key, _, backend = layer.legacy_when
        assert key in layer.args and backend in (None, "theano", "tensorflow")


def test_recurrent_defaults_are_keras1s_signatures():
    assert recurrent.keras1_defaults("LSTM")["inner_activation"] == "hard_sigmoid"
    assert recurrent.keras1_defaults("LSTM")["consume_less"] == "cpu"  # Recurrent's
    assert recurrent.keras1_defaults("Bidirectional") == {"merge_mode": "concat"}


# -- every consumer reads the records -------------------------------------------------------------
def test_every_class_we_export_has_a_record_and_every_record_of_ours_a_class():
    assert [cls.__name__ for cls in legacy_conv.LAYERS] == list(spec.ours())
    for name in spec.ours():
        cls = keras.saving.get_registered_object(f"legacy_conv>{name}")
        assert cls is getattr(legacy_conv, name)
        backend = "keras1_backend" in inspect.signature(cls.__init__).parameters
        assert backend == bool(spec.LAYERS[name].backend), name
        assert getattr(cls, "family", None) in (None,) + tuple(
            family for _, family in spec.LAYERS[name].weights)
    for alias, name in spec.ALIASES.items():
        assert getattr(legacy_conv, alias) is getattr(legacy_conv, name)
        assert alias in legacy_conv.__all__


def test_every_handler_key_comes_from_a_record():
    ours = {f"legacy_conv>{name}" for name in spec.ours()}
    subclasses = {f"legacy_conv>{cls.__name__}" for cls in layer_rules.SUBCLASSES.values()}
    for key in handlers.HANDLERS:
        if key.startswith("legacy_conv>"):
            assert key in ours | subclasses, key
        else:  # a Keras 3 built-in of any Keras 3 model
            assert inspect.isclass(getattr(keras.layers, key, None)), key
    assert ours <= set(handlers.HANDLERS), sorted(ours - set(handlers.HANDLERS))


def test_every_layer_rule_comes_from_a_record():
    assert set(layer_rules.RULES) == set(spec.converted("builtin"))
    for name, rule in layer_rules.RULES.items():
        layer = spec.LAYERS[name]
        assert rule.keras3 == layer.keras3 and rule.fixed == layer.fixed
        extra = {"Bidirectional": {"backward_layer"},  # see recurrent.py, conv_recurrent.py
                 "ConvLSTM2D": {"kernel_size", "keras1_backend"}}.get(name, set())
        assert set(rule.args) - set(layer.args) == extra
    assert set(layer_rules.OURS) == set(spec.converted("ours"))
    assert set(layer_rules.LEGACY_WHEN) <= set(spec.ours())


# A class no record converts yet (none, once every Keras 1 class is), and an abstract one.
UNCONVERTED = sorted(n for n, layer in spec.LAYERS.items() if not layer.converts)[:1]


def test_an_unconverted_class_is_refused_with_its_records_reason():
    names = UNCONVERTED + ["Wrapper"]
    config = {"class_name": "Sequential", "config": [
        {"class_name": n, "config": {"name": n.lower(), "input_dim": 3}} for n in names]}
    with pytest.raises(legacy_conv.ConversionError) as error:
        legacy_conv.convert_config(config)
    message = str(error.value)
    assert ", ".join(f'{n} (layer "{n.lower()}")' for n in names) in message
    for n in UNCONVERTED:
        assert f'{n}: {spec.LAYERS[n].why}. ' in message
    assert f'Wrapper: {spec.ABSTRACT["Wrapper"]}, no layer by itself. ' in message
    assert "migration_guide/supported-layers.md" in message


# -- no Keras 1 name table outside spec/ ----------------------------------------------------------
KERAS3_LAYERS = {n for n in dir(keras.layers) if inspect.isclass(getattr(keras.layers, n))}
KERAS1_CLASSES = set(k1.LAYERS) - {"merge"}
# Argument names only Keras 1 used (no Keras 3 layer takes them).
KERAS3_ARGUMENTS = {p for n in KERAS3_LAYERS
                    for p in inspect.signature(getattr(keras.layers, n).__init__).parameters}
KERAS1_ONLY_ARGUMENTS = {p for params, _, inherited in k1.LAYERS.values()
                         for p in [p for p, _ in params] + list(inherited)} - KERAS3_ARGUMENTS
# (module, the table's first line): why it is no table of Keras 1 names.
ALLOWED = {
    ("legacy_conv/layers/convolution.py", "kernel_args"):
        "Convolution3D's own signature: which of its arguments give the kernel size",
    ("legacy_conv/layers/merge.py", "get_config()"):
        "the layer's config, in the Keras 1 vocabulary Keras 1's Merge.get_config saved",
}


def _tables(path):
    """(line, first assigned name or '', names) of each literal holding Keras 1 names."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    owners = {}  # a literal's owner: the name it is assigned to, else its function
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            name = next((t.id for t in targets if isinstance(t, ast.Name)), "")
            for inner in ast.walk(node.value):
                owners.setdefault(id(inner), name)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for inner in ast.walk(node):
                owners.setdefault(id(inner), f"{node.name}()")
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            items = [k for k in node.keys if k is not None] + node.values
        elif isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            items = node.elts
        else:
            continue
        strings = {i.value for i in items if isinstance(i, ast.Constant)
                   and isinstance(i.value, str)}
        classes = strings & KERAS1_CLASSES
        keras1_only = strings & KERAS1_ONLY_ARGUMENTS
        if (len(classes) >= 3 and classes - KERAS3_LAYERS) or len(keras1_only) >= 3:
            yield node.lineno, owners.get(id(node), ""), sorted(classes | keras1_only)


def test_no_module_outside_spec_holds_a_keras1_name_table():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith("legacy_conv/spec/"):
            continue
        for line, owner, names in _tables(path):
            if (relative, owner) not in ALLOWED:
                found.append(f"{relative}:{line} {owner or '<literal>'}: {names}")
    assert not found, "Keras 1 names belong in legacy_conv/spec/:\n" + "\n".join(found)


def test_the_table_finder_finds_tables(tmp_path):
    module = tmp_path / "m.py"
    module.write_text('A = ("Convolution2D", "AtrousConvolution2D", "Deconvolution2D")\n'
                      'B = {"W_regularizer": 1, "nb_filter": 2, "border_mode": 3}\n'
                      'C = ("Dense", "Dropout", "Flatten")  # Keras 3 names too\n')
    assert [owner for _, owner, _ in _tables(module)] == ["A", "B"]


def test_the_legacy_subclasses_are_the_records():
    from legacy_conv.convert import layer_rules
    assert {name: cls.__name__ for name, cls in layer_rules.SUBCLASSES.items()} == {
        name: layer.subclass[0] for name, layer in spec.LAYERS.items() if layer.subclass}
