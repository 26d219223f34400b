#!/usr/bin/env python
"""The Keras 1.2.2 side of `bench_keras1_anchor.py`: runs INSIDE the Keras 1 environment.

Never run by the tests; `bench_keras1_anchor.py` starts it with the environment's Python
(TensorFlow backend, through `keras1_oracle/tf1_shim.py`). Two commands:

  build ORDERING PREFIX   build the VGG-style model in 'tf' or 'th' ordering, fix its weights
                          (seeded), `model.save(PREFIX.h5)`, and write PREFIX.npz: the input
                          batch `x` and Keras 1's `predict_on_batch(x)` as `y`.
  time PREFIX             in this fresh process: `load_model(PREFIX.h5)`, warm-up, then
                          blocks of timed `predict_on_batch(x)` calls when the benchmark asks
                          (`serve_timing`, which the benchmark's own processes use too).

Keras 1.2.2 reads HDF5 attributes as h5py 2 returned them (bytes); under h5py 3 a string
attribute comes back as `str` and `load_model` fails on `.decode`. `h5py2_strings()` gives
Keras 1 bytes again, as the h5py 2 its users had did; no Keras code is changed.
"""
import argparse
import json
import os
import resource
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build")
    build.add_argument("ordering", choices=("tf", "th"))
    build.add_argument("prefix")
    build.add_argument("--image", type=int, default=64)
    build.add_argument("--batch", type=int, default=8)
    build.add_argument("--seed", type=int, default=0)
    timing = sub.add_parser("time")
    timing.add_argument("prefix")
    timing.add_argument("--warmup", type=int, default=10)
    return p.parse_args(argv)


def import_keras():
    os.environ["KERAS_BACKEND"] = "tensorflow"
    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.path.insert(0, os.path.join(ROOT, "keras1_oracle"))
    import tf1_shim
    tf1_shim.install()
    import keras
    from keras import backend as K
    if K.backend() != "tensorflow":
        sys.exit(f"Keras picked backend {K.backend()!r}, expected 'tensorflow'")
    K.set_floatx("float32")
    K.set_epsilon(1e-7)
    return keras, K


def h5py2_strings():
    """String attributes as bytes, as h5py 2 returned them to Keras 1."""
    import h5py
    import numpy as np
    get = h5py.AttributeManager.__getitem__

    def as_bytes(value):
        return value.encode("utf8") if isinstance(value, str) else value

    def getitem(self, name):
        value = get(self, name)
        if isinstance(value, np.ndarray) and value.dtype == object:
            return np.array([as_bytes(v) for v in value.ravel()]).reshape(value.shape)
        return as_bytes(value)
    h5py.AttributeManager.__getitem__ = getitem


def vgg(ordering, image):
    """VGG-style: the vgg_th/vgg_tf fixtures' layers (tests/fixtures/keras1_models/
    model_defs.py) with realistic widths and a second pooling."""
    from keras.layers import Convolution2D, Dense, Dropout, Flatten, MaxPooling2D
    from keras.models import Sequential
    shape = (3, image, image) if ordering == "th" else (image, image, 3)
    m = Sequential()
    m.add(Convolution2D(32, 3, 3, border_mode="same", activation="relu",
                        dim_ordering=ordering, input_shape=shape))
    m.add(Convolution2D(64, 3, 2, border_mode="valid", activation="relu",
                        dim_ordering=ordering))
    m.add(MaxPooling2D(pool_size=(2, 2), dim_ordering=ordering))
    m.add(Convolution2D(128, 3, 3, border_mode="same", subsample=(2, 2),
                        activation="relu", dim_ordering=ordering))
    m.add(MaxPooling2D(pool_size=(2, 2), dim_ordering=ordering))
    m.add(Flatten())
    m.add(Dense(256, activation="relu"))
    m.add(Dropout(0.5))
    m.add(Dense(10, activation="softmax"))
    m.compile(optimizer="sgd", loss="categorical_crossentropy")
    return m


def build(args):
    import numpy as np
    np.random.seed(args.seed)  # Keras 1's initializers draw their seeds from NumPy
    keras, K = import_keras()
    K.set_image_dim_ordering(args.ordering)
    model = vgg(args.ordering, args.image)
    rng = np.random.RandomState(args.seed)
    weights = [w if w.ndim > 1 else rng.uniform(-0.1, 0.1, w.shape).astype("float32")
               for w in model.get_weights()]  # Keras 1's kernels, non-zero biases
    model.set_weights(weights)
    shape = (args.batch,) + tuple(model.input_shape[1:])
    x = rng.uniform(0, 1, shape).astype("float32")
    y = model.predict_on_batch(x)
    model.save(args.prefix + ".h5")
    np.savez(args.prefix + ".npz", x=x, y=y)
    print(json.dumps({"keras_version": keras.__version__, "params": int(model.count_params()),
                      "input_shape": list(shape), "output_shape": list(y.shape)}))


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def serve_timing(functions, x, y, warmup):
    """The timing protocol of both sides: warm each {route: f(x) -> predictions} up, print
    {"diff": {route: max abs diff against y}}, then for each line N read from stdin time N
    rounds of every route (the order rotating) and print {"times": .., "cpu": ..} (seconds
    per call, wall and process CPU); stop at an empty line or the end of stdin."""
    import numpy as np
    diffs = {}
    for route, f in functions.items():
        for _ in range(warmup):
            out = f(x)
        diffs[route] = float(np.abs(out - y).max())
    print(json.dumps({"diff": diffs}), flush=True)
    names = list(functions)
    pc = time.perf_counter
    for line in sys.stdin:
        if not line.strip():
            break
        times = {r: [] for r in names}
        cpu = {r: [] for r in names}
        for i in range(int(line)):
            for route in names[i % len(names):] + names[:i % len(names)]:
                f = functions[route]
                c0, t0 = cpu_seconds(), pc()
                f(x)
                t1, c1 = pc(), cpu_seconds()
                times[route].append(t1 - t0)
                cpu[route].append(c1 - c0)
        print(json.dumps({"times": times, "cpu": cpu}), flush=True)


def time_predict(args):
    import numpy as np
    import_keras()
    h5py2_strings()
    from keras.models import load_model
    data = np.load(args.prefix + ".npz")
    model = load_model(args.prefix + ".h5")
    serve_timing({"keras1": model.predict_on_batch}, data["x"], data["y"], args.warmup)


def main(argv=None):
    args = parse_args(argv)
    {"build": build, "time": time_predict}[args.command](args)


if __name__ == "__main__":
    main()
