"""Hostile Keras 1 configs (issue 12, items 4, 5 and 8): bounded parsing, only
`ConversionError`s, and no serialized code reaching Keras.

Every input is made here from a small valid config under `fixtures/`. The bombs run in one
fresh process (`_limits.bounded`), each timed on its own; the property tests mutate the real
configs (JSON values and YAML text) and require a conversion or a `ConversionError`.
"""

import copy
import json
import warnings
import math

import h5py
import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

import _fixtures
import legacy_conv
from legacy_conv.convert import model_config
from legacy_conv.load import compile as compile_step
from legacy_conv.errors import ConversionError
from tests._limits import bounded

CLI = _fixtures.CLI / "tensorflow"
SETTINGS = dict(deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))


def _h5_config(path):
    with h5py.File(path, "r") as f:
        training_config = f.attrs.get("training_config")
        return json.loads(f.attrs["model_config"]), training_config and json.loads(
            training_config)


SOURCES = sorted(_fixtures.CLI.glob("*/*.json")) + sorted(_fixtures.CONFIGS.glob("*/*.json"))
CONFIGS = [json.loads(p.read_text()) for p in SOURCES if "manifest" not in p.name and
           "generated" not in p.name and isinstance(json.loads(p.read_text()), dict) and
           "class_name" in json.loads(p.read_text())]
H5 = [_h5_config(CLI / name) for name in ("seq.h5", "func.h5", "keep.h5")]
CONFIGS += [config for config, _ in H5]
TRAINING = [training_config for _, training_config in H5 if training_config]
YAMLS = [(CLI / f"{name}.yaml").read_text() for name in ("seq", "func", "keep")]
SEQ = json.loads((CLI / "seq.json").read_text())


def _seq_with(**changes):
    """seq.json with changes to its Dense layer's config."""
    config = copy.deepcopy(SEQ)
    config["config"][-1]["config"].update(changes)
    return config


# -- 4. bounded parsing: bombs, in one bounded process, each timed -----------------------
BOMBS_SETUP = f"""
import copy, json, time
import legacy_conv
from legacy_conv.errors import ConversionError
SEQ_TEXT = {(CLI / "seq.json").read_text()!r}
SEQ_YAML = {(CLI / "seq.yaml").read_text()!r}
SEQ = json.loads(SEQ_TEXT)
laughs = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\\n'
for prev, n in zip("abcdefgh", "bcdefghi"):
    laughs += n + ": &" + n + " [" + ",".join(["*" + prev] * 9) + "]\\n"

def nested_sequential(depth):
    config = copy.deepcopy(SEQ)
    for _ in range(depth):
        config = {{"class_name": "Sequential",
                  "config": [{{"class_name": "Sequential", "config": config["config"]}}]}}
    return config

def deep_value(depth):
    value = []
    for _ in range(depth):
        value = [value]
    return value

CASES = {{
    "billion_laughs_yaml": lambda: legacy_conv.model_from_yaml(laughs),
    "billion_laughs_in_a_model": lambda: legacy_conv.model_from_yaml(
        SEQ_YAML.replace("keras_version: 1.2.2", laughs.replace("a:", "lol:", 1))),
    "yaml_nested_100000_deep": lambda: legacy_conv.model_from_yaml(
        "class_name: Sequential\\nconfig: " + "[" * 100000),
    "json_nested_100000_deep": lambda: legacy_conv.convert_config(
        '{{"class_name": "Sequential", "config": ' + "[" * 100000 + "]" * 100000 + "}}"),
    "sequential_nested_300_deep": lambda: legacy_conv.model_from_json(
        json.dumps(nested_sequential(300))),
    "dict_nested_100000_deep": lambda: legacy_conv.convert_config(
        dict(SEQ, config=deep_value(100000))),
    "int_of_5000_digits_json": lambda: legacy_conv.convert_config(
        SEQ_TEXT.replace('"output_dim": 4', '"output_dim": ' + "9" * 5000)),
    "int_of_5000_digits_yaml": lambda: legacy_conv.model_from_yaml(
        SEQ_YAML.replace("output_dim: 4", "output_dim: " + "9" * 5000)),
    "int_of_5000_digits_dict": lambda: legacy_conv.convert_config(json.loads(
        SEQ_TEXT.replace('"output_dim": 4', '"output_dim": 7')) | {{"x": 10 ** 5000}}),
    "lone_surrogate_name": lambda: legacy_conv.model_from_json(
        SEQ_TEXT.replace('"dense"', '"\\\\ud800"')),
    "name_of_5_MB": lambda: legacy_conv.model_from_json(
        SEQ_TEXT.replace('"dense"', '"' + "d" * 5_000_000 + '"')),
    "list_of_a_million_as_a_value": lambda: legacy_conv.convert_config(json.loads(
        SEQ_TEXT.replace('"output_dim": 4', '"output_dim": [' + "1," * 499_999 + "1]"))),
    "error_message_of_a_huge_value": lambda: (_ for _ in ()).throw(ConversionError(
        "is bad", field="x", value=[deep_value(50_000)] + list(range(10 ** 6)))),
}}
"""

BOMBS_BODY = """
results = {}
for name, case in CASES.items():
    start = time.perf_counter()
    try:
        case()
        error = None
    except BaseException as e:
        error = [type(e).__name__, str(e)]
    results[name] = {"error": error, "elapsed": time.perf_counter() - start}
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def bombs():
    outcome = bounded(BOMBS_SETUP, BOMBS_BODY, seconds=120, megabytes=3000)
    assert outcome.returncode == 0 and outcome.error is None, outcome
    return json.loads(outcome.stdout.strip().splitlines()[-1]), outcome


BOMBS = {  # case -> words of its message
    "billion_laughs_yaml": ("yaml", "more than 1,000,000 values", "aliases expanded"),
    "billion_laughs_in_a_model": ("yaml", "aliases expanded"),
    "yaml_nested_100000_deep": ("yaml", f"more than {model_config.MAX_DEPTH} levels deep"),
    "json_nested_100000_deep": ("config", "not a Keras 1 JSON config", "deeper than"),
    "sequential_nested_300_deep": ("config.config[0].config[0]", "levels deep"),
    "dict_nested_100000_deep": ("config.config[0][0]", "levels deep"),
    "int_of_5000_digits_json": ("config", "4300 digits"),
    "int_of_5000_digits_yaml": ("yaml", "4300 digits"),
    "int_of_5000_digits_dict": ("`config.x`", "integer of 16610 bits", "<int of about"),
    "lone_surrogate_name": ('layer "\\ud800" (Dense)', "config.config[3].config.name",
                            "lone surrogate"),
    "name_of_5_MB": ("config.config[3].config.name", "5,000,000 characters", "65,536"),
    "list_of_a_million_as_a_value": ("layer \"dense\" (Dense)", "output_dim",
                                     "[1, 1, 1, 1, 1, 1, 1, 1, ...]"),
    "error_message_of_a_huge_value": ("Received: x=[[[[...]]], 0, 1, 2, 3, 4, 5, 6, ...]",),
}


@pytest.mark.subprocess
@pytest.mark.parametrize("case", sorted(BOMBS))
def test_bombs_fail_fast_with_a_short_conversion_error(bombs, case):
    results, outcome = bombs
    result = results[case]
    assert result["error"] is not None and result["error"][0] == "ConversionError", result
    message = result["error"][1]
    assert all(word in message for word in BOMBS[case]), message
    assert len(message) < 1000 and message.isprintable()
    assert result["elapsed"] < 1.0, result
    # The whole process (TensorFlow's import included, ~700 MB) stayed small: no bomb
    # allocated anything of its size.
    assert outcome.peak_mb < 1500, outcome


# -- 5. every failure is a ConversionError: cases found by fuzzing, by hand ---------------
@pytest.mark.parametrize("config, words", [
    pytest.param(_seq_with(name={"a": 1}), ('layer "{\'a\': 1}" (Dense)', "`name`"),
                 id="dict-name"),
    pytest.param(dict(SEQ, config=[dict(SEQ["config"][0], class_name={"a": 1})]),
                 ("cannot be converted: {'a': 1} (layer \"conv\")",), id="dict-class-name"),
    pytest.param(dict(SEQ, config=[{"class_name": "TimeDistributed", "config": {
        "name": "td", "layer": {"class_name": {"x": 1}, "config": {}}}}]),
        ("cannot be converted: {'x': 1}",), id="dict-class-name-in-timedistributed"),
    pytest.param(dict(SEQ, config=[{"class_name": "Lambda", "config": {
        "name": {"a": 1}, "function": {"b": 2}, "function_type": "function"}}]),
        ("(Lambda)", "function"), id="dict-lambda-name"),
    pytest.param(dict(SEQ, config="layers"), ("Sequential config",), id="layers-not-list"),
    pytest.param(dict(SEQ, config=[1]), ("Sequential layer #0",), id="layer-not-dict"),
    pytest.param(dict(SEQ, config=[dict(SEQ["config"][0], config=[1])]),
                 ("(Convolution2D)", "`config`"), id="config-not-dict"),
    pytest.param({"class_name": "Sequential", "config": SEQ["config"], 1: 2},
                 ("has a key that is not a string",), id="int-key"),
    pytest.param(dict(SEQ, keras_version=b"1.2.2"), ("keras_version", "is a bytes"),
                 id="bytes-value"),
])
def test_ill_typed_configs(config, words):
    with pytest.raises(ConversionError) as info:
        legacy_conv.convert_config(config)
    assert all(word in str(info.value) for word in words), str(info.value)


def test_malformed_inbound_nodes():
    config = json.loads((CLI / "func.json").read_text())
    for nodes, words in ((5, "must be a list of nodes"), ([5], "non-empty list of inputs"),
                         ([[["pad", "x", 0]]], "[layer_name, node_index, tensor_index]"),
                         ([[[{"a": 1}, 0, 0]]], "[layer_name, node_index, tensor_index]")):
        config["config"]["layers"][1]["inbound_nodes"] = nodes
        with pytest.raises(ConversionError, match="inbound_nodes") as info:
            legacy_conv.convert_config(config)
        assert words in str(info.value)


@pytest.mark.parametrize("tag, words", [
    ("!!python/object/apply:numpy.core.multiarray.scalar [1, 2]", "unsupported numpy scalar"),
    ("!!python/object/apply:numpy.core.multiarray.scalar [1, 2, 3]",
     "unsupported numpy scalar"),
    ("!!python/object/apply:numpy.core.multiarray.scalar x", "expected a sequence node"),
    ("!!python/object/apply:numpy.core.multiarray.scalar [!!python/object/apply:numpy.dtype "
     "{args: [O8]}, !!binary AAAAAAAAAAA=]", "dtype 'O8'"),
    ("!!python/object/apply:numpy.core.multiarray.scalar [!!python/object/apply:numpy.dtype "
     "{args: 5}, !!binary AAAAAAAAAAA=]", "dtype None"),
    ("!!python/object/apply:numpy.core.multiarray.scalar [!!python/object/apply:numpy.dtype "
     "{args: [f8]}, !!binary AAAA]", "3 bytes"),
    ("!!python/object/apply:os.system [echo hi]", "could not determine a constructor"),
    ("!!python/name:os.system", "could not determine a constructor"),
    ("!!binary '%%%'", "output_dim` is a bytes"),
    ("2001-13-01", "month must be in 1..12"),
    ("!!set {a, b}", "output_dim"),
    ("&x [*x]", "alias inside the node it refers to"),
    ("*nowhere", "found undefined alias"),
])
def test_yaml_tags_with_bad_payloads(tag, words):
    text = YAMLS[0].replace("output_dim: 4", f"output_dim: {tag}")
    assert text != YAMLS[0]
    with pytest.raises(ConversionError) as info:
        legacy_conv.convert_config(model_config.parse_yaml(text, "config"))
    assert words in str(info.value), str(info.value)


def _compile(model, config, target="legacy"):
    """`load_model`'s compile step, with seq.h5's optimizer state where it fits."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the model's fresh weights: a fresh optimizer state
        compile_step.compile_model(model, config, CLI / "seq.h5", target)


@pytest.mark.parametrize("change, words", [
    ({"optimizer_config": {"class_name": "SGD", "config": {"lr": "x"}}},
     ("training_config", "`lr` must be a number", "'x'")),
    ({"optimizer_config": ["SGD"]}, ("training_config", "must name a Keras 1 optimizer")),
    ({"optimizer_config": {"class_name": "SGD", "config": [1]}},
     ("must be a dict of the optimizer's arguments",)),
    ({"optimizer_config": {"class_name": {"a": 1}}}, ("must name a Keras 1 optimizer",)),
    ({"optimizer_config": {"class_name": "SGD", "config": {"clipnorm": {"class_name": "x"}}}},
     ("`clipnorm` must be a number",)),
    ({"loss": {"out": ["mse", "mae"]}}, ("training_config.loss", "a loss name")),
    ({"loss": {"class_name": "MeanSquaredError", "config": {}}},
     ("training_config.loss", "a loss name")),
    ({"loss": 3}, ("training_config.loss",)),
    ({"metrics": {"class_name": "__lambda__", "config": {"code": "x"}}},
     ("training_config", "`metrics` must be keyed by the outputs")),
    ({"metrics": "accuracy"}, ("training_config.metrics",)),
    ({"loss_weights": "x"}, ("training_config.loss_weights",)),
    ({"loss": {"class_name": "mse"}}, ("`loss` must be keyed by the outputs",)),
    ({"loss": {"dense": "mse"}, "metrics": {"class_name": ["acc"]}},
     ("`metrics` must be keyed by the outputs",)),
    ({"loss": "mse", "x": 10 ** 5000}, ("training_config.x", "bits")),
])
def test_odd_training_configs(change, words):
    model = legacy_conv.model_from_json(json.dumps(SEQ))
    with pytest.raises(ConversionError) as info:
        _compile(model, {**TRAINING[0], **change})
    assert all(word in str(info.value) for word in words), str(info.value)


# -- 8. no serialized code reaches Keras -------------------------------------------------
def _lambda(**config):
    layer = {"class_name": "Lambda", "config": {
        "name": "scale", "trainable": True, "function": "scale_fn", "function_type": "function",
        "output_shape": None, "output_shape_type": "raw", "arguments": {}, **config}}
    return dict(SEQ, config=SEQ["config"][:3] + [layer])


KERAS3_LAMBDA = {"class_name": "__lambda__", "config": {"code": "WA==", "defaults": None,
                                                        "closure": None}}


@pytest.mark.parametrize("arguments", [
    pytest.param({"k": KERAS3_LAMBDA}, id="__lambda__"),
    pytest.param({"k": {"class_name": "Dense", "config": {"units": 1}}}, id="keras-object"),
    pytest.param({"k": [{"x": {"class_name": "function", "config": "print"}}]}, id="nested"),
    pytest.param({"k": {"__numpy__": [1]}}, id="dunder-key"),
    pytest.param([1, 2], id="not-a-dict"),
])
def test_lambda_arguments_must_be_plain_data(arguments):
    with pytest.raises(ConversionError) as info:
        legacy_conv.convert_config(_lambda(arguments=arguments),
                                   custom_objects={"scale": lambda x: x})
    message = str(info.value)
    assert 'layer "scale" (Lambda)' in message and "`arguments`" in message, message


def test_lambda_plain_arguments_still_convert():
    config = legacy_conv.convert_config(_lambda(arguments={"k": [1, {"a": "b"}]}),
                                        custom_objects={"scale": lambda x: x})
    assert config["config"]["layers"][-1]["config"]["arguments"] == {"k": [1, {"a": "b"}]}


@pytest.mark.parametrize("mode", ["sum", "dot"])  # a Keras 3 built-in; our Merge
def test_merge_arguments_must_be_plain_data(mode):
    config = json.loads((_fixtures.CONFIGS / "tensorflow" / "functional_merges.json").read_text())
    merge = next(layer for layer in config["config"]["layers"] if layer["name"] == mode)
    merge["config"]["arguments"] = {"k": KERAS3_LAMBDA}
    with pytest.raises(ConversionError, match="`arguments` must hold plain data") as info:
        legacy_conv.convert_config(config)
    assert f'layer "{mode}" (Merge)' in str(info.value)


UNSAFE_SETUP = f"""
import base64, json, marshal, os
import keras
import legacy_conv
from legacy_conv.errors import ConversionError
SEQ = json.loads({(CLI / "seq.json").read_text()!r})
SENTINEL = os.path.abspath("ran")

def evil(x=None):
    open(SENTINEL, "w").write("ran")
    return x

CODE = {{"class_name": "__lambda__", "config": {{
    "code": base64.b64encode(marshal.dumps(evil.__code__)).decode(), "defaults": None,
    "closure": None}}}}
KERAS1_CODE = [marshal.dumps(evil.__code__).decode("raw_unicode_escape"), None, None]
keras.config.enable_unsafe_deserialization()

def lambda_model(custom_objects=None, **config):
    layer = {{"class_name": "Lambda", "config": {{
        "name": "scale", "trainable": True, "function": KERAS1_CODE, "function_type": "lambda",
        "output_shape": None, "output_shape_type": "raw", "arguments": {{}}, **config}}}}
    return legacy_conv.model_from_json(json.dumps(dict(SEQ, config=SEQ["config"][:3] + [layer])),
                                       custom_objects=custom_objects)
"""

UNSAFE_BODY = """
results = []
for custom, config in [
        (None, {}),
        (None, {"function": CODE}),
        ({"scale": lambda x: x * 2}, {"function": CODE, "output_shape": CODE,
                                      "output_shape_type": "lambda"}),
        ({"scale": lambda x: x * 2}, {"output_shape": KERAS1_CODE,
                                      "output_shape_type": "function"}),
        ({"scale": lambda x: x * 2}, {"output_shape": CODE}),
        ({"scale": lambda x: x * 2}, {"arguments": {"x": CODE}}),
        ({"scale": lambda x: x * 2}, {"arguments": {"x": [CODE]}})]:
    try:
        model = lambda_model(custom, **config)
        model(keras.ops.ones((1, 2, 5, 5)))
        results.append(None)
    except Exception as e:
        results.append([type(e).__name__, str(e)])
print(json.dumps({"results": results, "ran": os.path.exists(SENTINEL)}))
"""


@pytest.mark.subprocess
def test_marshalled_code_never_runs_even_with_unsafe_deserialization(tmp_path):
    outcome = bounded(UNSAFE_SETUP, UNSAFE_BODY, seconds=120, cwd=tmp_path)
    assert outcome.returncode == 0 and outcome.error is None, outcome
    report = json.loads(outcome.stdout.strip().splitlines()[-1])
    assert report["ran"] is False and not (tmp_path / "ran").exists()
    no_custom, keras3_no_custom, custom_fn, shape_fn, raw_shape, args, nested = \
        report["results"]
    for result in (no_custom, keras3_no_custom):
        assert result[0] == "ConversionError" and "never executed" in result[1]
    assert custom_fn is None and shape_fn is None  # the custom function; no code read
    assert raw_shape[0] == "ConversionError" and "`output_shape`" in raw_shape[1]
    for result in (args, nested):
        assert result[0] == "ConversionError" and "`arguments`" in result[1], result


# -- property tests: mutated real configs -------------------------------------------------
def _paths(value, path=()):
    """Every path (tuple of keys and indexes) into a config, the root included."""
    yield path
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(
        value, list) else ()
    for key, item in items:
        yield from _paths(item, path + (key,))


def _at(config, path):
    for key in path:
        config = config[key]
    return config


def _deep(depth):
    value = 1
    for _ in range(depth):
        value = [value]
    return value


REPLACEMENTS = st.sampled_from([
    None, True, False, 0, -1, 3, 2 ** 31, 2 ** 70, -(10 ** 30), 1e308, math.nan, math.inf,
    -0.5, "", "x", "same", "th", "default", "\ud800", "é" * 10, "n" * 70_000, [], [None],
    [1, 2], [-1, 0, 2], [[1]], {}, {"a": 1}, {"class_name": "Dense", "config": {}},
    {"class_name": "__lambda__", "config": {"code": "WA=="}}, {"name": "l2"},
    list(range(2000)), _deep(80), _deep(30), b"bytes", (1, 2),
])
CLASS_NAMES = st.sampled_from(["Dense", "Sequential", "Model", "Merge", "Lambda", "InputLayer",
                               "TimeDistributed", "Convolution2D", "LSTM", "Nope", ""])


@st.composite
def mutated_configs(draw, sources=CONFIGS):
    config = copy.deepcopy(draw(st.sampled_from(sources)))
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(config) if p]
        path = draw(st.sampled_from(paths))
        parent = _at(config, path[:-1])
        key, action = path[-1], draw(st.sampled_from(["replace", "delete", "class", "copy"]))
        if action == "delete":
            del parent[key]
        elif action == "class" and isinstance(parent, dict) and "class_name" in parent:
            parent["class_name"] = draw(CLASS_NAMES)
        elif action == "copy":
            parent[key] = copy.deepcopy(_at(config, draw(st.sampled_from(paths))))
        else:
            parent[key] = copy.deepcopy(draw(REPLACEMENTS))
    return config


def _converts_or_refuses(function, *args, **kwargs):
    try:
        function(*args, **kwargs)
    except ConversionError as error:
        assert len(str(error)) < 5000 and str(error).isprintable(), str(error)[:500]


@settings(max_examples=600, **SETTINGS)
@given(mutated_configs())
def test_mutated_configs_convert_or_raise_conversion_error(config):
    _converts_or_refuses(legacy_conv.convert_config, config)


@settings(max_examples=60, **SETTINGS)
@given(mutated_configs(), st.sampled_from(["legacy", "native"]))
def test_mutated_configs_build_or_raise_conversion_error(config, target):
    try:
        text = json.dumps(config)
    except (ValueError, TypeError):
        return  # not JSON: convert_config covers it
    _converts_or_refuses(legacy_conv.model_from_json, text, target=target)


YAML_PIECES = st.sampled_from([
    "&a", "*a", "&b [1, *b]", "!!python/tuple [1]", "!!python/object/apply:os.system [ls]",
    "!!python/object/apply:numpy.core.multiarray.scalar [1]", "!!binary AAAA", "!!set {a}",
    "!!timestamp 2001-99-01", "2001-12-14", "!!float x", "!!int 0x", "{", "[", "]", ": :",
    "- -", "'", '"\\ud800"', "9" * 5000, "~", "? ", "<<: *a", "!!str", "\t", "|", ">",
])


@st.composite
def mutated_yaml(draw):
    lines = draw(st.sampled_from(YAMLS)).splitlines()
    for _ in range(draw(st.integers(1, 4))):
        index = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["append", "replace_value", "delete", "duplicate"]))
        if action == "delete":
            del lines[index]
        elif action == "duplicate":
            lines.insert(index, lines[index])
        elif action == "replace_value" and ": " in lines[index]:
            lines[index] = lines[index].split(": ")[0] + ": " + draw(YAML_PIECES)
        else:
            lines[index] += " " + draw(YAML_PIECES)
        if not lines:
            break
    return "\n".join(lines)


@settings(max_examples=400, **SETTINGS)
@given(mutated_yaml())
def test_mutated_yaml_parses_and_converts_or_raises_conversion_error(text):
    _converts_or_refuses(lambda: legacy_conv.convert_config(model_config.parse_yaml(text)))


@settings(max_examples=30, **SETTINGS)
@given(mutated_yaml())
def test_mutated_yaml_builds_or_raises_conversion_error(text):
    _converts_or_refuses(legacy_conv.model_from_yaml, text)


@pytest.fixture(scope="module")
def small_model():
    return legacy_conv.model_from_json(json.dumps(SEQ))


@settings(max_examples=100, **SETTINGS)
@given(config=mutated_configs(TRAINING), target=st.sampled_from(["legacy", "native"]))
def test_mutated_training_configs_compile_a_model_or_raise(small_model, config, target):
    _converts_or_refuses(_compile, small_model, config, target)
