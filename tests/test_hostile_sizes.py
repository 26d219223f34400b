"""Hostile sizes (issue 12, item 3): config-only work allocates no weights, and a model whose
weights cannot fit in memory fails at once, naming the layer, the weight and the bytes.

Config-only work (`convert_config`, `legacy-conv convert IN OUT.json`, `inspect`) builds
its models with `initializers.shapes_only`: variables with shapes and no values. Where a
user builds a model (`model_from_json`, `load_model`, a .keras OUT) it is built without values
first, checked (`loading.check_fits`), and only then given its values. Every hostile input is
made here from tests/fixtures/cli/theano/seq.json and seq.h5; the bombs run in a fresh process
bounded in time and memory (`tests._limits.bounded`).
"""

import json

import keras
import numpy as np
import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

import _fixtures
import legacy_conv
from legacy_conv import initializers
from legacy_conv import loading
from legacy_conv.errors import ConversionError
from tests._limits import bounded

FIXTURES = _fixtures.CLI / "theano"
SEQ_JSON = FIXTURES / "seq.json"
SEQ_H5 = FIXTURES / "seq.h5"


def dense_json(units, inputs):
    """seq.json's Dense layer alone, `units` wide on `inputs` inputs: a few hundred bytes."""
    seq = json.loads(SEQ_JSON.read_text())
    dense = next(layer for layer in seq["config"] if layer["class_name"] == "Dense")
    dense["config"].update(output_dim=units, input_dim=inputs)
    dense["config"] = {k: v for k, v in dense["config"].items() if v is not None}
    return json.dumps({"class_name": "Sequential", "config": [dense],
                       "keras_version": seq["keras_version"]})


# Each case runs in the same fresh process, timed on its own; the peak resident memory is
# compared with the peak after TensorFlow's start (and a first small conversion).
SETUP = """
import json, resource, time, traceback
import legacy_conv
from legacy_conv import cli
legacy_conv.convert_config({warm!r}, target="native")
baseline_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
"""

BODY = """
results = {{}}
for name, (text, call) in {cases!r}.items():
    open("x.json", "w").write(text)
    start = time.perf_counter()
    try:
        exec(call)
        error = None
    except Exception as e:  # noqa: BLE001 — reported to the test
        error = [type(e).__name__, str(e)]
    results[name] = dict(error=error, elapsed=time.perf_counter() - start)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("RESULTS" + json.dumps(dict(results=results, grown_mb=peak - baseline_mb)))
"""


def run_cases(cases, tmp_path):
    """{name: (config text written to x.json, Python statement)} → ({name: {error,
    elapsed}}, how much the peak memory grew), all in one bounded process in `tmp_path`."""
    outcome = bounded(SETUP.format(warm=dense_json(3, 2)), BODY.format(cases=cases),
                      seconds=240, megabytes=3000, cwd=tmp_path)
    assert not outcome.timed_out and outcome.error is None, outcome
    report = json.loads(outcome.stdout.split("RESULTS", 1)[1].splitlines()[0])
    return report["results"], report["grown_mb"], outcome


def huge_h5(tmp_path, name, side, units):
    """seq.h5 with its config declaring `side`x`side` images and Dense(`units`), and its
    Dense weights declared to fit (chunked datasets that hold no data: a few kB)."""
    import h5py

    path = tmp_path / name
    path.write_bytes(SEQ_H5.read_bytes())
    with h5py.File(path, "r+") as f:
        config = json.loads(f.attrs["model_config"])
        config["config"][0]["config"]["batch_input_shape"] = [None, 2, side, side]
        config["config"][-1]["config"]["output_dim"] = units
        f.attrs["model_config"] = json.dumps(config).encode()
        dense = f["model_weights/dense"]
        for weight, shape in (("dense_W", (3 * (side // 2) ** 2, units)), ("dense_b", (units,))):
            del dense[weight]
            dense.create_dataset(weight, shape=shape, dtype="float32", chunks=(1,) * len(shape))
    return path


BIG = dense_json(30000, 30000)  # 3.6 GB of weights; as much again for target='native'
CONFIG_ONLY = {
    "convert_config-legacy": (BIG, "legacy_conv.convert_config(open('x.json').read())"),
    "convert_config-native": (BIG, "legacy_conv.convert_config(open('x.json').read(), "
                                   "target='native')"),
    "cli-convert-json": (BIG, "assert cli.main(['convert', 'x.json', 'legacy.json']) == 0"),
    "cli-convert-json-native": (BIG, "assert cli.main(['convert', 'x.json', 'native.json', "
                                     "'--target', 'native']) == 0"),
    "cli-inspect": (BIG, "assert cli.main(['inspect', 'x.json', '--json']) == 0"),
    "cli-inspect-h5": (BIG, "assert cli.main(['inspect', 'big.h5', '--json']) == 0"),
    "migrate-native": (BIG, "from legacy_conv.migration import migrate_source\n"
                            "assert 'too many' in str(migrate_source('import keras\\nd = "
                            "keras.layers.Dense(30000, input_dim=30000, init=\\'normal\\')"
                            "\\n', to='native').report_entries)"),
}


@pytest.mark.subprocess
def test_config_only_work_allocates_no_weights(tmp_path):
    """Dense(30000) on 30000 inputs in a few hundred bytes of JSON (or one line of code that
    `migrate --to native` converts: too many weights for its check of their layout, it says
    so), and an .h5 whose config declares 75 TB of weights: no config-only path creates them
    (before: 49 s and 8 GB)."""
    assert len(BIG) < 400
    huge_h5(tmp_path, "big.h5", 5000, 10**6)
    results, grown_mb, outcome = run_cases(CONFIG_ONLY, tmp_path)
    for name, result in results.items():
        assert result["error"] is None and result["elapsed"] < 5.0, (name, result, outcome)
    assert grown_mb < 200, outcome
    for name in ("legacy", "native"):
        config = json.loads((tmp_path / f"{name}.json").read_text())
        assert config["config"]["layers"][-1]["config"]["units"] == 30000
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "big.h5", "legacy.json", "native.json", "x.json"]
    assert '"total_params": 900030000' in outcome.stdout
    assert f'"total_params": {3 * 2500 * 2500 * 10**6 + 10**6 + 2 * 9 * 3 + 3}' \
        in outcome.stdout


TERABYTES = dense_json(10**6, 10**6)  # 4 TB
CANNOT_FIT = {
    "model_from_json": (TERABYTES, "legacy_conv.model_from_json(open('x.json').read())"),
    "native": (TERABYTES, "legacy_conv.model_from_json(open('x.json').read(), "
                          "target='native')"),
    "cli-keras": (TERABYTES, "assert cli.main(['convert', 'x.json', 'out.keras']) == 1"),
    "load_model": ("{}", "legacy_conv.load_model('big.h5')"),
    "rlimit": (dense_json(32768, 32768), "legacy_conv.model_from_json(open('x.json').read())"),
}


@pytest.mark.subprocess
def test_a_model_that_cannot_fit_fails_at_once(tmp_path):
    """Weights that cannot fit are refused before any value is allocated, naming the layer,
    the weight, the bytes it needs and what this process can take: 4 TB of Dense(10^6) on
    10^6 inputs, 12 TB declared by an .h5's config, and 4 GiB under a 3000 MB RLIMIT_DATA."""
    huge_h5(tmp_path, "big.h5", 2000, 10**6)
    results, grown_mb, outcome = run_cases(CANNOT_FIT, tmp_path)
    assert grown_mb < 200, outcome
    for name, result in results.items():
        assert result["elapsed"] < 2.0, (name, result)
        if name == "cli-keras":
            assert result["error"] is None, result
        else:
            assert result["error"][0] == "ConversionError", (name, result)
    limit = f"more than the {3000 << 20} bytes (2.9 GiB) this process can take (RLIMIT_DATA)"
    for name in ("model_from_json", "native"):
        assert results[name]["error"][1] == (
            'layer "dense" (Dense): `kernel` of shape (1000000, 1000000) (float32) needs '
            "4000000000000 bytes (3725.3 GiB) and 8000000000000 bytes (7450.6 GiB) to draw it; "
            "the model needs 12000004000000 bytes (11175.9 GiB) in all, " + limit)
    assert results["load_model"]["error"][1].startswith(
        'big.h5: layer "dense" (Dense): `kernel` of shape (3000000, 1000000) (float32) needs '
        "12000000000000 bytes")
    assert "4294967296 bytes (4.0 GiB)" in results["rlimit"]["error"][1]
    message = outcome.stderr.strip().splitlines()[-1]
    assert message.startswith('legacy-conv: error: x.json: layer "dense" (Dense): `kernel`'), \
        outcome
    assert limit in message
    assert not (tmp_path / "out.keras").exists()


# -- in this process: nothing leaks into later builds -------------------------------------------
def test_shapes_only_leaves_nothing_for_a_later_build():
    config = legacy_conv.convert_config(dense_json(3000, 3000))
    before = list(initializers._waiting())
    model = loading.build(config, values=False)
    assert model.count_params() == 3000 * 3000 + 3000
    assert initializers._waiting() == before
    real = legacy_conv.model_from_json(dense_json(3, 2))
    assert initializers._waiting() == before
    assert real.get_weights()[0].shape == (2, 3) and real.get_weights()[0].any()
    with keras.StatelessScope():
        pass  # what any eager layer call does: the config-only variables are not initialized
    assert all(getattr(v, "_value", None) is None for v in model.weights)


def test_a_layer_that_assigns_while_built_keeps_the_value():
    kernel = np.arange(3 * 3 * 2 * 3, dtype="float32").reshape(3, 3, 2, 3)
    inputs = keras.Input((8, 8, 2))

    def make():
        conv = legacy_conv.Convolution2D(3, 3, 3, dim_ordering="tf",
                                         weights=[kernel, np.ones(3, "float32")])
        return keras.Model(inputs, conv(inputs))

    model = initializers.with_values(make, lambda model: None)
    np.testing.assert_array_equal(model.get_weights()[0], kernel)
    np.testing.assert_array_equal(model.get_weights()[1], np.ones(3))


def test_a_refused_build_leaves_nothing_waiting():
    before = list(initializers._waiting())
    with pytest.raises(ConversionError, match='layer "dense" '):
        loading.build(legacy_conv.convert_config(dense_json(10**6, 10**6)))
    assert initializers._waiting() == before


@settings(max_examples=12, deadline=None, derandomize=True, database=None)
@given(units=st.integers(1, 10**15), inputs=st.integers(1, 10**15),
       target=st.sampled_from(["legacy", "native"]))
def test_any_size_converts_without_values_and_counts_its_parameters(units, inputs, target):
    before = list(initializers._waiting())
    config = legacy_conv.convert_config(dense_json(units, inputs), target=target)
    model = loading.build(config, values=False)
    assert model.count_params() == inputs * units + units
    assert initializers._waiting() == before


def test_inspect_checks_that_the_weights_fit_without_reading_them(tmp_path, capsys):
    """`inspect` builds without values, yet still refuses a file whose weights do not fit
    its own config (checked from metadata: a (3, 7) kernel where (12, 4) is expected)."""
    import h5py

    from legacy_conv import cli

    path = tmp_path / "bad.h5"
    path.write_bytes(SEQ_H5.read_bytes())
    with h5py.File(path, "r+") as f:
        del f["model_weights/dense/dense_W"]
        f["model_weights/dense"].create_dataset("dense_W", shape=(3, 7), dtype="float32")
    assert cli.main(["inspect", str(path)]) == 1
    assert capsys.readouterr().err.strip().endswith(
        'bad.h5: layer "dense" (Dense): `dense_W` has shape (3, 7) in the file but the model '
        "expects (12, 4)")
