"""Loads Keras 1 model files (model.save() .h5) in Keras 3 and checks their predictions.

    python examples/load_keras1_h5.py [MODEL.keras]

examples/data/ holds the same Keras 1 model saved by the real Keras 1.2.2 on Theano and on
TensorFlow, with each backend's predictions. Each file is loaded with
`legacy_conv.load_model(path, keras1_backend=...)` — Keras 1 files do not record their
backend, so the user says which one trained the model — and compared with Keras 1's
predictions. A `.keras` file written by `legacy-conv convert` from the Theano file can be
given too; it loads with plain `keras.models.load_model` (legacy_conv imported). Exit status 0
when every prediction matches.
"""

import os
import sys

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def report(label, model, backend):
    x = np.load(os.path.join(DATA, "input.npy"))
    expected = np.load(os.path.join(DATA, f"keras1_{backend}_predictions.npy"))
    diff = float(np.abs(model.predict(x, verbose=0) - expected).max())
    print(f"{label}: max |Keras 3 - Keras 1.2.2 on {backend}| = {diff:.1e}")
    return diff <= 1e-5


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    import keras

    import legacy_conv

    ok = True
    for backend in ("theano", "tensorflow"):
        path = os.path.join(DATA, f"keras1_{backend}_model.h5")
        model = legacy_conv.load_model(path, keras1_backend=backend)
        ok &= report(f"load_model({os.path.basename(path)!r}, keras1_backend={backend!r})",
                     model, backend)
    for path in argv:
        ok &= report(f"keras.models.load_model({path!r})", keras.models.load_model(path),
                     "theano")
    print("all predictions match Keras 1" if ok else "MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
