"""Runs a Keras 1 model on Keras 3 and checks it gives Keras 1.2.2's predictions.

    python examples/keras1_predict.py [--keras1-backend tensorflow|theano]

The model is Keras 1 code (keras1_model.py) with the import of the convolutional layers
changed to legacy_conv; weights, input and predictions in examples/data/ were written by
the real Keras 1.2.2 on each of its backends (make_example_data.py). Exit status 0 when
legacy_conv reproduces the chosen backend's predictions.
"""

import argparse
import os
import sys
import types

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keras1-backend", choices=("tensorflow", "theano"), default=None,
                        help="the Keras 1 backend whose numbers to reproduce (default: both)")
    args = parser.parse_args(argv)
    import keras

    import legacy_conv

    sys.path.insert(0, HERE)
    import keras1_model

    layers = types.SimpleNamespace(
        **{name: getattr(legacy_conv, name) for name in legacy_conv.__all__
           if name[0].isupper()}, Flatten=keras.layers.Flatten, Dense=keras.layers.Dense)
    weights = np.load(os.path.join(DATA, "keras1_weights.npz"))
    x = np.load(os.path.join(DATA, "input.npy"))
    status = 0
    for backend in [args.keras1_backend] if args.keras1_backend else ["tensorflow", "theano"]:
        model = keras1_model.build(layers, keras.Sequential, keras1_backend=backend)
        model.set_weights([weights[f"arr_{i}"] for i in range(len(weights.files))])
        ours = model.predict(x, verbose=0)
        for other in ("tensorflow", "theano"):
            theirs = np.load(os.path.join(DATA, f"keras1_{other}_predictions.npy"))
            diff = float(np.abs(ours - theirs).max())
            same = diff <= 1e-5
            print(f"keras1_backend={backend!r}: max |ours - Keras 1.2.2 on {other}| = "
                  f"{diff:.2e} ({'reproduced' if same else 'different'})")
            if other == backend and not same:
                status = 1
    print("class probabilities (first sample):", np.round(ours[0], 4).tolist())
    return status


if __name__ == "__main__":
    sys.exit(main())
