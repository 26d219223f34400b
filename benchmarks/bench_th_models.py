#!/usr/bin/env python
"""Times a whole 'th' (channels-first) Keras 1 model against its 'tf' twin, legacy target.

Both models come from Keras 1.2.2 JSON configs through `legacy_conv.model_from_json`
(target 'legacy'): a VGG-style Sequential net with ZeroPadding2D, Convolution2D ('valid' and
'same', ReLU), MaxPooling2D, UpSampling2D, Flatten, Dense, Dropout and a softmax, once with
dim_ordering='th' and once with 'tf'. The 'tf' twin gets the 'th' model's weights (kernels
permuted to the 'tf' layout, the first Dense's rows reordered for the other Flatten order)
and the same data transposed to channels-last, so both compute the same numbers ("max abs
diff").

Paths, each timed for both models:
  fwd          the model called inside `tf.function` (training=False)
  fwd+bwd      the same plus the gradients w.r.t. the input and every weight, for a fixed
               random upstream gradient
  predict      `model.predict_on_batch` (Keras' own compiled predict function)

Calls of the two models are interleaved ABBA; 'ratio' is the median over rounds of the
round's th / tf times (two adjacent calls), with the quartiles of those paired ratios as
the spread. `--graph` also prints, for each model's forward function, the ops TensorFlow's
Grappler leaves (how many Transpose nodes act on activations and on kernels).

This is a benchmark, not a test (pytest does not collect bench_*.py). Usage:

    python benchmarks/bench_th_models.py             # full run (about 2 minutes)
    python benchmarks/bench_th_models.py --quick     # < 30 s smoke run (tiny tensors: the
                                                     # 'th' model's few fixed transposes
                                                     # weigh 10-30% there)
    python benchmarks/bench_th_models.py --graph --markdown /tmp/th_models.md

Progress goes to stderr, the Markdown table to stdout (and to --markdown PATH).
"""

import argparse
import collections
import datetime
import gc
import json
import os
import platform
import shlex
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

PATHS = ("fwd", "fwd+bwd", "predict")
TARGET = 1.05


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="a smaller model and batch, shorter measurements (< 30 s)")
    parser.add_argument("--batch", type=int, default=None, help="default 16 (quick: 4)")
    parser.add_argument("--image", type=int, default=None, help="default 64 (quick: 32)")
    parser.add_argument("--width", type=int, default=None,
                        help="filters of the first convolutions (default 32, quick 8)")
    parser.add_argument("--keras1-backend", default="tensorflow",
                        choices=("tensorflow", "theano"))
    parser.add_argument("--paths", default=",".join(PATHS),
                        help="comma-separated among fwd, fwd+bwd, predict (default: all)")
    parser.add_argument("--budget", type=float, default=None,
                        help="seconds of timed calls per path (default 10, quick 1)")
    parser.add_argument("--min-rounds", type=int, default=None,
                        help="fewest interleaved rounds (default 20, quick 6)")
    parser.add_argument("--threads", type=int, default=None,
                        help="TensorFlow intra-op threads (default: the cores available)")
    parser.add_argument("--jit-compile", action="store_true",
                        help="compile every path with XLA (Keras' predict does so on GPUs; "
                             "on CPU-only machines it does not)")
    parser.add_argument("--graph", action="store_true",
                        help="also print the Transpose nodes Grappler leaves in each model's "
                             "forward function")
    parser.add_argument("--markdown", metavar="PATH",
                        help="also write the table, with a header describing the run, to PATH")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    quick = args.quick
    for name, full, small in (("batch", 16, 4), ("image", 64, 32), ("width", 32, 8),
                              ("budget", 10.0, 1.0), ("min_rounds", 20, 6)):
        if getattr(args, name) is None:
            setattr(args, name, small if quick else full)
    args.paths = [p.strip() for p in args.paths.split(",") if p.strip()]
    bad = [p for p in args.paths if p not in PATHS]
    if bad:
        parser.error(f"unknown path(s) {bad}; choose among {', '.join(PATHS)}")
    return args


import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402

from _machine import available_cores  # noqa: E402
from _machine import cpu_model  # noqa: E402

import legacy_conv  # noqa: E402


def log(message):
    print(message, file=sys.stderr, flush=True)


# -- the Keras 1 configs ------------------------------------------------------------------

def _layer(class_name, name, **config):
    return {"class_name": class_name, "config": {"name": name, "trainable": True, **config}}


def _conv(name, filters, border_mode, ordering):
    return _layer("Convolution2D", name, nb_filter=filters, nb_row=3, nb_col=3,
                  init="glorot_uniform", activation="relu", border_mode=border_mode,
                  subsample=[1, 1], dim_ordering=ordering, W_regularizer=None,
                  b_regularizer=None, activity_regularizer=None, W_constraint=None,
                  b_constraint=None, bias=True)


def _dense(name, units, activation):
    return _layer("Dense", name, output_dim=units, init="glorot_uniform",
                  activation=activation, W_regularizer=None, b_regularizer=None,
                  activity_regularizer=None, W_constraint=None, b_constraint=None,
                  bias=True, input_dim=None)


def keras1_config(ordering, image, width):
    """The Keras 1.2.2 JSON of the VGG-style net, as its `model.to_json()` writes it."""
    shape = [3, image, image] if ordering == "th" else [image, image, 3]
    pool = dict(pool_size=[2, 2], border_mode="valid", strides=[2, 2], dim_ordering=ordering)
    layers = [
        _layer("ZeroPadding2D", "pad1", padding=[1, 1], dim_ordering=ordering,
               batch_input_shape=[None] + shape, input_dtype="float32"),
        _conv("conv1", width, "valid", ordering),
        _conv("conv2", width, "same", ordering),
        _layer("MaxPooling2D", "pool1", **pool),
        _layer("ZeroPadding2D", "pad2", padding=[1, 1], dim_ordering=ordering),
        _conv("conv3", 2 * width, "valid", ordering),
        _conv("conv4", 2 * width, "same", ordering),
        _layer("MaxPooling2D", "pool2", **pool),
        _layer("UpSampling2D", "up", size=[2, 2], dim_ordering=ordering),
        _conv("conv5", 2 * width, "same", ordering),
        _layer("MaxPooling2D", "pool3", **pool),
        _layer("Flatten", "flatten"),
        _dense("dense1", 64, "relu"),
        _layer("Dropout", "dropout", p=0.5),
        _dense("dense2", 10, "softmax"),
    ]
    return json.dumps({"class_name": "Sequential", "config": layers, "keras_version": "1.2.2"})


def make_pair(args, rng):
    """The 'th' model (random weights) and its 'tf' twin with the same weights."""
    th, tf_ = (legacy_conv.model_from_json(keras1_config(o, args.image, args.width),
                                           keras1_backend=args.keras1_backend)
               for o in ("th", "tf"))
    for a, b in zip(th.layers, tf_.layers):
        weights = [rng.standard_normal(w.shape, dtype=np.float32) * 0.1
                   for w in a.get_weights()]
        a.set_weights(weights)
        if a.name.startswith("conv"):  # Keras 1 'th' kernel (o, i, r, c) -> 'tf' (r, c, i, o)
            weights = [np.transpose(weights[0], (2, 3, 1, 0)), weights[1]]
        elif a.name == "dense1":  # Flatten's order (c, r, col) -> (r, col, c)
            channels, rows, cols = th.get_layer("flatten").input.shape[1:]
            w = weights[0].reshape(channels, rows, cols, -1).transpose(1, 2, 0, 3)
            weights = [w.reshape(channels * rows * cols, -1), weights[1]]
        b.set_weights(weights)
    return th, tf_


# -- timing -------------------------------------------------------------------------------

def make_function(model, path, jit_compile=False):
    if path == "predict":
        model.jit_compile = jit_compile
        return model.predict_on_batch
    if path == "fwd":
        return tf.function(lambda x: model(x, training=False), jit_compile=jit_compile)
    variables = model.trainable_variables

    def fwd_bwd(x, dy):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = model(x, training=False)
        return y, tape.gradient(y, [x] + variables, output_gradients=dy)
    return tf.function(fwd_bwd, jit_compile=jit_compile)


def time_pair(calls, args):
    """Per-call seconds of the two (function, inputs) pairs, interleaved ABBA."""
    warm = []
    for _ in range(3):
        for f, inputs in calls:
            t0 = time.perf_counter()
            f(*inputs)
            warm.append(time.perf_counter() - t0)
    rounds = max(args.min_rounds, int(args.budget / (2 * statistics.median(warm))))
    times, cpu = ([], []), ([], [])
    pc, ct = time.perf_counter, time.process_time
    gc.collect()
    gc.disable()
    try:
        for r in range(rounds):
            for i in ((0, 1) if r % 2 == 0 else (1, 0)):
                f, inputs = calls[i]
                t0, c0 = pc(), ct()
                f(*inputs)
                times[i].append(pc() - t0)
                cpu[i].append(ct() - c0)
    finally:
        gc.enable()
    paired = sorted(a / b for a, b in zip(*times))
    quartiles = statistics.quantiles(paired, n=4)
    return dict(th_ms=statistics.median(times[0]) * 1e3, tf_ms=statistics.median(times[1]) * 1e3,
                ratio=statistics.median(paired), q1=quartiles[0], q3=quartiles[2],
                cpu_ratio=statistics.median(cpu[0]) / statistics.median(cpu[1]),
                rounds=rounds)


# -- what Grappler leaves -----------------------------------------------------------------

def optimized_graph(function, spec):
    from tensorflow.core.protobuf import config_pb2
    from tensorflow.python.grappler import tf_optimizer

    concrete = function.get_concrete_function(spec)
    graph = concrete.graph
    meta = tf.compat.v1.train.export_meta_graph(graph_def=graph.as_graph_def(), graph=graph)
    meta.collection_def["train_op"].node_list.value.extend(t.name for t in concrete.outputs)
    return tf_optimizer.OptimizeGraph(config_pb2.ConfigProto(), meta)


def transposes(graph_def):
    """(activation transposes, kernel transposes) left in the optimized graph."""
    nodes = {n.name: n for n in graph_def.node}
    counts = collections.Counter()
    for n in graph_def.node:
        if n.op == "Transpose":
            source = nodes.get(n.input[0].split(":")[0].lstrip("^"))
            counts["kernel" if source is not None and source.op == "ReadVariableOp"
                   else "activation"] += 1
    return counts["activation"], counts["kernel"]


# -- report -------------------------------------------------------------------------------

def table(rows):
    lines = ["| path | 'th' ms | 'tf' twin ms | ratio th/tf | spread (quartiles) | CPU time ratio "
             "| rounds |", "|---|---:|---:|---:|---|---:|---:|"]
    for r in rows:
        flag = " ⚠" if r["ratio"] > TARGET else ""
        lines.append(f"| {r['path']} | {r['th_ms']:.3f} | {r['tf_ms']:.3f} | "
                     f"{r['ratio']:.3f}{flag} | {r['q1']:.3f}–{r['q3']:.3f} | {r['cpu_ratio']:.3f} "
                     f"| {r['rounds']} |")
    return "\n".join(lines)


def header(args, elapsed, diff, graph_lines):
    command = "python " + " ".join(shlex.quote(a) for a in sys.argv)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines = [
        "# A 'th' Keras 1 model vs. its 'tf' twin (legacy target)",
        "",
        f"- Date: {datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}; "
        f"load average at the end {load:.1f}",
        f"- Machine: CPU only, {available_cores()} cores ({cpu_model()}), "
        f"{platform.system()} {platform.release()}",
        f"- TensorFlow {tf.__version__}, Keras {keras.__version__}, Python "
        f"{platform.python_version()}; intra-op threads {args.threads}; "
        f"jit_compile={args.jit_compile}",
        f"- Command: `{command}` (total {elapsed / 60:.1f} min)",
        f"- Model: VGG-style Sequential, input ({args.batch}, 3, {args.image}, {args.image}) "
        f"'th' / channels-last for the twin, first convolutions {args.width} filters, "
        f"Keras 1 backend {args.keras1_backend}; max abs diff of the outputs {diff:.1e}",
        "- Method: calls interleaved ABBA; ratio = median over rounds of the paired th / tf "
        "times, spread = their quartiles; CPU time ratio = ratio of the median process CPU "
        "times per call (both threads); ⚠ marks a ratio above the 1.05 target.",
    ]
    return "\n".join(lines + graph_lines + [""])


def main(argv=None):
    args = parse_args(argv)
    args.threads = args.threads or available_cores()
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    tf.config.set_visible_devices([], "GPU")
    rng = np.random.default_rng(args.seed)
    start = time.perf_counter()
    th, tf_ = make_pair(args, rng)
    x_th = rng.standard_normal((args.batch, 3, args.image, args.image), dtype=np.float32)
    x_tf = np.ascontiguousarray(np.moveaxis(x_th, 1, -1))
    y_th, y_tf = np.asarray(th(x_th)), np.asarray(tf_(x_tf))
    diff = float(np.max(np.abs(y_th - y_tf)))
    if diff > 1e-5:
        sys.exit(f"the 'th' model and its 'tf' twin differ (max abs diff {diff:.3g})")
    inputs = {"th": [tf.constant(x_th)], "tf": [tf.constant(x_tf)]}
    dy = tf.constant(rng.standard_normal(y_th.shape, dtype=np.float32))
    graph_lines = []
    if args.graph:
        for name, model in (("th", th), ("tf", tf_)):
            spec = tf.TensorSpec((args.batch,) + tuple(model.input_shape[1:]), tf.float32)
            graph = optimized_graph(make_function(model, "fwd"), spec)
            ops = collections.Counter(n.op for n in graph.node)
            act, kernel = transposes(graph)
            graph_lines.append(
                f"- Grappler's forward graph, '{name}': {act} activation transposes, "
                f"{kernel} kernel transposes; compute ops: "
                + ", ".join(f"{op} {ops[op]}" for op in sorted(ops) if op not in (
                    "Const", "ReadVariableOp", "Placeholder", "Identity", "NoOp")))
            log(graph_lines[-1])
    rows = []
    for path in args.paths:
        calls = []
        for name, model in (("th", th), ("tf", tf_)):
            extra = [dy] if path == "fwd+bwd" else []
            calls.append((make_function(model, path, args.jit_compile), inputs[name] + extra))
        t0 = time.perf_counter()
        for f, x in calls:
            f(*x)  # trace
        result = time_pair(calls, args)
        result["path"] = path
        log(f"  {path:<8} th {result['th_ms']:8.3f} ms  tf {result['tf_ms']:8.3f} ms  ratio "
            f"{result['ratio']:.3f} ({result['q1']:.3f}-{result['q3']:.3f}; CPU time "
            f"{result['cpu_ratio']:.3f}; "
            f"{result['rounds']} rounds, {time.perf_counter() - t0:.1f} s)")
        rows.append(result)
    elapsed = time.perf_counter() - start
    text = table(rows)
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(header(args, elapsed, diff, graph_lines) + "\n" + text + "\n")
        log(f"wrote {args.markdown}")


if __name__ == "__main__":
    main()
