#!/usr/bin/env python
"""Times exported SavedModels of Keras 1 models against the same nets of Keras 3 built-ins.

Each pair of models is exported the same way (`model.export(DIR)`), loaded back with
`tf.saved_model.load`, and its `serving_default` signature — what TF Serving runs — is
called on the CPU in float32. After a warm-up, the two signatures are called interleaved
one by one (the order alternating every round, ABBA...); the reported times are the median
per-call wall times (`time.perf_counter`) and the ratio is the median over rounds of the
round's A / B times (each round's two calls are adjacent in time, so a slowdown of the
machine that lasts longer than a round cancels).

Pairs (A vs B):
  vgg       the vgg_tf fixture (Keras 1.2.2 JSON: Convolution2D 'same' and 'valid' 3x2,
            MaxPooling2D, strided Convolution2D, Flatten, Dense, Dropout, Dense) converted
            with `legacy_conv.model_from_json` (target 'legacy', Keras 1 backend
            'tensorflow'), vs the same net written directly with keras.layers (Conv2D, ...)
            and given the same weights. Target: <= 1.05.
  text_cnn  the text_cnn fixture (Embedding, Convolution1D 'same', MaxPooling1D,
            AtrousConvolution1D, GlobalMaxPooling1D, Dense) the same way. Target: <= 1.05.
  vgg_th    the vgg_th fixture ('th': channels-first) exported through
            `legacy_conv.modernize` (Keras 3 built-ins, channels-last inside), vs its 'tf'
            twin vgg_tf exported the same way; for each Keras 1 backend. Target: <= 1.10.
            Also, for information, vgg_th exported without modernize (the legacy layers
            transpose to channels-last and back at every layer).
The fixtures' sizes are tiny (12x12 images, 16 tokens); here the inputs are bigger
(--image, --length, --batch) and, with --width K, every layer but the last has K times
its filters or units. The default runs widths 1 (the fixtures') and 8.

This is a benchmark, not a test (pytest does not collect bench_*.py). Usage:

    python benchmarks/bench_serving.py                      # full run (a few minutes)
    python benchmarks/bench_serving.py --quick              # < 1 minute
    python benchmarks/bench_serving.py --markdown benchmarks/SERVING.md

Progress goes to stderr, the Markdown table to stdout (and to --markdown PATH).
"""

import argparse
import datetime
import gc
import json
import os
import pathlib
import platform
import shlex
import statistics
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "keras1_models" / "k122_tensorflow"
TARGETS = {"vgg": 1.05, "text_cnn": 1.05, "vgg_th": 1.10}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="width 1 only and a shorter time per measurement (< 1 min)")
    parser.add_argument("--only", default="vgg,text_cnn,vgg_th",
                        help="comma-separated pairs among vgg, text_cnn, vgg_th")
    parser.add_argument("--widths", default=None,
                        help="comma-separated width multipliers (default: 1,8; quick: 1)")
    parser.add_argument("--batch", type=int, default=8, help="samples per call (default 8)")
    parser.add_argument("--image", type=int, default=64,
                        help="image rows = cols for the VGG nets (default 64)")
    parser.add_argument("--length", type=int, default=256,
                        help="tokens per sample for the text CNN (default 256)")
    parser.add_argument("--markdown", metavar="PATH",
                        help="also write the table, with a header describing the run, to PATH")
    parser.add_argument("--threads", type=int, default=available_cores(),
                        help="TensorFlow intra-op threads (default: the cores available, "
                             "%(default)s)")
    parser.add_argument("--inter-op-threads", type=int, default=1,
                        help="TensorFlow inter-op threads (default: %(default)s)")
    parser.add_argument("--budget", type=float, default=None,
                        help="seconds of timed calls per pair (default 6.0, quick 1.0)")
    parser.add_argument("--min-rounds", type=int, default=None,
                        help="fewest interleaved rounds per pair (default 30, quick 10)")
    parser.add_argument("--max-rounds", type=int, default=5000)
    parser.add_argument("--warmup", type=int, default=5,
                        help="untimed calls of each signature (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.budget is None:
        args.budget = 1.0 if args.quick else 6.0
    if args.min_rounds is None:
        args.min_rounds = 10 if args.quick else 30
    if args.widths is None:
        args.widths = "1" if args.quick else "1,8"
    args.widths = [int(w) for w in args.widths.split(",") if w.strip()]
    args.only = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in args.only if n not in TARGETS]
    if unknown:
        parser.error(f"unknown pair(s) {unknown}; choose among {', '.join(TARGETS)}")
    return args


import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402

from _machine import available_cores  # noqa: E402
from _machine import cpu_model  # noqa: E402
from keras import layers as k3  # noqa: E402

import legacy_conv  # noqa: E402


def log(message):
    print(message, file=sys.stderr, flush=True)


# -- the Keras 1 models, from the fixtures' JSON, resized -----------------------------------
def keras1_config(name, width, batch_shape=None, length=None):
    """The fixture's Keras 1 config with a bigger input and `width` times the filters/units
    of every layer but the last."""
    config = json.loads((FIXTURES / f"{name}.json").read_text())
    layers = config["config"]
    for index, layer in enumerate(layers):
        c = layer["config"]
        last = index == len(layers) - 1
        if index == 0 and batch_shape is not None:
            c["batch_input_shape"] = list(batch_shape)
        if length is not None and "input_length" in c and layer["class_name"] == "Embedding":
            c["input_length"] = length
            c["batch_input_shape"] = [None, length]
        for key in ("nb_filter", "output_dim"):
            if key in c and not last and layer["class_name"] != "Embedding":
                c[key] *= width
        if index > 0:
            c.pop("input_dim", None)  # Keras 1 records the fixture's own sizes there
    return json.dumps(config)


def legacy_model(name, width, keras1_backend, **resize):
    return legacy_conv.model_from_json(keras1_config(name, width, **resize),
                                       keras1_backend=keras1_backend)


# -- the same nets written directly with Keras 3 built-ins ---------------------------------
def vgg_native(image, width):
    return keras.Sequential([
        keras.Input((image, image, 3)),
        k3.Conv2D(4 * width, (3, 3), padding="same", activation="relu"),
        k3.Conv2D(5 * width, (3, 2), padding="valid", activation="relu"),
        k3.MaxPooling2D((2, 2)),
        k3.Conv2D(6 * width, (3, 3), strides=(2, 2), padding="same", activation="relu"),
        k3.Flatten(),
        k3.Dense(16 * width, activation="relu"),
        k3.Dropout(0.5),
        k3.Dense(5, activation="softmax")])


def text_cnn_native(length, width):
    return keras.Sequential([
        keras.Input((length,), dtype="int32"),
        k3.Embedding(30, 5),
        k3.Conv1D(6 * width, 3, padding="same", activation="relu"),
        k3.MaxPooling1D(2),
        k3.Conv1D(4 * width, 3, dilation_rate=2, activation="tanh"),
        k3.GlobalMaxPooling1D(),
        k3.Dense(3, activation="softmax")])


def randomize(model, rng):
    model.set_weights([rng.uniform(-0.3, 0.3, w.shape).astype("float32")
                       for w in model.get_weights()])


# -- pairs -----------------------------------------------------------------------------------
class Pair:
    def __init__(self, key, label, a_label, a, b_label, b, x, informational=False):
        self.key, self.label = key, label
        self.a_label, self.a, self.b_label, self.b = a_label, a, b_label, b
        self.x = x
        self.target = None if informational else TARGETS[key]
        self.same_numbers = True


def build_pairs(args, width, rng):
    pairs = []
    batch, image, length = args.batch, args.image, args.length
    images = rng.uniform(0, 1, (batch, image, image, 3)).astype("float32")
    if "vgg" in args.only:
        legacy = legacy_model("vgg_tf", width, "tensorflow", batch_shape=[None, image, image, 3])
        randomize(legacy, rng)
        native = vgg_native(image, width)
        native.set_weights(legacy_conv.modernize(legacy).get_weights())
        pairs.append(Pair("vgg", "vgg_tf (legacy) vs Keras 3 built-ins", "legacy_conv", legacy,
                          "built-in", native, images))
    if "text_cnn" in args.only:
        legacy = legacy_model("text_cnn", width, "tensorflow", length=length)
        randomize(legacy, rng)
        native = text_cnn_native(length, width)
        native.set_weights(legacy_conv.modernize(legacy).get_weights())
        tokens = rng.integers(0, 30, (batch, length)).astype("int32")
        pairs.append(Pair("text_cnn", "text_cnn (legacy) vs Keras 3 built-ins", "legacy_conv",
                          legacy, "built-in", native, tokens))
    if "vgg_th" in args.only:
        first = np.ascontiguousarray(images.transpose(0, 3, 1, 2))
        for backend in ("tensorflow", "theano"):
            th = legacy_model("vgg_th", width, backend, batch_shape=[None, 3, image, image])
            randomize(th, rng)
            tf_twin = legacy_model("vgg_tf", width, backend, batch_shape=[None, image, image, 3])
            randomize(tf_twin, rng)
            twin = legacy_conv.modernize(tf_twin)
            pair = Pair("vgg_th", f"vgg_th via modernize vs its 'tf' twin (Keras 1 {backend})",
                        "modernized th", legacy_conv.modernize(th), "modernized tf", twin,
                        (first, images))
            pair.reference = th  # the modernized model must predict what the legacy one does
            pair.same_numbers = False
            pairs.append(pair)
            if backend == "tensorflow":
                info = Pair("vgg_th", "vgg_th legacy (no modernize) vs its 'tf' twin, for "
                            "information", "legacy th", th, "modernized tf", twin,
                            (first, images), informational=True)
                info.same_numbers = False
                pairs.append(info)
    return pairs


# -- export, load, check, time ---------------------------------------------------------------
def export_and_load(model, folder):
    model.export(str(folder), verbose=False)
    signature = tf.saved_model.load(str(folder)).signatures["serving_default"]
    (name,) = signature.structured_input_signature[1]
    return lambda x: signature(**{name: x})["output_0"]


def time_pair(f_a, x_a, f_b, x_b, args):
    for _ in range(args.warmup):
        f_a(x_a)
        f_b(x_b)
    t0 = time.perf_counter()
    for _ in range(args.warmup):
        f_a(x_a)
        f_b(x_b)
    per_round = (time.perf_counter() - t0) / max(args.warmup, 1)
    rounds = int(min(args.max_rounds, max(args.min_rounds, args.budget / max(per_round, 1e-6))))
    a_t, b_t = [], []
    pc = time.perf_counter
    gc.collect()
    gc.disable()
    try:
        for r in range(rounds):
            order = ((f_a, x_a, a_t), (f_b, x_b, b_t))
            if r % 2:
                order = order[::-1]
            for f, x, out in order:
                t0 = pc()
                f(x)
                out.append(pc() - t0)
    finally:
        gc.enable()
    ratio = statistics.median(a / b for a, b in zip(a_t, b_t))
    return statistics.median(a_t), statistics.median(b_t), ratio, rounds


def run_pair(pair, width, args, tmp):
    x_a, x_b = pair.x if isinstance(pair.x, tuple) else (pair.x, pair.x)
    x_a, x_b = tf.constant(x_a), tf.constant(x_b)
    f_a = export_and_load(pair.a, tmp / f"a_{id(pair)}")
    f_b = export_and_load(pair.b, tmp / f"b_{id(pair)}")
    y_a, y_b = f_a(x_a).numpy(), f_b(x_b).numpy()
    if pair.same_numbers:  # the two SavedModels compute the same function
        diff = float(np.abs(y_a - y_b).max())
    else:  # each SavedModel predicts what its own Keras 1 model predicts
        reference = getattr(pair, "reference", pair.a)
        diff = float(np.abs(y_a - reference.predict(x_a, verbose=0)).max())
    scale = float(np.abs(y_a).max()) or 1.0
    if diff > 1e-4 * max(scale, 1.0):
        sys.exit(f"{pair.label}: outputs differ by {diff:.3g}; the pair does not compute the "
                 "same function")
    ta, tb, ratio, rounds = time_pair(f_a, x_a, f_b, x_b, args)
    log(f"  width {width} {pair.label:<60} {pair.a_label} {ta * 1e3:8.3f} ms  {pair.b_label} "
        f"{tb * 1e3:8.3f} ms  ratio {ratio:5.3f} (of medians {ta / tb:5.3f}) ({rounds} rounds)")
    return dict(pair=pair.label, width=width, a=pair.a_label, b=pair.b_label, a_ms=ta * 1e3,
                b_ms=tb * 1e3, ratio=ratio, target=pair.target, diff=diff,
                params=pair.a.count_params())


# -- report ----------------------------------------------------------------------------------
def table(rows):
    lines = ["| pair | width | A | A ms | B | B ms | A / B | target | max abs diff |",
             "|---|---:|---|---:|---|---:|---:|---:|---:|"]
    for r in rows:
        target = "—" if r["target"] is None else f"≤ {r['target']:.2f}"
        flag = " ⚠" if r["target"] is not None and r["ratio"] > r["target"] else ""
        lines.append(f"| {r['pair']} | {r['width']} | {r['a']} | {r['a_ms']:.3f} | {r['b']} | "
                     f"{r['b_ms']:.3f} | {r['ratio']:.3f}{flag} | {target} | {r['diff']:.1e} |")
    return "\n".join(lines)


def header(args, elapsed):
    command = "python " + " ".join(shlex.quote(a) for a in sys.argv)
    return "\n".join([
        "# Serving benchmark: exported SavedModels of Keras 1 models vs Keras 3 built-ins",
        "",
        f"- Date: {datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}",
        f"- Machine: CPU only, {available_cores()} cores ({cpu_model()}), {platform.system()} "
        f"{platform.release()}",
        f"- TensorFlow {tf.__version__}, Keras {keras.__version__}, Python "
        f"{platform.python_version()}, NumPy {np.__version__}",
        f"- Threads: intra-op {args.threads}, inter-op {args.inter_op_threads}; float32",
        f"- Command: `{command}` (total {elapsed / 60:.1f} min)",
        f"- Sizes: batch {args.batch}; VGG nets {args.image}x{args.image}x3 images; text CNN "
        f"{args.length} tokens (vocabulary 30, 5 dimensions); width K: every layer but the "
        "last has K times the fixture's filters or units (fixture: VGG 4, 5, 6 filters and "
        "16 units; text CNN 6 and 4 filters)",
        "- Method: each model exported with `model.export(DIR)`, loaded with "
        "`tf.saved_model.load`, and its `serving_default` signature called; after a warm-up, "
        f"A and B interleaved ABBA for max({args.min_rounds}, {args.budget:g} s / round time) "
        f"rounds (at most {args.max_rounds}); 'A ms' and 'B ms' are median per-call times, "
        "'A / B' the median over rounds of the ratio of the round's two adjacent calls. "
        "'max abs diff': for legacy vs built-in, between the two SavedModels (same weights); "
        "for the 'th' rows, between the modernized SavedModel and the legacy Keras model it "
        "came from (the 'tf' twin has its own weights). ⚠ marks a ratio above its target.",
        "- Reading it: a 'tf' model on Keras 1's TensorFlow backend converts to the same "
        "TensorFlow ops as the hand-written Keras 3 net, so its SavedModel runs at 1.00x. A "
        "modernized 'th' model is channels-last inside but keeps its channels-first input, "
        "which it transposes once; with the fixture's 4-6 filters that transpose is a "
        "sizeable part of the whole net's work, with realistic widths it is not. The "
        "legacy 'th' row (no modernize) transposes around every convolution and pooling.",
        "",
    ])


def main(argv=None):
    args = parse_args(argv)
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.inter_op_threads)
    tf.config.set_visible_devices([], "GPU")
    log(f"TensorFlow {tf.__version__}, Keras {keras.__version__}; intra-op threads "
        f"{args.threads}, inter-op {args.inter_op_threads}; widths {args.widths}")
    rng = np.random.default_rng(args.seed)
    start = time.perf_counter()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_serving_") as tmp:
        for width in args.widths:
            for pair in build_pairs(args, width, rng):
                rows.append(run_pair(pair, width, args, pathlib.Path(tmp)))
            keras.backend.clear_session()
    elapsed = time.perf_counter() - start
    text = table(rows)
    print(text)
    log(f"done in {elapsed:.1f} s")
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(header(args, elapsed) + "\n" + text + "\n")
        log(f"wrote {args.markdown}")


if __name__ == "__main__":
    main()
