"""keras-js's Keras 1 golden cases (tests/fixtures/external/kerasjs/, see PROVENANCE.md).

Each case is keras-js's own notebook code (Keras 1, TensorFlow backend), run with
`legacy_conv.keras1` in place of `keras` by `benchmarks/check_external_golden.py`; its seeds
give back the weights and inputs keras-js used, and the prediction must match the output
keras-js recorded from Keras 1 (rounded to 6 decimals), on both targets where the native one
converts. No network, no keras-js checkout: only the committed extract.
"""
import importlib.util
import json
import pathlib

import pytest

ROOT = pathlib.Path(__file__).parent.parent
EXTRACT = json.loads((ROOT / "tests/fixtures/external/kerasjs/cases.json").read_text())
CASES = EXTRACT["cases"]
# The classes that only Keras 1 had: always in the quick tier.
KERAS1_ONLY = ("Highway", "MaxoutDense", "ParametricSoftplus", "SReLU")


def _checker():
    spec = importlib.util.spec_from_file_location(
        "check_external_golden", ROOT / "benchmarks/check_external_golden.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


checker = _checker()


@pytest.mark.slow(quick=tuple(c["key"] for c in CASES if c["layer"] in KERAS1_ONLY))
@pytest.mark.parametrize("case", CASES, ids=[c["key"] for c in CASES])
def test_kerasjs_case(case):
    outputs = checker.run_case(EXTRACT["notebooks"][case["notebook"]], case["code"],
                               case["weight_shapes"])
    assert checker.compare(case["expected"], outputs["legacy"]) == "pass"
    native = outputs.get("native")  # None: the activation functions, no model
    if isinstance(native, Exception):
        assert "has no exact Keras 3 built-in form" in str(native)
    elif native is not None:
        assert checker.compare(case["expected"], native) == "pass"


def test_the_extract_holds_the_keras1_only_classes():
    assert set(KERAS1_ONLY) <= {c["layer"] for c in CASES}
