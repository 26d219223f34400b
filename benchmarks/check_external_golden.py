#!/usr/bin/env python
"""Runs other projects' Keras 1 golden cases through legacy_conv and prints a table.

keras-js (github transcranial/keras-js, MIT) wrote its layer tests with Keras 1 on the
TensorFlow backend until commit e00d27a (2017-05-16; the next commits move to Keras 2):
a notebook per layer (`notebooks/`) builds each case with Keras 1 code, sets seeded random
weights and prints the input, the weights and `model.predict`, rounded to 6 decimals, into
`test/**/*_data.js`. This script runs each case's own notebook code with
`legacy_conv.keras1` in place of `keras` (the seeds give back the unrounded weights and
inputs) and compares the prediction with keras-js's expected output (float32, 1e-5 scaled by
the output's largest magnitude, on top of the 6-decimal rounding); the native target is the
same model through `legacy_conv.modernize`.

DL4J's Keras import files (deeplearning4j/dl4j-test-resources, `src/main/resources/
modelimport/keras/`): each Keras 1 model file is loaded on both targets (the backend from its
name, `_th_`/`_theano_` else TensorFlow), against Keras 1's predictions where DL4J kept them
(`*_inputs_and_outputs.h5`), and each Keras 1 config is converted. Files that DL4J keeps
outside git (`*.resource_reference`) are listed as absent.

This is a check, not a test (pytest does not collect it); `tests/test_external_golden.py`
runs the committed extract of keras-js's cases (DL4J's files are not committed). Export:

    mkdir -p /tmp/kerasjs && git -C KERASJS_MIRROR archive e00d27a notebooks test LICENSE \
        | tar -x -C /tmp/kerasjs
    cd DL4J_MIRROR && git ls-tree -r --name-only HEAD src/main/resources/modelimport/keras \
        | while read f; do mkdir -p "/tmp/dl4j/$(dirname "$f")"
                           git show "HEAD:$f" > "/tmp/dl4j/$f" || rm "/tmp/dl4j/$f"; done
    python benchmarks/check_external_golden.py --kerasjs /tmp/kerasjs \
        --dl4j /tmp/dl4j/src/main/resources/modelimport/keras [-k Highway] [--extract DIR]

(`git archive` of the DL4J mirror stops at its first missing object: hence one file at a time.)
`--extract DIR` writes one passing keras-js case per layer class with a small expected output
(code, weight shapes, expected output) to DIR/cases.json, the fixture of the test.
"""
import argparse
import ast
import collections
import contextlib
import glob
import io
import json
import os
import re
import sys
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np

import legacy_conv
from legacy_conv.load import weights as keras1_weights
from legacy_conv.spec import layers as spec

KEY = re.compile(r"\[([\w.]+)\]")
EXTRACT_LIMIT = 60  # values in an expected output, for the committed extract
EXTRACT_PER_LAYER = 1  # cases per layer class (per pipeline)


def parse_js_data(text):
    """keras-js's `var DATA = {...}` (a JavaScript object literal) → dict."""
    body = text[text.index("var DATA = ") + len("var DATA = "):]
    body = re.sub(r"'([^']*)'", r'"\1"', body)
    body = re.sub(r'([{,]\s*)([A-Za-z_]\w*)\s*:', r'\1"\2":', body)
    body = re.sub(r',(\s*[}\]])', r'\1', body)
    return json.JSONDecoder().raw_decode(body)[0]


def read_checkout(root):
    """(cases by key, [(notebook, imports, [(key, code)])]) from a keras-js checkout."""
    data = {}
    for path in sorted(glob.glob(os.path.join(root, "test", "**", "*_data.js"),
                                 recursive=True)):
        with open(path) as f:
            data.update(parse_js_data(f.read()))
    names = {layer_name(k) for k in data}
    notebooks = []
    for path in sorted(glob.glob(os.path.join(root, "notebooks", "**", "*.ipynb"),
                                 recursive=True)):
        with open(path) as f:
            cells = json.load(f)["cells"]
        own = os.path.splitext(os.path.basename(path))[0]
        setup, cases, key = [], [], None
        for cell in cells:
            source = "".join(cell["source"])
            if cell["cell_type"] == "markdown":
                found = KEY.search(source)
                # UpSampling3D's notebook heads two cases "UpSampling2D": the data's order
                key = found.group(1) if found and (
                    own not in names or layer_name(found.group(1)) == own) else key
            elif "predict(" in source or "K.eval(" in source:
                if "test_model" in source:  # keras-js's own cross-checks of the case before
                    continue
                if key is None or key in [k for k, _ in cases]:  # cells without a heading
                    key = _next_key(data, os.path.relpath(path, root), cases)
                cases.append((key, source))
            elif not cases:
                setup.append(source)
        notebooks.append((os.path.relpath(path, root), "\n".join(setup), cases))
    return data, notebooks


def _next_key(data, notebook, cases):
    """A cell without its own heading: the data's next key, else the notebook's name."""
    keys = list(data)
    if cases and cases[-1][0] in data:
        after = keys.index(cases[-1][0]) + 1
        if after < len(keys) and layer_name(keys[after]) == layer_name(cases[-1][0]):
            return keys[after]
    name = os.path.splitext(os.path.basename(notebook))[0]
    return name if name in data else f"{notebook}#{len(cases)}"


# -- Keras 1's API as the notebooks use it, over legacy_conv.keras1 -------------------------
class Run:
    """One case: its weights' Keras 1 shapes in, our predictions out."""

    def __init__(self, weight_shapes):
        self.weight_shapes = weight_shapes
        self.model = self.native = None
        self.outputs = {}

    def model_class(run):
        class Model:
            """Keras 1's `Model(input=, output=)`: weights in Keras 1's layout."""

            def __init__(self, input=None, output=None, name=None):
                run.model = keras.Model(input, output, name=name)

            def get_weights(self):
                return [np.zeros(shape) for shape in run.weight_shapes]

            def set_weights(self, arrays):
                set_keras1_weights(run.model, [np.asarray(a, "float32") for a in arrays])

            def predict(self, x, **kwargs):
                x = [np.asarray(a) for a in x] if isinstance(x, list) else np.asarray(x)
                if run.native is None:  # before any state moves (stateful cases call twice)
                    try:
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore")
                            run.native = legacy_conv.modernize(run.model)
                    except legacy_conv.ConversionError as error:
                        run.native = error
                run.outputs["legacy"] = _predict(run.model, x)
                run.outputs["native"] = run.native if isinstance(run.native, Exception) \
                    else _predict(run.native, x)
                return run.outputs["legacy"]
        return Model


class DataMismatch(ValueError):
    """keras-js's recorded weights are not the ones its notebook's Keras 1 layer has."""


def _predict(model, x):
    """Keras 1's `predict`: the test phase."""
    return keras.ops.convert_to_numpy(model(x, training=False))


def set_keras1_weights(model, arrays):
    """Keras 1's `model.set_weights` order: each layer takes the fewest arrays it accepts."""
    start = 0
    for leaf in keras1_weights.leaves(model):
        for count in range(1, len(arrays) - start + 1):
            named = [(f"w{i}", a) for i, a in enumerate(arrays[start:start + count])]
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    prepared = keras1_weights._prepared(leaf, named, spec.KERAS_VERSION,
                                                        "tensorflow")
            except (legacy_conv.ConversionError, ValueError, IndexError):
                continue
            for variable, array in zip(leaf.weights, prepared):
                variable.assign(array)
            start += count
            break
        else:
            raise DataMismatch(
                f"keras-js's weights {[a.shape for a in arrays[start:]]} do not fit layer "
                f"{leaf.name} {[tuple(v.shape) for v in leaf.weights]}")
    if start != len(arrays):
        raise DataMismatch(f"keras-js's data holds {len(arrays) - start} weights more than "
                           "the notebook's layers")


class _Imports(ast.NodeTransformer):
    """`from keras.x import y` → `from legacy_conv.keras1.x import y`; `Model`: the case's."""

    def visit_ImportFrom(self, node):
        if node.module in ("keras.models", "keras.engine.training"):
            return ast.parse("\n".join(f"{a.asname or a.name} = _keras1_{a.name}"
                                       for a in node.names)).body
        node.module = node.module.replace("keras", "legacy_conv.keras1", 1)
        return node


def run_case(imports, code, weight_shapes):
    """Our predictions for one notebook cell: {'legacy': array, 'native': array or error}."""
    run = Run(weight_shapes)
    keras.backend.clear_session()
    legacy_conv.set_keras1_backend("tensorflow")  # every keras-js notebook: TensorFlow
    legacy_conv.set_image_dim_ordering("tf")
    namespace = {"_keras1_Model": run.model_class(), "__name__": "kerasjs_case"}
    source = imports + "\n" + code
    tree = ast.fix_missing_locations(_Imports().visit(ast.parse(source)))
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(tree, "<keras-js notebook>", "exec"), namespace)  # noqa: S102
    if not run.outputs and "arr_out" in namespace:  # the activation notebook: no model
        run.outputs["legacy"] = np.asarray(namespace["arr_out"])[None]
    return run.outputs


def layer_name(key):
    parts = key.split(".")
    return parts[1] if len(parts) > 2 else parts[0]


def compare(expected, got):
    """'pass' or 'fail (...)' within 1e-5 scaled by the output's magnitude."""
    want = np.asarray(expected["data"], "float64").reshape(expected["shape"])
    got = np.asarray(got)[0]
    if got.shape != want.shape:
        return f"fail (shape {got.shape}, expected {want.shape})"
    error = float(np.max(np.abs(got - want))) if want.size else 0.0
    scale = max(1.0, float(np.max(np.abs(want)))) if want.size else 1.0
    return "pass" if error <= 1e-5 * scale else f"fail (max error {error:.2e})"


def check(case, imports, code):
    """(legacy result, native result) for one case."""
    shapes = [w["shape"] for w in case.get("weights", [])]
    try:
        outputs = run_case(imports, code, shapes)
    except DataMismatch as error:
        return f"not applicable ({error})", "-"
    except Exception as error:  # noqa: BLE001 - every case gets a row
        return f"error ({type(error).__name__}: {str(error).splitlines()[0][:160]})", "-"
    if "legacy" not in outputs:
        return "not applicable (the notebook's code predicts nothing)", "-"
    legacy = compare(case["expected"], outputs["legacy"])
    native = outputs.get("native", "-")
    if isinstance(native, Exception):
        native = "refused (" + str(native).splitlines()[0][:160] + ")"
    elif not isinstance(native, str):
        native = compare(case["expected"], native)
    return legacy, native


# -- DL4J's Keras import files (deeplearning4j/dl4j-test-resources) -------------------------
def _backend_of(name):
    return "theano" if re.search(r"_th_|_theano_", name) else "tensorflow"


def _dl4j_golden(model_path, io_path, target):
    """A model file against DL4J's `*_inputs_and_outputs.h5` (Keras 1's predictions)."""
    import h5py
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = legacy_conv.load_model(model_path, target=target, compile=False,
                                       keras1_backend=_backend_of(model_path))
    with h5py.File(io_path, "r") as f:
        inputs = [np.asarray(f["inputs"][k]) for k in f["inputs"]]
        want = [np.asarray(f["predictions"][k]) for k in f["predictions"]]
    got = model(inputs if len(inputs) > 1 else inputs[0], training=False)
    got = got if isinstance(got, (list, tuple)) else [got]
    errors = [float(np.max(np.abs(keras.ops.convert_to_numpy(g) - w))) for g, w in zip(got, want)]
    scale = max(1.0, max(float(np.max(np.abs(w))) for w in want))
    return "pass" if max(errors) <= 1e-5 * scale else f"fail (max error {max(errors):.2e})"


def _dl4j_loads(model_path, target):
    """A Keras 1 model file without expected outputs: does it load?"""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        legacy_conv.load_model(model_path, target=target, compile=False,
                               keras1_backend=_backend_of(model_path))
    return "loads (no expected outputs)"


def _dl4j_config(path, target):
    with open(path) as f, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        legacy_conv.model_from_json(f.read(), target=target,
                                    keras1_backend=_backend_of(path))
    return "converts (config only)"


def _outcome(function, *args):
    try:
        return function(*args)
    except legacy_conv.ConversionError as error:
        return "refused (" + str(error).splitlines()[0][:200] + ")"
    except Exception as error:  # noqa: BLE001 - every file gets a row
        return f"error ({type(error).__name__}: {str(error).splitlines()[0][:160]})"


def dl4j_rows(root):
    """One row per Keras 1 file under DL4J's `modelimport/keras` folder (both targets)."""
    import h5py
    rows = []
    for path in sorted(glob.glob(os.path.join(root, "**", "*"), recursive=True)):
        name = os.path.relpath(path, root)
        if name.endswith(".resource_reference") and re.search(r"keras_?1|_1\.h5", name):
            rows.append((name, "-", "absent (stored outside git: .resource_reference)", "-"))
            continue
        if name.endswith("_config.json") and "keras1" in name.split(os.sep) or \
                re.search(r"keras_1_config\.json$", name):
            rows.append((name, "config", *(_outcome(_dl4j_config, path, t)
                                           for t in ("legacy", "native"))))
            continue
        if not name.endswith(".h5") or name.endswith(("_inputs_and_outputs.h5", "_weights.h5")):
            continue
        with h5py.File(path, "r") as f:
            version = f.attrs.get("keras_version")
            version = version.decode() if isinstance(version, bytes) else version
            if "model_config" not in f.attrs or not str(version or "1").startswith("1"):
                continue
        io_path = path.replace("_model.h5", "_inputs_and_outputs.h5")
        check = _dl4j_golden if os.path.exists(io_path) and io_path != path else None
        rows.append((name, "model file", *(
            _outcome(check, path, io_path, t) if check else _outcome(_dl4j_loads, path, t)
            for t in ("legacy", "native"))))
    return rows


def kerasjs_rows(root, only="", extract=None):
    """One row per keras-js case; the passing small ones appended to `extract`."""
    data, notebooks = read_checkout(root)
    rows = []
    for notebook, imports, cases in notebooks:
        for key, code in cases:
            if only not in key:
                continue
            if key not in data:
                rows.append((key, "-", "not applicable (no expected data)", "-"))
                continue
            legacy, native = check(data[key], imports, code)
            rows.append((key, layer_name(key), legacy, native))
            if extract is not None and legacy == "pass" and \
                    len(data[key]["expected"]["data"]) <= EXTRACT_LIMIT and \
                    sum(c["layer"] == layer_name(key) for c in extract["cases"]) < \
                    EXTRACT_PER_LAYER:
                extract["notebooks"][notebook] = _quiet(imports)
                extract["cases"].append({
                    "key": key, "layer": layer_name(key), "notebook": notebook,
                    "code": _quiet(code),
                    "weight_shapes": [w["shape"] for w in data[key].get("weights", [])],
                    "expected": data[key]["expected"]})
    return rows


class _NoPrints(ast.NodeTransformer):
    def visit_Expr(self, node):
        call = node.value
        is_print = isinstance(call, ast.Call) and getattr(call.func, "id", None) == "print"
        return ast.Pass() if is_print else node


def _quiet(code):
    """A notebook cell without its `print(...)` statements (the extract's size)."""
    return ast.unparse(_NoPrints().visit(ast.parse(code)))


def print_table(title, rows):
    width = max(len(r[0]) for r in rows)
    print(f"\n## {title}\n\n{'case':{width}}  {'layer':22} legacy  |  native")
    for key, layer, legacy, native in rows:
        print(f"{key:{width}}  {layer:22} {legacy}  |  {native}")
    counts = collections.Counter((target, result.split(" (")[0]) for row in rows
                                 for target, result in zip(("legacy", "native"), row[2:]))
    print(f"\n{len(rows)} cases; "
          + "; ".join(f"{t} {r}: {n}" for (t, r), n in sorted(counts.items())))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kerasjs", help="keras-js files at e00d27a (notebooks/, test/)")
    parser.add_argument("--dl4j", help="dl4j-test-resources' src/main/resources/modelimport/keras")
    parser.add_argument("-k", default="", help="only keras-js cases whose key contains this")
    parser.add_argument("--extract", help="write small passing keras-js cases to DIR/cases.json")
    args = parser.parse_args(argv)
    extract = {"notebooks": {}, "cases": []} if args.extract else None
    if args.kerasjs:
        print_table("keras-js (TensorFlow backend)", kerasjs_rows(args.kerasjs, args.k, extract))
    if args.dl4j:
        print_table("DL4J Keras import files", dl4j_rows(args.dl4j))
    if args.extract:
        os.makedirs(args.extract, exist_ok=True)
        with open(os.path.join(args.extract, "cases.json"), "w") as f:
            json.dump(extract, f, separators=(",", ":"))
        print(f"{len(extract['cases'])} cases written to {args.extract}/cases.json")


if __name__ == "__main__":
    sys.exit(main())
