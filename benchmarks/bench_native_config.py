#!/usr/bin/env python
"""Times `legacy_conv.convert_config(vgg16_config, target='native')` against
`target='legacy'`, with its peak memory above the process baseline.

Target (from issue 13): the native config of a VGG16 (138 M parameters, 'th' ordering:
`bench_model_files.vgg16()`) in well under 0.5 s and under 100 MB above the baseline,
both on the process's first call and on later ones.

Each run is a fresh subprocess that imports tensorflow, keras and legacy_conv, resets the
peak resident set (`/proc/self/clear_refs`), then calls `convert_config` on the config's
JSON text: 'first' is that first call (every code path and Keras class used for the first
time, TensorFlow's start included), 'later' the best of `--calls` further calls. Peak is
the process's peak resident set (VmHWM) minus its resident set after the imports. The
runs of the two targets alternate; 'ratio' is the median over runs of native / legacy
(later calls of the same pair of runs).

This is a benchmark, not a test (pytest does not collect bench_*.py). Usage:

    python benchmarks/bench_native_config.py                   # 5 runs per target
    python benchmarks/bench_native_config.py --runs 3 --markdown benchmarks/RESULTS.md
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time

from _machine import available_cores
from _machine import cpu_model

TIME_TARGET_S = 0.5
MEMORY_TARGET = 100e6
TARGETS = ("legacy", "native")


def log(message):
    print(message, file=sys.stderr, flush=True)


def child(target, calls):
    """One run: {'first': s, 'later': s, 'first_peak': bytes, 'later_peak': bytes}."""
    import legacy_conv
    from bench_model_files import _status
    from bench_model_files import vgg16

    text = json.dumps(vgg16()[0])
    base = _status("VmRSS")
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    start = time.perf_counter()
    legacy_conv.convert_config(text, target=target, keras1_backend="tensorflow")
    first = time.perf_counter() - start
    first_peak = _status("VmHWM") - base
    later = []
    for _ in range(calls):
        start = time.perf_counter()
        legacy_conv.convert_config(text, target=target, keras1_backend="tensorflow")
        later.append(time.perf_counter() - start)
    later_peak = _status("VmHWM") - base
    return {"first": first, "later": min(later), "first_peak": first_peak,
            "later_peak": later_peak}


def run_child(target, calls):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    done = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", target,
                           "--calls", str(calls)], capture_output=True, text=True, env=env,
                          cwd=os.path.dirname(os.path.abspath(__file__)), check=False)
    if done.returncode:
        raise SystemExit(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def mb(n):
    return f"{n / 1e6:.1f}"


def markdown(results, args, started):
    lines = [f"## `convert_config(VGG16, target=...)` ({started:%Y-%m-%d %H:%M} UTC)", "",
             f"- Machine: {cpu_model()}, {available_cores()} cores; Python "
             f"{platform.python_version()}",
             f"- Command: `python benchmarks/bench_native_config.py --runs {args.runs} "
             f"--calls {args.calls}` (fresh process per run, targets alternating)",
             "- Config: `bench_model_files.vgg16()` (Keras 1 Sequential, 'th', 138 M "
             "parameters), as JSON text; `keras1_backend='tensorflow'`", "",
             "| target | first call s | later call s | first-call peak MB | later peak MB |",
             "|---|---:|---:|---:|---:|"]
    for target in TARGETS:
        runs = results[target]
        lines.append(
            f"| {target} | {statistics.median(r['first'] for r in runs):.3f} | "
            f"{min(r['later'] for r in runs):.3f} | "
            f"{mb(statistics.median(r['first_peak'] for r in runs))} | "
            f"{mb(statistics.median(r['later_peak'] for r in runs))} |")
    ratios = [n["later"] / g["later"] for n, g in zip(results["native"], results["legacy"])]
    native = results["native"]
    first = statistics.median(r["first"] for r in native)
    later = min(r["later"] for r in native)
    peak = max(statistics.median(r["first_peak"] for r in native),
               statistics.median(r["later_peak"] for r in native))
    ok = first < TIME_TARGET_S and later < TIME_TARGET_S and peak < MEMORY_TARGET
    lines += ["", f"First call: median of the runs; later: best. Native / legacy (later "
                  f"calls, median of paired runs): {statistics.median(ratios):.2f}. Target "
                  f"(native under {TIME_TARGET_S} s and {mb(MEMORY_TARGET)} MB): "
                  f"{'met' if ok else 'NOT met'}."]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--calls", type=int, default=5, help="later calls per run")
    parser.add_argument("--markdown", metavar="PATH", help="append the table to PATH")
    parser.add_argument("--child", choices=TARGETS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.calls)))
        return
    started = datetime.datetime.now(datetime.timezone.utc)
    results = {t: [] for t in TARGETS}
    for run in range(args.runs):
        for target in TARGETS if run % 2 == 0 else TARGETS[::-1]:
            result = run_child(target, args.calls)
            results[target].append(result)
            log(f"run {run + 1} {target}: first {result['first']:.3f} s, later "
                f"{result['later']:.3f} s, peak {mb(result['first_peak'])} / "
                f"{mb(result['later_peak'])} MB")
    table = markdown(results, args, started)
    print(table)
    if args.markdown:
        with open(args.markdown, "a") as f:
            f.write("\n" + table)


if __name__ == "__main__":
    main()
