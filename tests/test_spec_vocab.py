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
from legacy_conv import theano_plans
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


def _imports(path):
    """The top-level packages a module imports."""
    tree = ast.parse(path.read_text())
    return {name.split(".")[0] for node in ast.walk(tree) for name in (
        [alias.name for alias in node.names] if isinstance(node, ast.Import) else
        [node.module or ""] if isinstance(node, ast.ImportFrom) else [])}


@pytest.mark.parametrize("path", [*sorted(SPEC.glob("*.py")), SPEC.parent / "theano_plans.py"],
                         ids=lambda path: path.name)
def test_spec_is_plain_data(path):
    assert not _imports(path) & {"tensorflow", "keras", "numpy"}


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
    pytest.param("1.0.1234", None, id="long_patch"),
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


# -- Theano plans: the output lengths Keras 1 on Theano recorded ------------------------------
def _records(name):
    return [(case, r) for case, r in json.loads((FIXTURES / name).read_text()).items()
            if r["error"] is None]


def _spatial(record, rank):
    """(input lengths, output lengths) of a record, by its dim_ordering."""
    first = 2 if record["config"].get("dim_ordering") == "th" else 1
    return ([record["input_shape"][first + j] for j in range(rank)],
            [record["predict_shape"][first + j] for j in range(rank)])


def _conv_arguments(record):
    c, name = record["config"], record["layer"]
    if name.endswith("1D"):
        return [c["filter_length"]], [c["subsample_length"]], [c.get("atrous_rate", 1)]
    if name.endswith("3D"):
        return [c["kernel_dim1"], c["kernel_dim2"], c["kernel_dim3"]], c["subsample"], [1] * 3
    return [c["nb_row"], c["nb_col"]], c["subsample"], c.get("atrous_rate", [1, 1])


CONVOLUTIONS = [(case, r) for case, r in _records("layers_theano.json") if r["layer"] in (
    "Convolution1D", "AtrousConvolution1D", "Convolution2D", "AtrousConvolution2D",
    "Convolution3D")]


@pytest.mark.parametrize("case, record", [pytest.param(c, r, id=c) for c, r in CONVOLUTIONS])
def test_conv_plan_gives_keras1s_theano_lengths(case, record):
    kernel, strides, dilations = _conv_arguments(record)
    lengths, expected = _spatial(record, len(kernel))
    plan = theano_plans.conv(kernel, strides, dilations, record["config"]["border_mode"])
    if plan.same:
        assert expected == lengths
        return
    pads, crops = theano_plans.fitted(plan, kernel, dilations, lengths)
    out = []
    for j, n in enumerate(lengths):
        m = theano_plans.conv_output_length(n + sum(pads[j]), kernel[j], "valid",
                                            plan.strides[j], dilations[j])
        if plan.subsample:
            m = -(-m // plan.subsample[j])
        out.append(m - sum(crops[j]))
    assert out == expected


DECONVOLUTIONS = [(c, r) for c, r in _records("layers_theano.json")
                  if r["layer"] == "Deconvolution2D"]


@pytest.mark.parametrize("case, record", [pytest.param(c, r, id=c) for c, r in DECONVOLUTIONS])
def test_deconv_plan_gives_keras1s_theano_lengths(case, record):
    c = record["config"]
    lengths, expected = _spatial(record, 2)
    first = 2 if c["dim_ordering"] == "th" else 1
    requested = c["output_shape"][first:first + 2]
    for n, k, s, o, want in zip(lengths, (c["nb_row"], c["nb_col"]), c["subsample"],
                                requested, expected):
        padding, (before, after) = theano_plans.deconv_axis(n, k, s, o, c["border_mode"],
                                                            "theano")
        assert (n - 1) * s + k + padding - before - after == want


POOLINGS = [(c, r) for c, r in _records("core_theano.json")
            if "Pooling" in r["layer"] and "Global" not in r["layer"]]


def _pool_arguments(record):
    c = record["config"]
    if record["layer"].endswith("1D"):
        return [c["pool_length"]], [c["stride"] or c["pool_length"]]
    return c["pool_size"], c["strides"] or c["pool_size"]


@pytest.mark.parametrize("case, record", [pytest.param(c, r, id=c) for c, r in POOLINGS])
def test_pool_plan_gives_keras1s_theano_lengths(case, record):
    pool, strides = _pool_arguments(record)
    rank, mode = len(pool), record["config"]["border_mode"]
    lengths, expected = _spatial(record, rank)
    assert [theano_plans.pool_output_length(n, k, mode, s, "theano", rank)
            for n, k, s in zip(lengths, pool, strides)] == expected
    plan = theano_plans.same_pool(rank, pool, strides, lengths)
    if mode == "same" and min(plan.before) >= 0:
        assert plan.outs == expected
        padded = [n + b + a for n, b, a in zip(lengths, plan.before, plan.after)]
        assert all((p - k) // s + 1 >= out  # the 'valid' pooling covers every output
                   for p, k, s, out in zip(padded, pool, strides, plan.outs))


# -- no copies: the vocabulary outside spec/ ---------------------------------------------------
PACKAGE = SPEC.parent
RELEASE_NAMES = {str(r) for r in releases.RELEASES}
VOCABULARIES = {  # what a literal may not hold 3 (releases: 2) or more of outside spec/
    "activations": (set(activation_spec.KERAS3), 3),
    "initializations": (set(init_spec.INITIALIZATIONS), 3),
    "merge modes": (set(merge_spec.MODES) | {None}, 3),
    "releases": (RELEASE_NAMES, 2),
}


# (module, table): why it is no copy. Engines keyed by the spec's words, each checked
# against the spec below.
ENGINES = {
    ("legacy_conv/initializers.py", "DRAWS"): "how to draw each distribution",
    ("legacy_conv/keras1/backend/tensorflow_backend.py", "_ELEMENTWISE"):
        "the TensorFlow op of each Keras 1 elementwise backend function",
    ("legacy_conv/keras1/initializations.py", "DRAWS"):
        "how Keras 1 drew each distribution with NumPy (its Theano backend's values)",
    ("legacy_conv/native/objects.py", "FIXED"): "each fixed distribution's Keras 3 form",
    ("legacy_conv/layers/merge.py", "MERGES"): "how to compute each mode with tf",
    ("legacy_conv/layers/merge.py", "SHAPES"): "each mode's output shape",
}


def _literals(path):
    """(line, assigned name, vocabulary) of each literal (tuple, list, set, dict keys) that
    restates one."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    owners = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            for inner in ast.walk(node.value):
                owners.setdefault(id(inner), node.targets[0].id)
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            items = [k for k in node.keys if k is not None]
        elif isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            items = node.elts
        else:
            continue
        values = {i.value for i in items if isinstance(i, ast.Constant)}
        for name, (vocabulary, most) in VOCABULARIES.items():
            if len(values & vocabulary - {None}) >= most:
                yield node.lineno, owners.get(id(node), ""), name


def test_no_module_outside_spec_restates_the_vocabulary():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).as_posix()
        if path.parent != SPEC:
            found += [f"{relative}:{line} {owner}: {name}" for line, owner, name
                      in _literals(path) if (relative, owner) not in ENGINES]
    assert not found, "these tables belong in legacy_conv/spec/:\n" + "\n".join(found)


def test_the_engines_cover_the_spec():
    from legacy_conv.layers import merge
    from legacy_conv.native import objects
    assert set(merge.MERGES) == set(merge.SHAPES) == set(merge_spec.MODES)
    distributions = {i.distribution for i in init_spec.INITIALIZATIONS.values()}
    assert set(initializers.DRAWS) == distributions
    assert set(objects.FIXED) == {i.distribution for i in init_spec.INITIALIZATIONS.values()
                                  if i.fans is None}


def test_the_literal_finder_finds_copies(tmp_path):
    module = tmp_path / "m.py"
    module.write_text('A = {"relu": 1, "tanh": 2, "elu": 3}\nB = ("1.0.4", "1.0.5")\n'
                      'C = ("sum", "mul", "ave", "concat", None)\nD = ("max", "avg")\n')
    assert [(owner, name) for _, owner, name in _literals(module)] == [
        ("A", "activations"), ("B", "releases"), ("C", "merge modes")]
