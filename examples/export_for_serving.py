"""Converts a Keras 1 .h5 file and exports it for TF Serving; writes a REST request body.

    python examples/export_for_serving.py [MODELS_DIR] [--backend theano|tensorflow]
                                          [--target native|legacy] [--request PATH]

1. `legacy_conv.load_model` reads examples/data/keras1_<backend>_model.h5 (a 'th' model
   written by the real Keras 1.2.2). With `--target native` (default) it becomes Keras 3
   built-in layers that run channels-last, as CPUs want, with the same numbers.
2. `legacy_conv.serving.export_for_serving` writes it in TF Serving's versioned layout,
   MODELS_DIR/keras1_model/<version>/ (default MODELS_DIR: a temporary folder), each run
   adding the next version.
3. It writes a request body in TF Serving's REST format, `{"signature_name":
   "serving_default", "instances": [...]}` for two of the example inputs
   (default: examples/serving_request.json), then does locally what TF Serving does with it:
   loads the SavedModel with TensorFlow alone, runs the signature on the instances, and
   prints the `{"predictions": [...]}` body TF Serving would answer, checked against
   Keras 1.2.2's own predictions. Exit status 0 when they match (1e-5).

To serve the folder for real (Docker):
    docker run -p 8501:8501 -v MODELS_DIR/keras1_model:/models/keras1_model \
        -e MODEL_NAME=keras1_model tensorflow/serving
    curl -d @examples/serving_request.json \
        http://localhost:8501/v1/models/keras1_model:predict
"""

import argparse
import json
import os
import sys
import tempfile

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
NAME = "keras1_model"
INSTANCES = 2  # a small request body


def request_body(x):
    """TF Serving's REST "row" format: one entry per instance (one input, so no names).
    Each float32 is written with the fewest digits that read back as the same float32."""
    shortest = np.frompyfunc(lambda v: float(str(np.float32(v))), 1, 1)
    return {"signature_name": "serving_default",
            "instances": shortest(x.astype(np.float32)).tolist()}


def answer_locally(version_dir, body):
    """What TF Serving does with `body`, with TensorFlow alone: the {"predictions": ...}
    answer of the SavedModel's signature."""
    import tensorflow as tf

    signature = tf.saved_model.load(version_dir).signatures[body["signature_name"]]
    (input_name,) = signature.structured_input_signature[1]
    spec = signature.structured_input_signature[1][input_name]
    outputs = signature(**{input_name: tf.constant(body["instances"], dtype=spec.dtype)})
    (output,) = outputs.values()  # one output: each prediction is a plain list
    return {"predictions": output.numpy().tolist()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models_dir", nargs="?", default=None,
                        help="TF Serving's model root (default: a temporary folder)")
    parser.add_argument("--backend", choices=("theano", "tensorflow"), default="theano",
                        help="which Keras 1 backend's file (default: %(default)s)")
    parser.add_argument("--target", choices=("native", "legacy"), default="native")
    parser.add_argument("--request", default=os.path.join(HERE, "serving_request.json"),
                        help="where to write the request body (default: %(default)s)")
    args = parser.parse_args(argv)

    import legacy_conv
    from legacy_conv.serving import export_for_serving

    models_dir = args.models_dir or tempfile.mkdtemp(prefix="legacy_conv_serving_")
    source = os.path.join(DATA, f"keras1_{args.backend}_model.h5")
    model = legacy_conv.load_model(source, keras1_backend=args.backend, target=args.target,
                                   compile=False)
    exported = export_for_serving(model, models_dir, name=NAME)
    print(f"exported {os.path.relpath(source)} (target={args.target!r}) to {exported.path}")
    for kind, specs in (("input", exported.inputs), ("output", exported.outputs)):
        for name, spec in specs.items():
            print(f"  {kind} {name}: {spec.dtype.name} {list(spec.shape)}")

    x = np.load(os.path.join(DATA, "input.npy"))[:INSTANCES]
    body = request_body(x)
    with open(args.request, "w") as f:
        json.dump(body, f)
        f.write("\n")
    print(f"wrote the request body {args.request} ({INSTANCES} instances of shape "
          f"{list(x.shape[1:])})")

    answer = answer_locally(exported.path, body)
    expected = np.load(os.path.join(DATA, f"keras1_{args.backend}_predictions.npy"))
    diff = float(np.abs(np.array(answer["predictions"]) - expected[:INSTANCES]).max())
    print("TF Serving would answer:", json.dumps(
        {"predictions": [[round(v, 6) for v in row] for row in answer["predictions"]]}))
    print(f"max |served - Keras 1.2.2 on {args.backend}| = {diff:.1e}")
    ok = diff <= 1e-5
    print("the served predictions match Keras 1" if ok else "MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
