"""The Keras 1 vocabulary tables of `legacy_conv/spec/` (activations, initializers, merge modes,
releases, Theano plans): they cover Keras 1.2.2's names as its fixtures and signatures
record them, and the code reads them rather than copies."""

import ast
import json
import math
import pathlib

import keras
import pytest

from legacy_conv import activations
from legacy_conv import initializers
from legacy_conv.spec import keras1_signatures as k1
from legacy_conv.spec import activations as activation_spec
from legacy_conv.spec import initializers as init_spec
from legacy_conv.spec import merge as merge_spec
from legacy_conv.spec import releases
from legacy_conv.spec.releases import Release

FIXTURES = pathlib.Path(__file__).parent / "fixtures" / "keras1"
SPEC = pathlib.Path(activations.__file__).parent / "spec"


def _cases(name):
    """The names a Keras 1 fixture generator lists in a top-level tuple `name`."""
    tree = ast.parse((FIXTURES / "core_cases.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == name:
            return ast.literal_eval(node.value)
    raise LookupError(name)


def test_spec_is_plain_data():
    for path in SPEC.glob("*.py"):
        imported = {alias.name.split(".")[0] for node in ast.walk(ast.parse(path.read_text()))
                    if isinstance(node, (ast.Import, ast.ImportFrom))
                    for alias in getattr(node, "names", [])}
        imported |= {node.module.split(".")[0] for node in ast.walk(ast.parse(path.read_text()))
                     if isinstance(node, ast.ImportFrom) and node.module}
        assert not imported & {"tensorflow", "keras", "numpy"}, path.name


# -- activations -------------------------------------------------------------------------------
def test_activations_are_keras1s():
    assert tuple(activation_spec.KERAS3) == _cases("ACTIVATIONS")  # what Keras 1.2.2 ran
    assert set(activations.ACTIVATIONS) == set(activation_spec.KERAS3)
    for name, keras3 in activation_spec.KERAS3.items():
        if keras3 is not None:
            assert keras.activations.get(keras3).__name__ == keras3


def test_hard_sigmoid_numbers():
    slope, offset = activation_spec.HARD_SIGMOID_SLOPE, activation_spec.HARD_SIGMOID_OFFSET
    assert (slope, offset) == (0.2, 0.5)
    assert math.isclose(activation_spec.HARD_SIGMOID_SCALE,
                        slope / activation_spec.KERAS3_HARD_SIGMOID_SLOPE)
    for x in (-4.0, -1.0, 0.3, 2.0, 7.0):  # Keras 3's hard_sigmoid of the scaled input
        keras3 = float(keras.activations.hard_sigmoid(activation_spec.HARD_SIGMOID_SCALE * x))
        assert math.isclose(keras3, min(max(slope * x + offset, 0.0), 1.0), abs_tol=1e-6)
        assert math.isclose(float(activations.hard_sigmoid(x)),
                            min(max(slope * x + offset, 0.0), 1.0), abs_tol=1e-6)


# -- merge modes -------------------------------------------------------------------------------
def test_merge_modes_are_keras1s():
    assert k1.LAYERS["Merge"][0][1] == ("mode", merge_spec.DEFAULT)
    recorded = {case.split("_")[1] for case in json.loads(
        (FIXTURES / "core_theano.json").read_text()) if case.startswith("merge_")}
    assert recorded - {"default"} <= set(merge_spec.MODES)
    assert {"sum", "mul", "concat", "ave", "cos", "dot", "max"} == set(merge_spec.MODES)
    for mode in merge_spec.EXACT:
        keras3, arguments = merge_spec.KERAS3[mode]
        assert issubclass(getattr(keras.layers, keras3), keras.layers.Layer)
        assert set(arguments.values()) <= {name for name, _ in k1.LAYERS["Merge"][0]}
    assert set(merge_spec.PAIRWISE) | set(merge_spec.EXACT) == set(merge_spec.MODES)


# -- releases ----------------------------------------------------------------------------------
@pytest.mark.parametrize("text, release", [
    pytest.param("1.0.4", Release(1, 0, 4), id="patch"),
    pytest.param("1.2", Release(1, 2, 0), id="two_parts"),
    pytest.param("1.1.0-dev", Release(1, 1, 0), id="suffix"),
    pytest.param("1.0.10", Release(1, 0, 10), id="two_digits"),
    pytest.param("2.0.0", None, id="keras2"),
    pytest.param("1.x", None, id="not_a_number"),
    pytest.param("11.0", None, id="eleven"),
    pytest.param(None, None, id="none"),
    pytest.param(1.07, None, id="float"),
    pytest.param("1." + "9" * 10_000, None, id="huge"),
])
def test_release_parse(text, release):
    assert Release.parse(text) == release


def test_release_order():
    names = ["1.0.0", "1.0.8", "1.0.10", "1.1.0", "1.1.2", "1.2.0", "1.2.2"]
    parsed = [Release.parse(n) for n in names]
    assert parsed == sorted(parsed) and str(parsed[2]) == "1.0.10"
    assert list(releases.RELEASES) == sorted(releases.RELEASES)
    assert releases.LATEST == Release.parse(k1.KERAS_VERSION)
    # Every release a fixture was written by is a Keras 1 release of the table.
    written = {json.loads(p.read_text()).get("keras_version")
               for p in FIXTURES.glob("*.json")} - {None}
    written |= {record.get("keras_version") for record in json.loads(
        (FIXTURES / "layers_theano.json").read_text()).values()}
    assert {Release.parse(w) for w in written} <= set(releases.RELEASES)


def test_release_facts():
    assert releases.default_ordering(Release(1, 0, 8)) == "th"
    assert releases.default_ordering(Release(1, 1, 0)) == "tf"
    assert str(max(releases.EXPLICIT_SAME_CONV3D)) == "1.1.0"
    assert releases.running_std("1.0.5", "tensorflow") == "std_plus_eps"
    assert releases.running_std("1.0.7", "theano") == "sqrt_plus_eps"
    assert releases.running_std("1.0.7", "tensorflow") is None
    assert releases.running_std("1.0.8", "theano") is None
    assert releases.running_std(None, "theano") is None


# -- initializers ------------------------------------------------------------------------------
def _init_records(backend, refused=False):
    results = json.loads((FIXTURES / f"init_stats_{backend}.json").read_text())["results"]
    return [r for r in results.values()
            if (refused or r["error"] is None) and isinstance(r["init"], str)]


def test_initializations_are_keras1s():
    recorded = {r["init"] for backend in ("theano", "tensorflow")
                for r in _init_records(backend, refused=True)}
    assert recorded == set(init_spec.INITIALIZATIONS)
    assert set(initializers.DRAWS) == {i.distribution for i in init_spec.INITIALIZATIONS.values()}
    assert set(init_spec.SCALED) == {"lecun_uniform", "glorot_normal", "glorot_uniform",
                                     "he_normal", "he_uniform"}


@pytest.mark.parametrize("backend", ["theano", "tensorflow"])
def test_initialization_spreads_match_keras1s_draws(backend):
    """Each kernel Keras 1 drew lies within (uniform) or spreads as (normal) the table says,
    with the fans Keras 1 recorded computing."""
    checked = 0
    for record in _init_records(backend):
        init = init_spec.INITIALIZATIONS[record["init"]]
        kernel = record["weights"][0]
        if init.distribution not in ("uniform", "normal") or len(record["get_fans_calls"]) > 1:
            continue
        spread = init.scale
        if init.fans:
            call = record["get_fans_calls"][0]
            spread = math.sqrt(init.numerator / initializers.FANS[init.fans](
                call["fan_in"], call["fan_out"]))
        if math.prod(kernel["shape"]) < 500:
            continue
        if init.distribution == "uniform":
            assert 0.9 * spread <= kernel["max"] <= spread * (1 + 1e-6), record
        else:
            assert abs(kernel["std"] - spread) <= 0.15 * spread, record
        checked += 1
    assert checked > 20


def test_constant_and_gain_initializations():
    assert init_spec.INITIALIZATIONS["orthogonal"].scale == 1.1  # Keras 1's gain
    for name, value in (("zero", 0.0), ("one", 1.0)):
        drawn = initializers.Keras1Initializer(name, seed=1)((2, 3))
        assert float(keras.ops.max(drawn)) == float(keras.ops.min(drawn)) == value
