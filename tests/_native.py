"""Helpers for tests/test_native.py: Keras 1's golden layer cases as batched legacy models.

Every case of a (suite, backend, Keras 1 class) group becomes one input → layer → output
branch of a single functional model, built from Keras 1's own `get_config()` through the
converter (as a Keras 1 file would be), with Keras 1's recorded weights; so one
`modernize` and one call check the whole group.
"""

import re

import keras

from _fixtures import LAYERS, arrays, load_cases, results
from legacy_conv import initializers
from legacy_conv.convert import layers as conversion_layers
from legacy_conv.convert import model_config

# suite -> (cases module, fixture file prefix)
SUITES = {"layers": ("cases.py", "layers"), "core": ("core_cases.py", "core")}
# Cases whose fixtures Keras 1 wrote but which we reject on purpose (tests/test_layers_keras1).
STRICTER_THAN_KERAS1 = tuple(f"cropping{rank}d_larger_than_input" for rank in (1, 2, 3))


def suite_cases(suite):
    return load_cases(SUITES[suite][0])


def available(suite, backend):
    prefix = SUITES[suite][1]
    return all((LAYERS / f"{prefix}_{backend}{ext}").exists() for ext in (".json", ".npz"))


def suite_records(suite, backend):
    return results(backend, SUITES[suite][1])


def suite_arrays(suite, backend):
    return arrays(backend, SUITES[suite][1])


def runnable(suite, backend):
    """The cases Keras 1 ran on `backend` (no error), by Keras 1 class."""
    groups = {}
    recorded = suite_records(suite, backend)
    for case in suite_cases(suite):
        record = recorded.get(case["id"])
        if record is None or record["error"] is not None or record.get("config") is None:
            continue
        if case["id"].endswith(STRICTER_THAN_KERAS1):
            continue
        groups.setdefault(case["layer"], []).append(case)
    return groups


def _ordering(case):
    return case["kwargs"].get("dim_ordering", "tf")


def legacy_layer(case, record, backend, name):
    """Our converted layer (a Keras 3 built-in or ours) from Keras 1's recorded config."""
    config = dict(record["config"], name=name)
    if "dim_ordering" in case["kwargs"]:  # Keras 1 did not save it for every layer
        config.setdefault("dim_ordering", case["kwargs"]["dim_ordering"])
    ctx = model_config.Context("legacy", backend, image_dim_ordering=_ordering(case))
    ctx.weight_shapes = {name: [tuple(s) for s in record.get("weight_shapes") or ()]}
    serialized, _ = conversion_layers.convert_layer(case["layer"], config, ctx)
    return keras.saving.deserialize_keras_object(serialized)


def _input_shapes(case):
    return case.get("inputs") or [case["input_shape"]]


def _inputs(case, data):
    shapes = _input_shapes(case)
    if len(shapes) == 1:
        return [data[f"{case['id']}/input"]]
    return [data[f"{case['id']}/input/{i}"] for i in range(len(shapes))]


def layer_name(case):
    return re.sub(r"[^0-9a-zA-Z_]", "_", case["id"])


def group_model(suite, backend, cases):
    """(legacy functional model with Keras 1's weights, inputs, expected outputs, ids,
    {case id: why the legacy layer could not be built}) for `cases`."""
    data = suite_arrays(suite, backend)
    recorded = suite_records(suite, backend)
    inputs, outputs, xs, expected, ids, unbuilt = [], [], [], [], [], {}
    for case in cases:
        name = layer_name(case)
        tensors = [keras.Input(batch_shape=tuple(s), name=f"{name}_in{i}")
                   for i, s in enumerate(_input_shapes(case))]
        try:
            layer = legacy_layer(case, recorded[case["id"]], backend, name)
            with initializers.skip_random_draws():  # Keras 1's weights replace them
                out = layer(tensors if len(tensors) > 1 else tensors[0])
            count = len(layer.get_weights())
            layer.set_weights([data[f"{case['id']}/weights/{i}"] for i in range(count)])
        except Exception as error:  # noqa: BLE001 — the legacy layer's own tests report it
            unbuilt[case["id"]] = f"{type(error).__name__}: {str(error)[:200]}"
            continue
        inputs += tensors
        outputs.append(out)
        xs += _inputs(case, data)
        expected.append(data[f"{case['id']}/output"])
        ids.append(case["id"])
    model = keras.Model(inputs, outputs, name=f"{suite}_{backend}")
    return model, xs, expected, ids, unbuilt
