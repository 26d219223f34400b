#!/usr/bin/env python
"""Inference against the real Keras 1.2.2 (TensorFlow backend): as fast as what users ran?

The anchor is Keras 1.2.2 itself, on its TensorFlow backend (TensorFlow 2.21 in graph mode
through `keras1_oracle/tf1_shim.py`; build the environment with `keras1_oracle/setup-tf.sh`,
about 3 minutes, default `/tmp/keras1-tf-venv`). For a 'tf' and a 'th' VGG-style model
(`_keras1_anchor_child.py`'s `vgg`: Convolution2D 3x3 'same' 32, 3x2 'valid' 64,
MaxPooling2D, strided 3x3 'same' 128, MaxPooling2D, Flatten, Dense 256, Dropout,
Dense 10 softmax; 64x64x3 images, batch 8), Keras 1.2.2 builds the model, fixes its
weights, saves it with `model.save()` and records its `predict_on_batch` of a fixed batch,
in its own process. Then, for each of several process groups, three fresh processes start
side by side and warm up:
  keras1      Keras 1.2.2's `load_model` of that file, `predict_on_batch(x)` (NumPy in and out)
  ours        `legacy_conv.load_model(file, keras1_backend='tensorflow', compile=False)`, and
              six routes, each NumPy in and out as `predict_on_batch`:
                tf.function   the converted (legacy) model, `tf.function(model(x, training=False))`
                modernize     `legacy_conv.modernize(model)` (Keras 3 built-ins), the same way
                SavedModel    `legacy_conv.serving.export_for_serving` (what `model.export`
                              writes, with stable names), loaded with plain
                              `tf.saved_model.load`, its `serving_default` signature
                predictor, predictor(modernize), predictor(SavedModel)
                              the same three through `legacy_conv.serving.predictor` (the
                              concrete function called directly, without `tf.function`'s
                              per-call dispatch: the host path of Keras 1's `session.run`)
  TF only     the same SavedModel and signature in a process that imports TensorFlow alone
              (as a server's), not legacy_conv or Keras: "SavedModel, TF only"
and then take turns: in each round one process at a time times a block of calls while the
others wait on their stdin (the 'ours' process its six routes in a rotating order), the
one going first rotating from round to round and from group to group. Wall time is
`time.perf_counter`, CPU time the process's user+system time (`resource.getrusage`, all
threads). A round's ratio is a route's median call in that round over Keras 1's; a group's
ratio is the median over its rounds (so a slow spell of a shared machine hits every side);
the table gives the median of the groups' ratios and their spread (min-max), for wall and
CPU time. Every
route's output is checked against Keras 1's own (max abs diff <= 1e-5).
Target: every route <= 1.0x Keras 1.2.2, both models. Both sides use TensorFlow's default
thread pools (as Keras 1's session and a user's process did).

This is a benchmark, not a test (pytest does not collect bench_*.py). Usage:

    python benchmarks/bench_keras1_anchor.py                 # full run (about 8 minutes)
    python benchmarks/bench_keras1_anchor.py --quick         # about 3 minutes
    python benchmarks/bench_keras1_anchor.py --markdown benchmarks/RESULTS.md   # appended
    python benchmarks/bench_keras1_anchor.py --keras1-python /path/to/venv/bin/python

Progress goes to stderr, the Markdown table to stdout (and to --markdown PATH, appended).
"""

import argparse
import datetime
import json
import os
import pathlib
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
CHILD = HERE / "_keras1_anchor_child.py"
DEFAULT_KERAS1_PYTHON = "/tmp/keras1-tf-venv/bin/python"
ROUTES = ("tf.function", "modernize", "SavedModel", "predictor", "predictor(modernize)",
          "predictor(SavedModel)", "SavedModel, TF only")
TARGET = 1.0
TOLERANCE = 1e-5
QUIET_TF = {"TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="fewer process groups, rounds and calls (about 3 minutes)")
    parser.add_argument("--keras1-python", default=DEFAULT_KERAS1_PYTHON,
                        help="Python of the Keras 1.2.2 TensorFlow environment "
                             "(keras1_oracle/setup-tf.sh; default %(default)s)")
    parser.add_argument("--orderings", default="tf,th", help="default: %(default)s")
    parser.add_argument("--groups", type=int, default=None,
                        help="process groups per model (default 5, quick 3)")
    parser.add_argument("--rounds", type=int, default=None,
                        help="rounds of blocks per process group (default 15, quick 5)")
    parser.add_argument("--calls", type=int, default=None,
                        help="timed calls per route and block (default 10, quick 5)")
    parser.add_argument("--warmup", type=int, default=10,
                        help="untimed calls per route first (default %(default)s)")
    parser.add_argument("--image", type=int, default=64, help="rows = cols (default 64)")
    parser.add_argument("--batch", type=int, default=8, help="samples per call (default 8)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--markdown", metavar="PATH",
                        help="also append the table, with a header describing the run")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "PREFIX"),
                        help=argparse.SUPPRESS)  # export | time | plain, in a fresh process
    args = parser.parse_args(argv)
    if args.groups is None:
        args.groups = 3 if args.quick else 5
    if args.rounds is None:
        args.rounds = 5 if args.quick else 15
    if args.calls is None:
        args.calls = 5 if args.quick else 10
    args.orderings = [o.strip() for o in args.orderings.split(",") if o.strip()]
    if set(args.orderings) - {"tf", "th"}:
        parser.error(f"--orderings: 'tf' and/or 'th', got {args.orderings}")
    return args


def log(message):
    print(message, file=sys.stderr, flush=True)


# -- the 'ours' processes --------------------------------------------------------------------
def load_ours(prefix):
    import legacy_conv

    return legacy_conv.load_model(prefix + ".h5", keras1_backend="tensorflow", compile=False)


def child_export(prefix):
    from legacy_conv import serving

    serving.export_for_serving(load_ours(prefix), prefix + "_savedmodel")


def routes(prefix):
    """{route: f(numpy batch) -> numpy predictions}."""
    import tensorflow as tf

    import legacy_conv

    from legacy_conv.serving import predictor

    legacy = load_ours(prefix)
    native = legacy_conv.modernize(legacy)
    signature = saved_model_signature(prefix)

    def keras_route(model):
        call = tf.function(lambda x: model(x, training=False))
        return lambda x: call(x).numpy()
    return {"tf.function": keras_route(legacy), "modernize": keras_route(native),
            "SavedModel": saved_model_route(prefix), "predictor": predictor(legacy),
            "predictor(modernize)": predictor(native),
            "predictor(SavedModel)": predictor(signature)}


def saved_model_signature(prefix):
    import tensorflow as tf

    return tf.saved_model.load(prefix + "_savedmodel").signatures["serving_default"]


def saved_model_route(prefix):
    import tensorflow as tf

    signature = saved_model_signature(prefix)
    (name,) = signature.structured_input_signature[1]
    return lambda x: signature(**{name: tf.constant(x)})["output_0"].numpy()


def child_time(prefix, args, plain=False):
    """Times the routes; `plain`: only the SavedModel, in a process that imports TensorFlow
    alone (as a server's), not legacy_conv or Keras."""
    import numpy as np
    from _keras1_anchor_child import serve_timing

    data = np.load(prefix + ".npz")
    functions = {ROUTES[-1]: saved_model_route(prefix)} if plain else routes(prefix)
    serve_timing(functions, data["x"], data["y"], args.warmup)


# -- the parent ------------------------------------------------------------------------------
class Child:
    """A fresh process of one side, timing blocks of calls when asked (`serve_timing`)."""

    def __init__(self, command, what):
        self.what = what
        self.stderr = tempfile.TemporaryFile(mode="w+")
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=self.stderr, text=True, cwd=ROOT,
                                        env=dict(os.environ, **QUIET_TF))

    def answer(self):
        for line in self.process.stdout:
            if line.startswith("{"):
                return json.loads(line)
        self.process.wait()
        self.stderr.seek(0)
        sys.exit(f"{self.what} failed (exit {self.process.returncode}):\n"
                 f"{self.stderr.read()[-3000:]}")

    def ask(self, calls):
        self.process.stdin.write(f"{calls}\n")
        self.process.stdin.flush()
        return self.answer()

    def close(self):
        self.process.stdin.close()
        self.process.wait()
        self.stderr.close()


def run(command, what):
    """Runs a child to its end; returns its last JSON line."""
    child = Child(command, what)
    result = child.answer()
    child.close()
    return result


def keras1_command(args, *rest):
    return [args.keras1_python, str(CHILD), *rest]


def ours_command(args, mode, prefix):
    return [sys.executable, str(pathlib.Path(__file__).resolve()), "--child", mode, prefix,
            "--warmup", str(args.warmup)]


def check_keras1(args):
    if not os.access(args.keras1_python, os.X_OK):
        sys.exit(f"Keras 1.2.2 on TensorFlow not found: {args.keras1_python} is not an "
                 "executable Python. Build its environment with `keras1_oracle/setup-tf.sh "
                 "[VENV]` (about 3 minutes; default /tmp/keras1-tf-venv, see "
                 "keras1_oracle/README.md), or pass --keras1-python VENV/bin/python.")
    probe = subprocess.run(
        [args.keras1_python, "-c", "import h5py, tensorflow; import importlib.metadata as m; "
         "print(m.version('keras'))"],
        capture_output=True, text=True, env=dict(os.environ, **QUIET_TF), check=False)
    version = probe.stdout.strip().splitlines()[-1:] if probe.returncode == 0 else []
    if version != ["1.2.2"]:
        sys.exit(f"{args.keras1_python} is not the Keras 1.2.2 TensorFlow environment "
                 f"(keras {version or 'missing'}; {probe.stderr.strip()[-300:]}). Build it "
                 "with `keras1_oracle/setup-tf.sh [VENV]`.")


def median_spread(values):
    return statistics.median(values), min(values), max(values)


def paired(blocks, route, key):
    """The median over rounds of a route's median call over Keras 1's in the same round."""
    return statistics.median(statistics.median(block[key][route])
                             / statistics.median(block[key]["keras1"]) for block in blocks)


def measure(ordering, folder, args):
    prefix = str(folder / f"vgg_{ordering}")
    name = f"vgg_{ordering}"
    built = run(keras1_command(args, "build", ordering, prefix, "--image", str(args.image),
                               "--batch", str(args.batch), "--seed", str(args.seed)),
                f"Keras 1.2.2 building {name}")
    run(ours_command(args, "export", prefix), f"exporting {name}")
    groups = []
    for g in range(args.groups):
        children = [Child(keras1_command(args, "time", prefix, "--warmup", str(args.warmup)),
                          f"Keras 1.2.2 timing {name}"),
                    Child(ours_command(args, "time", prefix), f"timing {name}"),
                    Child(ours_command(args, "plain", prefix), f"timing {name} (TF only)")]
        diffs = {}
        for child in children:
            diffs.update(child.answer()["diff"])
        for route, diff in diffs.items():
            if diff > TOLERANCE:
                sys.exit(f"{name} {route}: predictions {diff:.2g} away from what Keras 1.2.2 "
                         "saved")
        blocks = []
        for r in range(args.rounds):  # each process first in turn
            k = (g + r) % len(children)
            block = {"times": {}, "cpu": {}}
            for child in children[k:] + children[:k]:
                answer = child.ask(args.calls)
                block["times"].update(answer["times"])
                block["cpu"].update(answer["cpu"])
            blocks.append(block)
        for child in children:
            child.close()
        group = {"keras1_ms": statistics.median(
            t for b in blocks for t in b["times"]["keras1"]) * 1e3, "diff": diffs}
        for route in ROUTES:
            group[route] = dict(
                ms=statistics.median(t for b in blocks for t in b["times"][route]) * 1e3,
                wall=paired(blocks, route, "times"), cpu=paired(blocks, route, "cpu"))
        groups.append(group)
        log(f"  {name} group {g + 1}/{args.groups}: Keras 1.2.2 {group['keras1_ms']:.2f} ms; "
            + "; ".join(f"{r} {group[r]['ms']:.2f} ms ({group[r]['wall']:.3f}x, CPU "
                        f"{group[r]['cpu']:.3f}x)" for r in ROUTES))
    return [dict(model=name, route=route,
                 keras1_ms=min(g["keras1_ms"] for g in groups),
                 ours_ms=min(g[route]["ms"] for g in groups),
                 wall=median_spread([g[route]["wall"] for g in groups]),
                 cpu=median_spread([g[route]["cpu"] for g in groups]),
                 diff=max(g["diff"][route] for g in groups), params=built["params"])
            for route in ROUTES]


def table(rows):
    lines = ["| model | route | Keras 1.2.2 ms | ours ms | ours / Keras 1.2.2, wall (min–max) "
             "| CPU time (min–max) | target | max abs diff |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        flag = " ⚠" if r["wall"][0] > TARGET else ""
        lines.append(
            f"| {r['model']} | {r['route']} | {r['keras1_ms']:.2f} | {r['ours_ms']:.2f} | "
            f"**{r['wall'][0]:.3f}**{flag} ({r['wall'][1]:.3f}–{r['wall'][2]:.3f}) | "
            f"{r['cpu'][0]:.3f} ({r['cpu'][1]:.3f}–{r['cpu'][2]:.3f}) | ≤ {TARGET:.1f} | "
            f"{r['diff']:.1e} |")
    return "\n".join(lines)


def header(args, elapsed):
    import _machine

    command = "python " + " ".join(shlex.quote(a) for a in sys.argv)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return "\n".join([
        "## Inference against Keras 1.2.2 itself (issue 16, item 3), "
        + datetime.date.today().isoformat(),
        "",
        f"- Date: {datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}; load "
        f"average at the end {load:.1f}",
        f"- Machine: CPU only, {_machine.available_cores()} cores ({_machine.cpu_model()}), "
        f"{platform.system()} {platform.release()}; Python {platform.python_version()}",
        f"- Command: `{command}` (total {elapsed / 60:.1f} min)",
        f"- Models: VGG-style, {args.image}x{args.image}x3 images ('th': 3x{args.image}x"
        f"{args.image}), batch {args.batch}; {args.groups} process groups per model, each "
        f"{args.warmup} warm-up calls per route, then {args.rounds} alternating rounds of "
        f"{args.calls} timed calls per route",
        "- Method: see the docstring of `benchmarks/bench_keras1_anchor.py`. 'ms': the "
        "median call of each side's fastest group; ratios: median (min–max) over groups of "
        "the group's median over rounds of the route's median call over Keras 1.2.2's in "
        "the same round, wall and process CPU time. ⚠: above the target.",
        "",
    ])


def main(argv=None):
    args = parse_args(argv)
    if args.child:
        mode, prefix = args.child
        if mode == "export":
            child_export(prefix)
            print("{}")
        else:
            child_time(prefix, args, plain=mode == "plain")
        return
    check_keras1(args)
    start = time.perf_counter()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_keras1_anchor_") as tmp:
        for ordering in args.orderings:
            rows.extend(measure(ordering, pathlib.Path(tmp), args))
    elapsed = time.perf_counter() - start
    text = table(rows)
    print(text)
    log(f"done in {elapsed:.1f} s")
    if args.markdown:
        with open(args.markdown, "a") as f:
            f.write("\n" + header(args, elapsed) + "\n" + text + "\n")
        log(f"appended to {args.markdown}")


if __name__ == "__main__":
    main()
