#!/usr/bin/env python
"""Times each legacy_conv layer against the native Keras 3 layer doing the same math.

Each measurement runs one layer inside `tf.function` on the CPU in float32, either the
forward pass alone ("fwd") or the forward pass plus the gradients with respect to the
input and to every trainable weight ("fwd+bwd", with a fixed random upstream gradient).
After a warm-up (trace plus a few calls), legacy and native calls are interleaved one by
one (the order alternating every round, ABBA...) so that machine noise hits both alike;
the reported time is the median per-call wall time (`time.perf_counter`), and the ratio
is the median over rounds of the round's legacy / native times (each round's two calls are
adjacent in time, so a slowdown of the machine that lasts longer than a round cancels).

Configurations:
  (a) dim_ordering='tf', keras1_backend='tensorflow'  vs native channels_last
      (the target is legacy/native <= 1.05)
  (b) dim_ordering='th' (channels-first input and output; the conv layers transpose to
      channels-last internally) vs native channels_last on the same data transposed
  (c) dim_ordering='tf', keras1_backend='theano' (flipped kernel; Theano's padding as a
      pad before a 'valid' op, or for Deconvolution2D a crop after it) vs native
      channels_last

Before timing, the native layer is given the legacy layer's weights (converted to the
Keras 3 layout) and both outputs are compared, to show that each pair does the same math
("max abs diff"; "n/a" for Deconvolution2D on Theano, whose 'same' pads one row and column
on both sides where TensorFlow's SAME, and so Conv2DTranspose, pads 0 before and 1 after:
the outputs are shifted by one pixel, so only the cost is comparable there).

This is a benchmark, not a test (pytest does not collect bench_*.py). Usage:

    python benchmarks/bench_layers.py                       # full run (a few minutes)
    python benchmarks/bench_layers.py --quick               # < 1 minute
    python benchmarks/bench_layers.py --only Convolution2D,Cropping2D --configs a
    python benchmarks/bench_layers.py --markdown benchmarks/RESULTS.md

Progress goes to stderr, the Markdown table to stdout (and to --markdown PATH).
"""

import argparse
import datetime
import gc
import os
import platform
import shlex
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

CONFIG_LABELS = {
    "a": "(a) tf, tensorflow",
    "b": "(b) th, tensorflow",
    "c": "(c) tf, theano",
}
PASSES = ("fwd", "fwd+bwd")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="smaller tensors and a shorter time per measurement (< 1 min)")
    parser.add_argument("--only", metavar="NAME",
                        help="comma-separated legacy or Keras 3 layer names "
                             "(e.g. Convolution2D or Conv2DTranspose), case-insensitive")
    parser.add_argument("--configs", default="a,b,c",
                        help="comma-separated configurations among a, b, c (default: all)")
    parser.add_argument("--passes", default=",".join(PASSES),
                        help="comma-separated passes among 'fwd' and 'fwd+bwd' "
                             "(default: both)")
    parser.add_argument("--markdown", metavar="PATH",
                        help="also write the table, with a header describing the run, to PATH")
    parser.add_argument("--threads", type=int, default=available_cores(),
                        help="TensorFlow intra-op threads, the same for legacy and native "
                             "(default: the cores available, %(default)s)")
    parser.add_argument("--inter-op-threads", type=int, default=1,
                        help="TensorFlow inter-op threads (default: %(default)s, ops run one "
                             "at a time, each on --threads threads)")
    parser.add_argument("--budget", type=float, default=None,
                        help="seconds of timed calls per measurement, legacy and native "
                             "together (default: 5.0, or 0.25 with --quick)")
    parser.add_argument("--min-rounds", type=int, default=None,
                        help="fewest interleaved rounds per measurement (default 15, quick 5)")
    parser.add_argument("--max-rounds", type=int, default=2000,
                        help="most interleaved rounds per measurement (default: %(default)s)")
    parser.add_argument("--warmup", type=int, default=3,
                        help="untimed calls of each function after tracing (default: %(default)s)")
    parser.add_argument("--jit-compile", action="store_true",
                        help="compile both functions with XLA (default: plain tf.function)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.budget is None:
        args.budget = 0.25 if args.quick else 5.0
    if args.min_rounds is None:
        args.min_rounds = 5 if args.quick else 15
    args.configs = [c.strip().lower() for c in args.configs.split(",") if c.strip()]
    bad = [c for c in args.configs if c not in CONFIG_LABELS]
    if bad:
        parser.error(f"unknown configuration(s) {bad}; choose among a, b, c")
    args.passes = [p.strip() for p in args.passes.split(",") if p.strip()]
    bad = [p for p in args.passes if p not in PASSES]
    if bad:
        parser.error(f"unknown pass(es) {bad}; choose among {', '.join(PASSES)}")
    args.only = ([n.strip().lower() for n in args.only.split(",") if n.strip()]
                 if args.only else None)
    return args


import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402

from _machine import available_cores  # noqa: E402
from _machine import cpu_model  # noqa: E402
from keras import layers as k3  # noqa: E402

import legacy_conv as lc  # noqa: E402
from legacy_conv.spec import layers as layer_spec  # noqa: E402


def log(message):
    print(message, file=sys.stderr, flush=True)


# -- sizes --------------------------------------------------------------------------------

def sizes(quick):
    if quick:
        return dict(seq=(8, 100, 32), seq_filters=32,
                    img=(4, 32, 32, 16), img_filters=32,
                    vol=(2, 8, 16, 16, 8), vol_filters=16,
                    deconv_in=(4, 16, 16, 16), deconv_filters=16)
    return dict(seq=(32, 200, 64), seq_filters=64,        # batch 32 x 200 steps x 64 dims
                img=(16, 64, 64, 32), img_filters=64,     # batch 16 x 64x64 x 32 -> 64, 3x3
                vol=(4, 16, 32, 32, 8), vol_filters=16,   # batch 4 x 16x32x32 x 8 -> 16, 3x3x3
                deconv_in=(16, 32, 32, 32), deconv_filters=32)  # 32x32 -> 64x64, stride 2


# -- cases --------------------------------------------------------------------------------

class Case:
    """One legacy layer, one configuration, and the native layer doing the same math."""

    def __init__(self, legacy_name, native_name, config, make, shape_key, rank,
                 channels_first=False, expect_match=True, note="", variant=""):
        self.legacy_name, self.native_name = legacy_name, native_name
        self.variant = variant  # e.g. "4x4/2": a second case of the same layer
        self.config = config
        self.make = make  # sizes -> (legacy layer, native layer)
        self.shape_key = shape_key
        self.rank = rank
        self.channels_first = channels_first
        self.expect_match = expect_match
        self.note = note

    @property
    def label(self):
        return CONFIG_LABELS[self.config]


def _k1(config):
    """Keras 1 keywords of a configuration."""
    if config == "a":
        return dict(dim_ordering="tf", keras1_backend="tensorflow")
    if config == "b":
        return dict(dim_ordering="th", keras1_backend="tensorflow")
    return dict(dim_ordering="tf", keras1_backend="theano")


def _no_ordering(kw):
    kw = dict(kw)
    kw.pop("dim_ordering")
    return kw


def build_cases():
    cases = []

    def add(*args, **kwargs):
        cases.append(Case(*args, **kwargs))

    # 1D convolutions: no dim_ordering in Keras 1, so only (a) and (c).
    for config in ("a", "c"):
        kw = _no_ordering(_k1(config))
        add("Convolution1D", "Conv1D", config,
            lambda s, kw=kw: (
                lc.Convolution1D(s["seq_filters"], 3, border_mode="same", **kw),
                k3.Conv1D(s["seq_filters"], 3, padding="same")),
            "seq", 1)
        add("AtrousConvolution1D", "Conv1D(dilation_rate=2)", config,
            lambda s, kw=kw: (
                lc.AtrousConvolution1D(s["seq_filters"], 3, atrous_rate=2, border_mode="same",
                                       **kw),
                k3.Conv1D(s["seq_filters"], 3, padding="same", dilation_rate=2)),
            "seq", 1)

    for config in ("a", "b", "c"):
        kw = _k1(config)
        cf = config == "b"
        add("Convolution2D", "Conv2D", config,
            lambda s, kw=kw: (
                lc.Convolution2D(s["img_filters"], 3, 3, border_mode="same", **kw),
                k3.Conv2D(s["img_filters"], 3, padding="same")),
            "img", 2, channels_first=cf)
        if config != "b":  # Theano pads k//2 on both sides and crops: not TensorFlow's SAME
            add("Convolution2D", "Conv2D", config,
                lambda s, kw=kw: (
                    lc.Convolution2D(s["img_filters"], 4, 4, border_mode="same",
                                     subsample=(2, 2), **kw),
                    k3.Conv2D(s["img_filters"], 4, strides=2, padding="same")),
                "img", 2, expect_match=config != "c", variant="4x4/2",
                note="Theano's 'same' pads 2 before and crops; TensorFlow's SAME pads 1/1")
        add("AtrousConvolution2D", "Conv2D(dilation_rate=2)", config,
            lambda s, kw=kw: (
                lc.AtrousConvolution2D(s["img_filters"], 3, 3, atrous_rate=(2, 2),
                                       border_mode="same", **kw),
                k3.Conv2D(s["img_filters"], 3, padding="same", dilation_rate=2)),
            "img", 2, channels_first=cf)
        if config != "c":  # Keras 1 had SeparableConvolution2D on TensorFlow only
            add("SeparableConvolution2D", "SeparableConv2D", config,
                lambda s, kw=kw: (
                    lc.SeparableConvolution2D(s["img_filters"], 3, 3, border_mode="same",
                                              **kw),
                    k3.SeparableConv2D(s["img_filters"], 3, padding="same")),
                "img", 2, channels_first=cf)

        def make_deconv(s, kw=kw, cf=cf):
            batch, rows, cols, _ = s["deconv_in"]
            f = s["deconv_filters"]
            out = (batch, f, 2 * rows, 2 * cols) if cf else (batch, 2 * rows, 2 * cols, f)
            return (lc.Deconvolution2D(f, 3, 3, output_shape=out, border_mode="same",
                                       subsample=(2, 2), **kw),
                    k3.Conv2DTranspose(f, 3, strides=2, padding="same"))
        add("Deconvolution2D", "Conv2DTranspose", config, make_deconv, "deconv_in", 2,
            channels_first=cf, expect_match=config != "c",
            note="Theano's 'same' pads 1 on both sides; TensorFlow's SAME pads 0/1")
        add("Convolution3D", "Conv3D", config,
            lambda s, kw=kw: (
                lc.Convolution3D(s["vol_filters"], 3, 3, 3, border_mode="same", **kw),
                k3.Conv3D(s["vol_filters"], 3, padding="same")),
            "vol", 3, channels_first=cf)

    # Cropping / UpSampling / ZeroPadding: no Keras 1 backend differences, so (a) and (b).
    add("Cropping1D", "Cropping1D", "a",
        lambda s: (lc.Cropping1D((2, 2)), k3.Cropping1D((2, 2))), "seq", 1)
    add("UpSampling1D", "UpSampling1D", "a",
        lambda s: (lc.UpSampling1D(2), k3.UpSampling1D(2)), "seq", 1)
    add("ZeroPadding1D", "ZeroPadding1D", "a",
        lambda s: (lc.ZeroPadding1D(2), k3.ZeroPadding1D(2)), "seq", 1)
    for config in ("a", "b"):
        order = _k1(config)["dim_ordering"]
        cf = config == "b"
        add("Cropping2D", "Cropping2D", config,
            lambda s, o=order: (lc.Cropping2D(((2, 2), (2, 2)), dim_ordering=o),
                                k3.Cropping2D(((2, 2), (2, 2)))), "img", 2, channels_first=cf)
        add("UpSampling2D", "UpSampling2D", config,
            lambda s, o=order: (lc.UpSampling2D((2, 2), dim_ordering=o),
                                k3.UpSampling2D((2, 2))), "img", 2, channels_first=cf)
        add("ZeroPadding2D", "ZeroPadding2D", config,
            lambda s, o=order: (lc.ZeroPadding2D((2, 2), dim_ordering=o),
                                k3.ZeroPadding2D((2, 2))), "img", 2, channels_first=cf)
        add("Cropping3D", "Cropping3D", config,
            lambda s, o=order: (lc.Cropping3D(((1, 1), (2, 2), (2, 2)), dim_ordering=o),
                                k3.Cropping3D(((1, 1), (2, 2), (2, 2)))),
            "vol", 3, channels_first=cf)
        add("UpSampling3D", "UpSampling3D", config,
            lambda s, o=order: (lc.UpSampling3D((2, 2, 2), dim_ordering=o),
                                k3.UpSampling3D((2, 2, 2))), "vol", 3, channels_first=cf)
        add("ZeroPadding3D", "ZeroPadding3D", config,
            lambda s, o=order: (lc.ZeroPadding3D((1, 2, 2), dim_ordering=o),
                                k3.ZeroPadding3D((1, 2, 2))), "vol", 3, channels_first=cf)
    return cases


# Keras 1's convolutional layers, in the order of their records.
ORDER = [name for name, layer in layer_spec.LAYERS.items() if layer.module == "convolutional"]


def selected_cases(args):
    cases = [c for c in build_cases() if c.config in args.configs]
    if args.only:
        known = {c.legacy_name.lower() for c in build_cases()}
        known |= {c.native_name.lower().split("(")[0] for c in build_cases()}
        unknown = [n for n in args.only if n not in known]
        if unknown:
            sys.exit(f"--only: unknown layer name(s) {unknown}; known: {', '.join(ORDER)}")
        cases = [c for c in cases
                 if c.legacy_name.lower() in args.only
                 or c.native_name.lower().split("(")[0] in args.only]
    cases.sort(key=lambda c: (ORDER.index(c.legacy_name), c.config))
    return cases


# -- layout helpers -----------------------------------------------------------------------

def to_first(a):
    """channels-last array -> channels-first."""
    return np.ascontiguousarray(np.moveaxis(a, -1, 1))


def to_last(a):
    return np.moveaxis(np.asarray(a), 1, -1)


def native_weights(legacy):
    """The legacy layer's weights in the native Keras 3 layout.

    The legacy layer turns its Keras 1 kernels into the `tf.nn` layout (transposed,
    reshaped, flipped for Theano) in `_tf_kernel`; that layout is Keras 3's for every pair
    here (Conv*: spatial, in, out; Conv2DTranspose: spatial, out, in; SeparableConv2D:
    depthwise spatial, in, multiplier and pointwise 1, 1, in * multiplier, out).
    """
    kernels = [np.asarray(legacy._tf_kernel(*k)) for k in getattr(legacy, "_kernels", [])]
    bias = [np.asarray(legacy.b)] if getattr(legacy, "bias", False) is True else []
    return kernels + bias


# -- timing -------------------------------------------------------------------------------

def make_function(layer, pass_, jit_compile):
    variables = layer.trainable_variables
    if pass_ == "fwd":
        def fwd(x):
            return layer(x)
        return tf.function(fwd, jit_compile=jit_compile)

    def fwd_bwd(x, dy):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = layer(x)
        grads = tape.gradient(y, [x] + variables, output_gradients=dy)
        return y, grads  # y is returned so that the forward pass cannot be pruned
    return tf.function(fwd_bwd, jit_compile=jit_compile)


def time_pair(f_legacy, in_legacy, f_native, in_native, args):
    """Median per-call seconds of each function, calls interleaved ABBA."""
    traced = []
    for f, inputs in ((f_legacy, in_legacy), (f_native, in_native)):
        t0 = time.perf_counter()
        f(*inputs)  # trace
        traced.append(time.perf_counter() - t0)
    warm = []
    for _ in range(args.warmup):
        for f, inputs in ((f_legacy, in_legacy), (f_native, in_native)):
            t0 = time.perf_counter()
            f(*inputs)
            warm.append(time.perf_counter() - t0)
    per_round = 2 * statistics.median(warm) if warm else 0.01
    rounds = int(min(args.max_rounds, max(args.min_rounds, args.budget / max(per_round, 1e-6))))
    legacy_t, native_t = [], []
    pc = time.perf_counter
    gc.collect()
    gc.disable()
    try:
        for r in range(rounds):
            order = ((f_legacy, in_legacy, legacy_t), (f_native, in_native, native_t))
            if r % 2:
                order = order[::-1]
            for f, inputs, out in order:
                t0 = pc()
                f(*inputs)
                out.append(pc() - t0)
    finally:
        gc.enable()
    # Each round's two calls are adjacent in time, so their ratio cancels machine states
    # (frequency, steal, neighbours) that last longer than a round; the ratio of the two
    # medians does not when the per-call times are bimodal.
    paired = statistics.median(a / b for a, b in zip(legacy_t, native_t))
    return statistics.median(legacy_t), statistics.median(native_t), paired, rounds, traced


def run_case(case, args, rng):
    s = sizes(args.quick)
    shape = s[case.shape_key]
    legacy, native = case.make(s)
    x_last = rng.standard_normal(shape, dtype=np.float32)
    x_legacy_np = to_first(x_last) if case.channels_first else x_last
    # Where the layouts agree, both layers read the very same input (and upstream gradient)
    # buffer: a copy at another address can run a few percent faster or slower (alignment
    # of the buffer within its page), which would bias the ratio.
    x_native = tf.constant(x_last)
    x_legacy = tf.constant(x_legacy_np) if case.channels_first else x_native

    y_legacy = legacy(x_legacy)  # builds
    y_native = native(x_native)
    weights = native_weights(legacy)
    if weights:
        native.set_weights(weights)
        y_native = native(x_native)
    y_legacy_last = to_last(y_legacy) if case.channels_first else np.asarray(y_legacy)
    if y_legacy_last.shape != tuple(y_native.shape):
        sys.exit(f"{case.legacy_name} {case.label}: legacy output {y_legacy_last.shape} "
                 f"(channels-last) but native output {tuple(y_native.shape)}")
    diff = float(np.max(np.abs(y_legacy_last - np.asarray(y_native))))
    scale = float(np.max(np.abs(np.asarray(y_native)))) or 1.0
    if case.expect_match:
        if diff > 1e-4 * scale:
            sys.exit(f"{case.legacy_name} {case.label}: legacy and native outputs differ "
                     f"(max abs diff {diff:.3g}); the pair does not do the same math")
        check = f"{diff:.1e}"
    else:
        check = "n/a"

    dy_last = rng.standard_normal(tuple(y_native.shape), dtype=np.float32)
    dy_native = tf.constant(dy_last)
    dy_legacy = tf.constant(to_first(dy_last)) if case.channels_first else dy_native

    results = []
    for pass_ in args.passes:
        f_legacy = make_function(legacy, pass_, args.jit_compile)
        f_native = make_function(native, pass_, args.jit_compile)
        in_legacy = (x_legacy,) if pass_ == "fwd" else (x_legacy, dy_legacy)
        in_native = (x_native,) if pass_ == "fwd" else (x_native, dy_native)
        t0 = time.perf_counter()
        tl, tn, ratio, rounds, traced = time_pair(f_legacy, in_legacy, f_native, in_native,
                                                  args)
        log(f"  {case.legacy_name + ' ' + case.variant:<24} {case.label:<20} {pass_:<8} legacy {tl * 1e3:9.3f} ms"
            f"  native {tn * 1e3:9.3f} ms  ratio {ratio:5.3f} (of medians {tl / tn:5.3f})  "
            f"({rounds} rounds, "
            f"trace {traced[0]:.2f}/{traced[1]:.2f} s, {time.perf_counter() - t0:.1f} s)")
        results.append(dict(layer=case.legacy_name + (f" {case.variant}" if case.variant else ""),
                            native=case.native_name,
                            config=f"{case.label}, {pass_}", legacy_ms=tl * 1e3,
                            native_ms=tn * 1e3, ratio=ratio, check=check,
                            case_config=case.config, rounds=rounds))
    return results


# -- report -------------------------------------------------------------------------------

def table(rows):
    lines = ["| layer | config | legacy ms | native ms | ratio | max abs diff |",
             "|---|---|---:|---:|---:|---:|"]
    for r in rows:
        flag = " ⚠" if r["case_config"] == "a" and r["ratio"] > 1.05 else ""
        lines.append(f"| {r['layer']} ↔ {r['native']} | {r['config']} | {r['legacy_ms']:.3f} "
                     f"| {r['native_ms']:.3f} | {r['ratio']:.3f}{flag} | {r['check']} |")
    return "\n".join(lines)


def header(args, elapsed):
    command = "python " + " ".join(shlex.quote(a) for a in sys.argv)
    s = sizes(args.quick)
    return "\n".join([
        "# legacy_conv vs. native Keras 3 layers: CPU benchmark",
        "",
        f"- Date: {datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}",
        f"- Machine: CPU only, {available_cores()} cores ({cpu_model()}), {platform.system()} "
        f"{platform.release()}",
        f"- TensorFlow {tf.__version__}, Keras {keras.__version__}, Python "
        f"{platform.python_version()}, NumPy {np.__version__}",
        f"- Threads: intra-op {args.threads}, inter-op {args.inter_op_threads} (the same for "
        f"legacy and native); float32; `tf.function` "
        f"(jit_compile={args.jit_compile})",
        f"- Command: `{command}` (total {elapsed / 60:.1f} min)",
        f"- Sizes: sequences {s['seq']} -> {s['seq_filters']} filters (k=3); images "
        f"{s['img']} -> {s['img_filters']} filters (3x3); volumes {s['vol']} -> "
        f"{s['vol_filters']} filters (3x3x3); deconvolution {s['deconv_in']} -> "
        f"{s['deconv_filters']} filters, 3x3, stride 2, to "
        f"{2 * s['deconv_in'][1]}x{2 * s['deconv_in'][2]}; all 'same'; atrous rate 2; "
        "Convolution2D 4x4/2: a 4x4 kernel at stride 2; "
        "Cropping (2, 2) per axis (3D: 1, 2, 2), UpSampling x2, ZeroPadding 2 (3D: 1, 2, 2)",
        f"- Method: warm-up (trace + {args.warmup} calls each), then legacy and native calls "
        f"interleaved ABBA for max({args.min_rounds}, {args.budget:g} s / round time) rounds "
        f"(at most {args.max_rounds}); 'legacy ms' and 'native ms' are the median per-call "
        "times, 'ratio' the median over rounds of legacy time / native time of the round's "
        "two adjacent calls (robust to machine slowdowns that last longer than a round; "
        "stderr also logs the ratio of the medians). 'fwd+bwd' also computes the "
        "gradients w.r.t. the input and all weights for a fixed random upstream gradient. "
        "Config (b) feeds the native layer the same data transposed to channels-last. "
        "'max abs diff': legacy vs. native output with the same weights. "
        "⚠ marks a config (a) ratio above the 1.05 target.",
        "",
    ])


def main(argv=None):
    args = parse_args(argv)
    # Threads must be fixed before TensorFlow creates its thread pools; the same pools then
    # serve the legacy and the native layers alike.
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.inter_op_threads)
    tf.config.set_visible_devices([], "GPU")
    cases = selected_cases(args)
    if not cases:
        sys.exit("no case selected")
    log(f"TensorFlow {tf.__version__}, Keras {keras.__version__}; intra-op threads "
        f"{args.threads}, inter-op {args.inter_op_threads}; {len(cases)} cases x "
        f"{len(args.passes)} passes{' (quick)' if args.quick else ''}")
    rng = np.random.default_rng(args.seed)
    start = time.perf_counter()
    rows = []
    for n, case in enumerate(cases, 1):
        log(f"[{n}/{len(cases)}] {case.legacy_name} {case.variant} vs {case.native_name}, {case.label}")
        rows.extend(run_case(case, args, rng))
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
