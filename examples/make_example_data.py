"""Writes examples/data/ with the REAL Keras 1.2.2: weights, an input, its predictions, and
the model file (`model.save()`) each backend wrote.

Run inside a Keras 1 environment (see tests/fixtures/keras1/README.md), once per backend:
    THEANO_FLAGS='blas.ldflags=,floatX=float32' KERAS_BACKEND=theano \
        /tmp/keras1-venv/bin/python examples/make_example_data.py
    KERAS_BACKEND=tensorflow CUDA_VISIBLE_DEVICES= /tmp/keras1-tf-venv/bin/python \
        examples/make_example_data.py --tf1-shim-dir ../shared/keras1-oracle
The weights are drawn once (seeded) and are the same for both backends; each backend
writes its own predictions. The data files are committed; nothing here runs in tests.
"""

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tf1-shim-dir", default=None)
    args = parser.parse_args()
    if args.tf1_shim_dir:
        sys.path.insert(0, args.tf1_shim_dir)
        import tf1_shim

        tf1_shim.install()
    import numpy as np
    import keras
    from keras import layers
    from keras.models import Sequential

    sys.path.insert(0, HERE)
    import keras1_model

    backend = keras.backend.backend()
    model = keras1_model.build(layers, Sequential)
    rng = np.random.RandomState(0)
    weights = [rng.uniform(-0.3, 0.3, w.shape).astype("float32") for w in model.get_weights()]
    model.set_weights(weights)
    x = rng.uniform(0, 1, (4, 3, 16, 16)).astype("float32")
    out = os.path.join(HERE, "data")
    os.makedirs(out, exist_ok=True)
    np.savez(os.path.join(out, "keras1_weights.npz"), *weights)
    np.save(os.path.join(out, "input.npy"), x)
    np.save(os.path.join(out, f"keras1_{backend}_predictions.npy"), model.predict(x))
    # The model file as users have it: model.save() after compile (with a training config).
    model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
    model.save(os.path.join(out, f"keras1_{backend}_model.h5"))
    print(f"keras {keras.__version__} on {backend}: wrote {out}")


if __name__ == "__main__":
    main()
