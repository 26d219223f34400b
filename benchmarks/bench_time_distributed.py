#!/usr/bin/env python
"""Times a Keras 1 `TimeDistributed(Dense)` over a fixed time axis: Keras 3's wrapper
(before) against ours (`Keras1TimeDistributed`, one Dense over the 3D input) and the
native target's Dense (after).

Issue 14, item 4: a real 969-step FactorNet model's first `predict` took 34-57 s, 20 s of
it in that layer, because Keras 3's `TimeDistributed` traces one call of its layer per
step when the time axis is fixed. The model here is that layer alone: a Keras 1 config
`TimeDistributed(Dense(UNITS))` on (STEPS, FEATURES) inputs, converted by
`legacy_conv.convert_config`; 'before' is the same converted config with Keras 3's
`TimeDistributed` in place of ours (what the converter gave before).

'first' is a fresh model's first `predict` (build, trace and one call), 'later' the median
of further `predict_on_batch` calls. The variants run interleaved, round by round (ABC, CBA, ...);
'ratio' is the median over rounds of before / after of the same round. 'max abs diff':
after vs before, same weights and inputs.

This is a benchmark, not a test (pytest does not collect bench_*.py). Usage:

    python benchmarks/bench_time_distributed.py                 # 3 rounds
    python benchmarks/bench_time_distributed.py --rounds 5 --markdown benchmarks/RESULTS.md
"""

import argparse
import copy
import datetime
import json
import platform
import statistics
import sys
import time

import numpy as np

from _machine import available_cores
from _machine import cpu_model

STEPS, FEATURES, UNITS, BATCH = 969, 64, 32, 8
VARIANTS = ("before", "legacy", "native")


def log(message):
    print(message, file=sys.stderr, flush=True)


def keras1_config(steps):
    return {"class_name": "Sequential", "config": [{"class_name": "TimeDistributed", "config": {
        "name": "td", "batch_input_shape": [None, steps, FEATURES],
        "layer": {"class_name": "Dense", "config": {"name": "dense", "output_dim": UNITS,
                                                    "activation": "relu"}}}}]}


def keras3_wrapper(config):
    """The converted config with Keras 3's own TimeDistributed (the converter's former output)."""
    config = copy.deepcopy(config)
    for layer in config["config"]["layers"]:
        if layer["class_name"] == "Keras1TimeDistributed":
            layer.update(module="keras.layers", class_name="TimeDistributed", registered_name=None)
    return config


def builders(steps):
    import keras
    import legacy_conv

    text = json.dumps(keras1_config(steps))
    legacy = legacy_conv.convert_config(text, keras1_backend="tensorflow")
    native = legacy_conv.convert_config(text, target="native", keras1_backend="tensorflow")
    configs = {"before": keras3_wrapper(legacy), "legacy": legacy, "native": native}
    return {name: (lambda c=c: keras.models.model_from_json(json.dumps(c)))
            for name, c in configs.items()}


def run(rounds, later_calls, steps):
    import keras

    build = builders(steps)
    x = np.random.RandomState(0).randn(BATCH, steps, FEATURES).astype("float32")
    weights = build["before"]().get_weights()
    first = {v: [] for v in VARIANTS}
    later = {v: [] for v in VARIANTS}
    outputs = {}
    for r in range(rounds):
        order = VARIANTS if r % 2 == 0 else VARIANTS[::-1]
        for variant in order:
            keras.backend.clear_session()
            model = build[variant]()
            model.set_weights(weights)
            start = time.perf_counter()
            outputs[variant] = model.predict(x, verbose=0, batch_size=BATCH)
            first[variant].append(time.perf_counter() - start)
            times = []
            for _ in range(later_calls):
                start = time.perf_counter()
                model.predict_on_batch(x)
                times.append(time.perf_counter() - start)
            later[variant].append(statistics.median(times))
            log(f"round {r + 1}/{rounds} {variant}: first {first[variant][-1]:.3f} s, "
                f"later {later[variant][-1] * 1e3:.2f} ms")
    rows = []
    for variant in VARIANTS[1:]:
        rows.append({
            "variant": variant,
            "first_before": statistics.median(first["before"]),
            "first_after": statistics.median(first[variant]),
            "first_ratio": statistics.median(b / a for b, a in zip(first["before"],
                                                                     first[variant])),
            "later_before": statistics.median(later["before"]),
            "later_after": statistics.median(later[variant]),
            "later_ratio": statistics.median(b / a for b, a in zip(later["before"],
                                                                     later[variant])),
            "diff": float(np.abs(outputs[variant] - outputs["before"]).max())})
    return rows


def markdown(rows, args, seconds):
    import keras
    import tensorflow as tf

    lines = [
        "", f"## `TimeDistributed(Dense)` over {args.steps} fixed steps as one Dense "
            f"(issue 14, item 4), {datetime.date.today()}", "",
        f"- Machine: CPU only, {available_cores()} cores ({cpu_model()}); TensorFlow "
        f"{tf.__version__}, Keras {keras.__version__}, Python {platform.python_version()}",
        f"- Command: `python benchmarks/bench_time_distributed.py --rounds {args.rounds} "
        f"--later {args.later} --steps {args.steps}` ({seconds:.0f} s)",
        f"- Model: a Keras 1 `TimeDistributed(Dense({UNITS}, activation='relu'))` on "
        f"({args.steps}, {FEATURES}) inputs, batch {BATCH}; 'before' is Keras 3's "
        "`TimeDistributed` (one traced Dense call per step), 'legacy' ours "
        "(`Keras1TimeDistributed`: one Dense over the 3D input), 'native' the native "
        "target's `Dense`",
        "- 'first': a fresh model's first `predict` (build, trace, call); 'later': median "
        f"of {args.later} further `predict_on_batch` calls; ratio: median over the {args.rounds} interleaved "
        "rounds of before / after", "",
        "| after | first before s | first after s | ratio | later before ms | "
        "later after ms | ratio | max abs diff |",
        "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(
            f"| {r['variant']} | {r['first_before']:.2f} | {r['first_after']:.2f} | "
            f"{r['first_ratio']:.1f} | {r['later_before'] * 1e3:.2f} | "
            f"{r['later_after'] * 1e3:.2f} | {r['later_ratio']:.2f} | {r['diff']:.1e} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--later", type=int, default=10, help="later predict calls per round")
    p.add_argument("--steps", type=int, default=STEPS)
    p.add_argument("--markdown", help="append the table to this file")
    args = p.parse_args(argv)
    start = time.perf_counter()
    rows = run(args.rounds, args.later, args.steps)
    text = markdown(rows, args, time.perf_counter() - start)
    print(text)
    if args.markdown:
        with open(args.markdown, "a") as f:
            f.write(text)


if __name__ == "__main__":
    main()
