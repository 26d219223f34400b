"""Fine-tunes a Keras 1 model in Keras 3: load its `.h5`, train on, save, reload.

    python examples/finetune_converted.py [OUT.keras]

The model in examples/data/ was trained and saved by the real Keras 1.2.2 on Theano.
`legacy_conv.load_model` gives it back with Keras 1's weights and compiles it from the file's
training config (SGD, lr 0.01, categorical cross-entropy, accuracy). The steps:

1. the loaded model predicts what Keras 1 predicted;
2. the convolutional layers are frozen and the classifier trained on with `model.fit`
   (here on a small synthetic 3-class task; use your own data);
3. the fine-tuned model is saved as `.keras` and reloads with the same predictions.

Exit status 0 when every step holds.
"""

import os
import sys
import tempfile

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def synthetic_task(n, seed=0):
    """Images (3, 16, 16), 'th' order, whose class is the channel with the brightest mean."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    x = rng.random((n, 3, 16, 16), dtype=np.float32)
    x[np.arange(n), labels] += 0.5
    return x, np.eye(3, dtype=np.float32)[labels]


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    import keras

    import legacy_conv

    keras.utils.set_random_seed(0)
    model = legacy_conv.load_model(os.path.join(DATA, "keras1_theano_model.h5"),
                                   keras1_backend="theano")
    x = np.load(os.path.join(DATA, "input.npy"))
    keras1 = np.load(os.path.join(DATA, "keras1_theano_predictions.npy"))
    diff = float(np.abs(model.predict(x, verbose=0) - keras1).max())
    print(f"1. loaded: {type(model.optimizer).__name__} from the file's training config; "
          f"max |Keras 3 - Keras 1.2.2| = {diff:.1e}")

    for layer in model.layers:  # fine-tune the classifier only
        layer.trainable = isinstance(layer, keras.layers.Dense)
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="categorical_crossentropy",
                  metrics=["accuracy"])  # compile again after changing `trainable`
    frozen = {w.path: w.numpy() for w in model.non_trainable_weights}
    x_train, y_train = synthetic_task(512)
    x_val, y_val = synthetic_task(256, seed=1)
    before = model.evaluate(x_val, y_val, verbose=0)
    model.fit(x_train, y_train, epochs=20, batch_size=32, verbose=0)
    after = model.evaluate(x_val, y_val, verbose=0)
    print(f"2. fine-tuned the Dense layer: validation loss {before[0]:.3f} -> {after[0]:.3f}, "
          f"accuracy {before[1]:.2f} -> {after[1]:.2f}")
    unchanged = all(np.array_equal(w.numpy(), frozen[w.path]) for w in model.non_trainable_weights)

    path = argv[0] if argv else os.path.join(tempfile.mkdtemp(), "finetuned.keras")
    model.save(path)
    again = keras.models.load_model(path)  # legacy_conv is imported: its layers are known
    same = np.array_equal(again.predict(x_val, verbose=0), model.predict(x_val, verbose=0))
    print(f"3. saved {path}; reloaded predictions {'identical' if same else 'DIFFERENT'}")

    ok = diff <= 1e-5 and after[0] < before[0] and unchanged and same
    print("fine-tuning worked" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
