#!/usr/bin/env python
"""Times `legacy-conv migrate` end to end on a generated Keras 1 codebase.

Target (from issue 13): a 10,000-line Keras 1 codebase migrates `--to native` in under
10 s on 2 cores. The single file of 60,000 layer calls is the issue's example of what did
not finish in 5 minutes (one file is one process: about 3 ms a call and 105 KB of memory a
call on 2026-12-08).

The codebase is generated into a temporary folder (never committed) from the Keras 1 code
fixtures (`tests/fixtures/migrate/keras1_code/*.py`), copied until it has about `--lines`
lines; each copy varies the literals (filter counts, kernel and pool sizes, strides,
dropout rates, units), the expressions (`2 * nb_filters` becomes `nb_filters * 3`, ...)
and the stated orderings ('th' <-> 'tf'), from a seeded random generator. The single
file is one function of `--calls` `model.add(...)` lines drawn the same way.

Each run is a fresh process (`python -m legacy_conv migrate --to T --image-dim-ordering th
FOLDER`, the diff to a file), so the time includes importing TensorFlow, Keras, libcst and
this package; runs of the targets alternate, and the best of `--repeats` is reported with
the median, the calls rewritten or kept per second, and the lines per second. Each run's
CPU time (user + system of the command and its worker processes) is reported beside its
wall time: on a machine shared with other jobs it is the steadier figure.
`--python-path DIR` runs another checkout of the package instead (e.g. `git archive` of
an older commit) for a before/after comparison on the same generated code; `--before DIR`
times that checkout and this one alternately in the same run and reports the median of the
paired ratios (after / before) with their spread.

This is a benchmark, not a test (pytest does not collect bench_*.py). Usage:

    python benchmarks/bench_migrate.py                      # 10,000 lines and 60,000 calls
    python benchmarks/bench_migrate.py --quick              # 10,000 lines, once, no single file
    python benchmarks/bench_migrate.py --quick --before /tmp/old --targets native --repeats 3
    python benchmarks/bench_migrate.py --lines 2000 --calls 0 --repeats 1
    python benchmarks/bench_migrate.py --markdown benchmarks/RESULTS.md
"""

import argparse
import ast
import datetime
import hashlib
import os
import platform
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time

from _machine import available_cores
from _machine import cpu_model

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCES = os.path.join(ROOT, "tests", "fixtures", "migrate", "keras1_code")
TIME_TARGET_S = 10.0
LINES = 10_000
CALLS = 60_000

# Literal patterns and the values a copy draws for them (each occurrence on its own).
VARIATIONS = (
    (r"(?<=Dense\()\d+", ("16", "32", "64", "128", "10")),
    (r"(?<=Dropout\()0\.\d+", ("0.1", "0.2", "0.25", "0.5")),
    (r"(?<=nb_filters = )\d+", ("8", "16", "32", "64")),
    (r"(?<=nb_filter = )\d+", ("6", "16", "64")),
    (r"(?<=Convolution2D\(nb_filters, )3, 3(?=, name='conv2')", ("3, 3", "5, 5", "1, 1")),
    (r"(?<=pool_size=)\(2, 2\)", ("(2, 2)", "(3, 3)", "(2, 1)")),
    (r"(?<=subsample=)\(2, 2\)", ("(2, 2)", "(1, 1)")),
    (r"(?<=ZeroPadding2D\()\(1, 1\)", ("(1, 1)", "(2, 2)", "(0, 1)")),
    (r"2 \* nb_filters", ("2 * nb_filters", "nb_filters * 3", "nb_filters + 4")),
    (r"(?<=C2D\()4(?=, 3, 3)", ("4", "8", "12")),
    (r"(?<=Conv2D\()4(?=, 2, 2)", ("4", "6")),
    (r"(?<=atrous_rate=)2(?=,)", ("2", "3")),
    (r"(?<=MaxPooling1D\(pool_length=)2", ("2", "3")),
    (r"(?<=ZeroPadding1D\()1", ("1", "2")),
)
ORDERINGS = (r"dim_ordering='(th|tf)'", {"th": "tf", "tf": "th"})

# The single file: layer calls drawn from these (Sequential, 'th' stated or by default).
CALL_TEMPLATES = (
    "model.add(Convolution2D({f}, {k}, {k}, border_mode='same', init='he_normal', "
    "W_regularizer=l2(weight_decay)))",
    "model.add(Convolution2D(nb_filters, {k}, {k}, subsample=({s}, {s}), "
    "activation='relu'))",
    "model.add(MaxPooling2D(pool_size=({p}, {p})))",
    "model.add(Dropout({d}))",
    "model.add(Dense({u}, init='he_normal', W_regularizer=l2(weight_decay)))",
    "model.add(Activation('relu'))",
    "model.add(ZeroPadding2D(({p}, {p})))",
    "model.add(Convolution2D({f}, {k}, {k}, dim_ordering='{o}'))",
)
SINGLE_HEADER = '''from keras.models import Sequential
from keras.layers.core import Dense, Dropout, Activation, Flatten
from keras.layers.convolutional import Convolution2D, MaxPooling2D, ZeroPadding2D
from keras.regularizers import l2

nb_filters = 16
weight_decay = 5e-4


def build_model():
    model = Sequential()
'''


def log(message):
    print(message, file=sys.stderr, flush=True)


def vary(source, rng):
    """One copy of a fixture source with its literals, expressions and orderings drawn."""
    for pattern, choices in VARIATIONS:
        source = re.sub(pattern, lambda m: rng.choice(choices), source)
    if rng.random() < 0.5:
        pattern, swap = ORDERINGS
        source = re.sub(pattern, lambda m: f"dim_ordering='{swap[m.group(1)]}'", source)
    return source


def codebase(folder, lines, seed=0):
    """Writes copies of the fixture sources into `folder` until they hold `lines` lines;
    returns (files, lines written)."""
    rng = random.Random(seed)
    names = sorted(n for n in os.listdir(SOURCES) if n.endswith(".py"))
    sources = [open(os.path.join(SOURCES, n)).read() for n in names]
    written = files = 0
    while written < lines:
        for name, source in zip(names, sources):
            text = vary(source, rng)
            package = os.path.join(folder, f"pkg{files // 50:02d}")
            os.makedirs(package, exist_ok=True)
            with open(os.path.join(package, f"{files:04d}_{name}"), "w") as f:
                f.write(text)
            written += text.count("\n")
            files += 1
            if written >= lines:
                break
    return files, written


def single_file(path, calls, seed=0):
    """One module whose `build_model` makes `calls` layer calls."""
    rng = random.Random(seed)
    body = []
    for _ in range(calls):
        template = rng.choice(CALL_TEMPLATES)
        body.append("    " + template.format(
            f=rng.choice((8, 16, 32, 64)), k=rng.choice((1, 3, 5)), s=rng.choice((1, 2)),
            p=rng.choice((1, 2)), d=rng.choice((0.1, 0.25, 0.5)),
            u=rng.choice((10, 32, 128)), o=rng.choice(("th", "tf"))))
    with open(path, "w") as f:
        f.write(SINGLE_HEADER + "\n".join(body) + "\n    return model\n")
    return calls


def layer_calls(path):
    """The layer calls of a file or folder (calls of capitalized names other than the
    models', and of merge)."""
    paths = [path] if os.path.isfile(path) else [
        os.path.join(root, f) for root, _, files in os.walk(path) for f in files]
    count = 0
    for name in paths:
        with open(name) as f:
            tree = ast.parse(f.read())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                count += (called[:1].isupper() or called == "merge") and called not in (
                    "Sequential", "Model", "Input")
    return count


def _cpu_of_children():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def migrate_once(target, path, out, python_path):
    """(wall seconds, CPU seconds) of one fresh `migrate` process (its workers' CPU
    included), and the report's summary line."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    env["PYTHONPATH"] = python_path + (os.pathsep + env["PYTHONPATH"]
                                       if env.get("PYTHONPATH") else "")
    mode = ["--check"] if target == "check" else ["--to", target]
    command = [sys.executable, "-m", "legacy_conv", "migrate", *mode,
               "--image-dim-ordering", "th", path]
    start, cpu = time.perf_counter(), _cpu_of_children()
    with open(out, "wb") as diff:
        # run outside the checkout: `-m` puts the working folder first on sys.path, where
        # it would shadow --python-path
        done = subprocess.run(command, stdout=diff, stderr=subprocess.PIPE, env=env,
                              check=False, cwd=os.path.dirname(os.path.abspath(out)))
    seconds, cpu = time.perf_counter() - start, _cpu_of_children() - cpu
    if done.returncode not in (0, 1):
        raise SystemExit(done.stderr.decode()[-2000:])
    report = done.stderr.decode()
    summary = report.strip().splitlines()[-1]
    summary += f"; report {hashlib.sha256(report.encode()).hexdigest()[:12]}"
    return (seconds, cpu), summary


def measure(cases, targets, repeats, python_paths, folder):
    """{(label, target, python path): [((wall, cpu), summary)]}, the checkouts alternating
    within each repeat (and the order reversed every other repeat)."""
    results = {}
    for repeat in range(repeats):
        for label, path in cases:
            for target in targets if repeat % 2 == 0 else targets[::-1]:
                for python_path in python_paths if repeat % 2 == 0 else python_paths[::-1]:
                    out = os.path.join(folder, f"{label}.{target}.diff")
                    times, summary = migrate_once(target, path, out, python_path)
                    with open(out, "rb") as f:  # the diff too, for --before's comparison
                        summary += f"; diff {hashlib.sha256(f.read()).hexdigest()[:12]}"
                    results.setdefault((label, target, python_path), []).append(
                        (times, summary))
                    mode = "--check" if target == "check" else f"--to {target}"
                    log(f"{label} {mode} ({python_path}): {times[0]:.2f} s, "
                        f"CPU {times[1]:.2f} s ({summary})")
    return results


def paired(before, after, index):
    """(median, lowest, highest) of the ratios after / before, run by run."""
    ratios = sorted(a[0][index] / b[0][index] for b, a in zip(before, after))
    return statistics.median(ratios), ratios[0], ratios[-1]


def markdown(rows, args, sizes, started):
    lines = [f"## `legacy-conv migrate` throughput ({started:%Y-%m-%d %H:%M} UTC)", "",
             f"- Machine: {cpu_model()}, {available_cores()} cores; Python "
             f"{platform.python_version()}",
             f"- Command: `python benchmarks/bench_migrate.py {' '.join(sys.argv[1:])}` "
             f"({args.lines} lines, {args.calls} calls, {args.repeats} repeats)",
             f"- Code: {sizes}; `--image-dim-ordering th`; each run a fresh process "
             "(imports included), best and median of the runs", "",
             "| code | target | best s | median s | median CPU s | layer calls | calls/s | "
             "lines/s |", "|---|---|---:|---:|---:|---:|---:|---:|"]
    for (label, target), runs, lines_count, calls in rows:
        times = [t[0] for t, _ in runs]
        best = min(times)
        cpu = statistics.median(t[1] for t, _ in runs)
        lines.append(f"| {label} | {target} | {best:.2f} | {statistics.median(times):.2f} | "
                     f"{cpu:.2f} | {calls} | {calls / best:,.0f} | {lines_count / best:,.0f} |")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=LINES)
    parser.add_argument("--calls", type=int, default=CALLS,
                        help="layer calls of the single file (0: leave it out)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--targets", default="native,legacy",
                        help="comma-separated: native, legacy, check (--check)")
    parser.add_argument("--python-path", default=ROOT,
                        help="the checkout whose legacy_conv runs (default: this one)")
    parser.add_argument("--before", metavar="DIR",
                        help="another checkout timed alternately with --python-path's: the "
                             "median of the paired ratios with their spread")
    parser.add_argument("--quick", action="store_true",
                        help="the 10,000-line codebase once (--calls 0 --repeats 1 unless "
                             "given)")
    parser.add_argument("--keep", metavar="DIR", help="generate into DIR and keep it")
    parser.add_argument("--markdown", metavar="PATH", help="append the table to PATH")
    args = parser.parse_args()
    if args.quick:
        given = " ".join(sys.argv[1:])
        args.calls = args.calls if "--calls" in given else 0
        args.repeats = args.repeats if "--repeats" in given else 1
    started = datetime.datetime.now(datetime.timezone.utc)
    targets = args.targets.split(",")
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or scratch
        cases, counts, sizes = [], [], []
        if args.lines:
            code = os.path.join(folder, "codebase")
            files, lines = codebase(code, args.lines)
            cases.append((f"{lines:,} lines", code))
            counts.append(lines)
            sizes.append(f"{files} files, {lines:,} lines")
        if args.calls:
            single = os.path.join(folder, "single.py")
            single_file(single, args.calls)
            cases.append((f"1 file, {args.calls:,} calls", single))
            counts.append(args.calls + SINGLE_HEADER.count("\n") + 1)
            sizes.append(f"1 file of {args.calls:,} calls")
        sizes = "; ".join(sizes)
        calls = [layer_calls(path) for _, path in cases]
        log(f"generated {sizes} in {folder}")
        paths = [args.before, args.python_path] if args.before else [args.python_path]
        results = measure(cases, targets, args.repeats, paths, folder)
    rows = [((label, target), results[(label, target, args.python_path)], count, n)
            for (label, _), count, n in zip(cases, counts, calls) for target in targets]
    table = markdown(rows, args, sizes, started)
    if args.before:
        table += (f"\nAfter / before ({args.before}), median of {args.repeats} paired "
                  "runs (lowest-highest):\n\n| code | target | wall | CPU | same diff and report |\n"
                  "|---|---|---:|---:|---|\n")
        for (label, _), in zip(cases):
            for target in targets:
                before = results[(label, target, args.before)]
                after = results[(label, target, args.python_path)]
                wall, cpu = paired(before, after, 0), paired(before, after, 1)
                same = all(b[1] == a[1] for b, a in zip(before, after))
                table += (f"| {label} | {target} | {wall[0]:.2f} ({wall[1]:.2f}-{wall[2]:.2f})"
                          f" | {cpu[0]:.2f} ({cpu[1]:.2f}-{cpu[2]:.2f}) | "
                          f"{'yes' if same else 'no'} |\n")
    print(table)
    if args.markdown:
        with open(args.markdown, "a") as f:
            f.write("\n" + table)


if __name__ == "__main__":
    main()
