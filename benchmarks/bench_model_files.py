#!/usr/bin/env python
"""Times loading Keras 1 model files: a VGG16-sized `.h5` and a 1,000-layer JSON config.

Targets (from the issue):
  1. `legacy_conv.load_model(path, compile=False)` on a VGG16-sized Keras 1 `model.save()`
     file (138 M parameters, 'th' ordering) takes at most 1.5x the time of reading all its
     weight datasets with plain h5py, and its peak memory stays within 1.5x the weights'
     size above the interpreter's baseline (after importing tensorflow, keras and
     legacy_conv).
  2. `legacy_conv.convert_config` on a 1,000-layer Keras 1 Sequential config takes under
     half a second.
  3. (issue 16) `load_model(path, target='native')` peaks within 1.5x the weights too, and
     a first load (a fresh process, from `import legacy_conv` to the model) takes at most
     1.0x Keras 3 loading the same model from its own `.keras` file (from `import keras`),
     and 1.0x `keras.models.model_from_json` + `load_weights('.weights.h5')`: the routes
     alternate in fresh processes; best of N and the median of paired ratios (spread).

The VGG16 file is generated into a temporary folder (never committed) in the exact layout
Keras 1.2.2's `model.save()` wrote under h5py 2: root attributes `keras_version`,
`model_config` and `training_config` (fixed-length byte strings), a `model_weights` group
with `layer_names`, one group per layer with `weight_names` (fixed-length byte strings;
an empty float64 array for layers without weights) and contiguous float32 datasets named
`convolution2d_1_W`, ... in Keras 1's 'th' layout (nb_filter, stack, rows, cols); Dense
kernels are (input_dim, output_dim). Its `model_config` is what Keras 1.2.2's `to_json()`
gives for the same model (Sequential: 13 Convolution2D 3x3 'same' in five blocks, each
block followed by MaxPooling2D, then Flatten, Dense 4096, Dropout, Dense 4096, Dropout,
Dense 1000 softmax).

Each file measurement runs in a fresh subprocess that first imports tensorflow, keras and
legacy_conv, in one of two states of the process:
- 'first': the step is the process's first TensorFlow work. TensorFlow starts on its first
  op (registering its kernels: about 15 ms, see (t)), and every op kernel, every weight
  shape and every Keras code path is used for the first time: what a one-shot script pays.
- 'later': TensorFlow has run and another Keras 1 model (the same VGG16 at 1/16 of the
  width, 32x32 inputs, 10 classes: no weight shape in common) was loaded and read first, as
  in a server, a notebook or a batch conversion. (a) does the same before it is timed.
Steps: (a) h5py opens the file and reads every dataset of every layer into a NumPy
array (kept); (b) `load_model(compile=False)`; (r), for reference, Keras 3's own route to
the same model (the converted config through `keras.models.model_from_json`, every dataset
read, `set_weights` layer by layer), which is how the loader went before this benchmark;
(f) what (b) costs before it reads any weight: converting the config and building the
Keras 3 model with zero-filled variables (a floor for (b)); (t) TensorFlow's first op in a
fresh process (`tf.constant`), the one-time start that 'first' includes; (n) the same file
loaded with `target='native'` (Keras 3 built-in layers: each weight read from the file into
the layout those layers take; no legacy copy is held).
The runs of (a) and (b) alternate, so that slow spells of the (shared) machine hit both.
Time is the wall time of that step alone (`time.perf_counter`), best of N runs (the median,
the CPU time and the page faults are reported too); peak memory is the process's peak
resident set (VmHWM, reset after the imports through /proc/self/clear_refs) minus its
resident set after the imports. After timing, (b) and (r) check that every variable equals
its dataset in the file.

Scenarios: 'warm' reads the file from the page cache (it was just written); 'cold' first
evicts it (`posix_fadvise(DONTNEED)`, this file's pages only), so both read the disk;
'recycled' first touches and frees 3x the file's size, for VMs where a page's first touch
since boot is slow. Both (a) and (b) read into NumPy arrays, which ask for transparent
huge pages (a few thousand faults for the 528 MiB; TensorFlow's allocator would take about
160,000).

This is a benchmark, not a test (pytest does not collect bench_*.py). Usage:

    python benchmarks/bench_model_files.py                  # full run (about 5 minutes)
    python benchmarks/bench_model_files.py --quick          # a VGG16 of 1/4 the width
    python benchmarks/bench_model_files.py --scenarios warm,cold,recycled
    python benchmarks/bench_model_files.py --processes later   # only loads after the first
    python benchmarks/bench_model_files.py --markdown benchmarks/RESULTS.md
    python benchmarks/bench_model_files.py --compare --repeats 5   # the load paths (below)

`--compare` times (b) and (n) with each way of getting the weights into TensorFlow's
memory (`VARIANTS`), in both process states, the variants in a rotating order within each
repeat; it reports each variant's median time and peak, and the median of its paired
ratios to 'plain' (same repeat, process state and target).

Progress goes to stderr, the Markdown table to stdout (and to --markdown PATH, appended).
"""

import argparse
import datetime
import gc
import json
import os
import platform
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402

from _machine import available_cores  # noqa: E402
from _machine import cpu_model  # noqa: E402

VGG16_BLOCKS = ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3))
VGG16_DENSE = (4096, 4096, 1000)
TIME_TARGET = 1.5
MEMORY_TARGET = 1.5
CONFIG_TARGET_S = 0.5
CONFIG_LAYERS = 1000

# What Keras 1.2.2's model.save() recorded for model.compile(optimizer='sgd',
# loss='categorical_crossentropy').
TRAINING_CONFIG = {
    "optimizer_config": {"class_name": "SGD", "config": {
        "lr": 0.009999999776482582, "momentum": 0.0, "decay": 0.0, "nesterov": False}},
    "loss": "categorical_crossentropy", "metrics": None, "sample_weight_mode": None,
    "loss_weights": None,
}


def log(message):
    print(message, file=sys.stderr, flush=True)


# -- Keras 1 configs, as Keras 1.2.2's get_config() wrote them ----------------------------

def _convolution2d(name, nb_filter, border_mode="same", activation="relu", first=None,
                   dim_ordering="th"):
    config = {"name": name, "trainable": True}
    if first is not None:
        config.update(batch_input_shape=[None] + list(first), input_dtype="float32")
    config.update({
        "nb_filter": nb_filter, "nb_row": 3, "nb_col": 3, "init": "glorot_uniform",
        "activation": activation, "border_mode": border_mode, "subsample": [1, 1],
        "dim_ordering": dim_ordering, "W_regularizer": None, "b_regularizer": None,
        "activity_regularizer": None, "W_constraint": None, "b_constraint": None,
        "bias": True})
    return {"class_name": "Convolution2D", "config": config}


def _maxpooling2d(name, dim_ordering="th"):
    return {"class_name": "MaxPooling2D", "config": {
        "name": name, "trainable": True, "pool_size": [2, 2], "border_mode": "valid",
        "strides": [2, 2], "dim_ordering": dim_ordering}}


def _dense(name, output_dim, input_dim, activation):
    return {"class_name": "Dense", "config": {
        "name": name, "trainable": True, "output_dim": output_dim, "init": "glorot_uniform",
        "activation": activation, "W_regularizer": None, "b_regularizer": None,
        "activity_regularizer": None, "W_constraint": None, "b_constraint": None,
        "bias": True, "input_dim": input_dim}}


def _simple(class_name, name, **config):
    return {"class_name": class_name, "config": {"name": name, "trainable": True, **config}}


def vgg16(width=1, size=224, classes=1000):
    """(Keras 1 model config, [(layer name, [(weight name, shape)])]) of a 'th' VGG16.

    `width` divides every layer's width (1 = the real VGG16, 138,357,544 parameters).
    """
    layers, weights, count = [], [], {}
    channels = 3

    def name(kind):
        count[kind] = count.get(kind, 0) + 1
        return f"{kind}_{count[kind]}"

    for filters, repeats in VGG16_BLOCKS:
        filters //= width
        for _ in range(repeats):
            n = name("convolution2d")
            first = (3, size, size) if not layers else None
            layers.append(_convolution2d(n, filters, first=first))
            weights.append((n, [(f"{n}_W", (filters, channels, 3, 3)),
                                (f"{n}_b", (filters,))]))
            channels = filters
        layers.append(_maxpooling2d(name("maxpooling2d")))
        weights.append((layers[-1]["config"]["name"], []))
        size //= 2
    layers.append(_simple("Flatten", name("flatten")))
    weights.append((layers[-1]["config"]["name"], []))
    units = channels * size * size
    dense = [d // width for d in VGG16_DENSE[:-1]] + [classes]
    for i, output_dim in enumerate(dense):
        n = name("dense")
        last = i == len(dense) - 1
        layers.append(_dense(n, output_dim, units, "softmax" if last else "relu"))
        weights.append((n, [(f"{n}_W", (units, output_dim)), (f"{n}_b", (output_dim,))]))
        units = output_dim
        if not last:
            layers.append(_simple("Dropout", name("dropout"), p=0.5))
            weights.append((layers[-1]["config"]["name"], []))
    return {"class_name": "Sequential", "config": layers}, weights


def deep_sequential(n_layers):
    """A Keras 1 Sequential config of `n_layers` mixed layers ('th', 64 channels), as Keras
    1.2.2's `to_json()` writes it (ZeroPadding2D and SpatialDropout2D save no ordering)."""
    layers, count = [], {}

    def name(kind):
        count[kind] = count.get(kind, 0) + 1
        return f"{kind}_{count[kind]}"

    block = (
        lambda: _convolution2d(name("convolution2d"), 64, activation="linear",
                               first=(64, 32, 32) if not layers else None),
        lambda: _simple("BatchNormalization", name("batchnormalization"), epsilon=0.001,
                        mode=0, axis=1, gamma_regularizer=None, beta_regularizer=None,
                        momentum=0.99),
        lambda: _simple("Activation", name("activation"), activation="relu"),
        lambda: _simple("ZeroPadding2D", name("zeropadding2d"), padding=[1, 1]),
        lambda: _convolution2d(name("convolution2d"), 64, border_mode="valid",
                               activation="relu"),
        lambda: _simple("Dropout", name("dropout"), p=0.1),
        lambda: _simple("SpatialDropout2D", name("spatialdropout2d"), p=0.1),
        lambda: _simple("GaussianNoise", name("gaussiannoise"), sigma=0.01),
    )
    while len(layers) < n_layers - 3:
        layers.append(block[len(layers) % len(block)]())
    layers.append(_simple("Flatten", name("flatten")))
    layers.append(_dense(name("dense"), 10, 64 * 32 * 32, "linear"))
    layers.append(_simple("Activation", name("activation"), activation="softmax"))
    return {"class_name": "Sequential", "config": layers[:n_layers]}


# -- the Keras 1 file ---------------------------------------------------------------------

def _bytes_array(strings):
    """A list of names as h5py 2 stored Keras 1's `[name.encode('utf8'), ...]`."""
    if not strings:
        return np.array([], dtype=np.float64)  # h5py's array for an empty list
    return np.array([s.encode("utf8") for s in strings])


def write_keras1_file(path, config, weights, seed=0, rows_per_block=1 << 20):
    """Writes a Keras 1.2.2 `model.save()` file; returns the weights' size in bytes."""
    import h5py

    rng = np.random.default_rng(seed)
    total = 0
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = np.bytes_(b"1.2.2")
        f.attrs["model_config"] = np.bytes_(json.dumps(config).encode("utf8"))
        f.attrs["training_config"] = np.bytes_(json.dumps(TRAINING_CONFIG).encode("utf8"))
        group = f.create_group("model_weights")
        group.attrs["layer_names"] = _bytes_array([n for n, _ in weights])
        for layer_name, layer_weights in weights:
            g = group.create_group(layer_name)
            g.attrs["weight_names"] = _bytes_array([n for n, _ in layer_weights])
            for weight_name, shape in layer_weights:
                ds = g.create_dataset(weight_name, shape, dtype="float32")
                fan = float(np.prod(shape[1:])) if len(shape) > 1 else 1.0
                step = max(1, rows_per_block // max(1, int(np.prod(shape[1:]))))
                for start in range(0, shape[0], step):
                    block = (start, min(shape[0], start + step))
                    values = rng.standard_normal((block[1] - block[0],) + shape[1:],
                                                 dtype=np.float32)
                    ds[block[0]:block[1]] = values / np.float32(np.sqrt(fan))
                total += int(np.prod(shape)) * 4
    return total


# -- the measurements, each in a fresh subprocess -----------------------------------------

MODES = {
    "h5py": "(a) h5py: read every weight dataset",
    "load_model": "(b) `legacy_conv.load_model(compile=False)`",
    "build": "(f) floor of (b): only building its Keras 3 model (variables zero-filled)",
    "reference": "(r) Keras 3's own route: `model_from_json` + h5py + `set_weights`",
    "tf_start": "(t) TensorFlow's first op in a fresh process (`tf.constant`)",
    "native": "(n) `legacy_conv.load_model(target='native', compile=False)`",
}
PROCESSES = {
    "first": "the step is the process's first TensorFlow work",
    "later": "TensorFlow started and another Keras 1 model loaded and read before",
}
SCENARIOS = {
    "warm": "file in the page cache",
    "cold": "file evicted from the page cache before each step (read from the disk)",
    "recycled": "file in the page cache, memory recycled (see --prefault)",
}


# How load_model gets the weights into TensorFlow's memory (`--compare`).
VARIANTS = {
    "fast": "as it is: a read-ahead thread, big variables on NumPy memory (DLPack)",
    "host": "variables on NumPy memory (DLPack), no read-ahead thread",
    "plain": "no thread, no DLPack: TensorFlow's zeros instead of draws, then `assign` "
             "(in slices)",
}


def use_variant(name):
    """Makes this process load the weights as `VARIANTS[name]` says."""
    from legacy_conv.load import _host_memory
    from legacy_conv.load import hdf5
    from legacy_conv.load import read_ahead

    if name in ("host", "plain"):
        hdf5.Keras1File.read_ahead = lambda self: read_ahead.ReadAhead(self.path, [])
    if name == "plain":
        _host_memory.MIN_BYTES = float("inf")  # every variable on TensorFlow's own zeros


# First loads (`--first-repeats`): each a fresh `python -c` process that imports only what
# the route needs, timed from before that import to a model ready to predict (uncompiled).
# {route: (what it is, the code; PATH is the file the route reads)}.
FIRST_LOADS = {
    "ours": ("`import legacy_conv` + `legacy_conv.load_model(h5, compile=False)`",
             "import legacy_conv\nmodel = legacy_conv.load_model(PATH, compile=False)"),
    "ours_native": ("`import legacy_conv` + `legacy_conv.load_model(h5, target='native', "
                    "compile=False)`",
                    "import legacy_conv\nmodel = legacy_conv.load_model(PATH, compile=False, "
                    "target='native')"),
    "keras_file": ("`import keras` + `keras.models.load_model(.keras)` (the native model "
                   "saved by Keras 3)", "import keras\nmodel = keras.models.load_model(PATH)"),
    "keras_json": ("`import keras` + `keras.models.model_from_json` + "
                   "`load_weights(.weights.h5)`",
                   "import keras\nwith open(PATH + '.json') as f:\n"
                   "    model = keras.models.model_from_json(f.read())\n"
                   "model.load_weights(PATH + '.weights.h5')"),
}
FIRST_TARGET = 1.0
FIRST_CHILD = """import resource, time
def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
start, start_cpu = time.perf_counter(), cpu()
PATH = {path!r}
{code}
ready, ready_cpu = time.perf_counter(), cpu()
import json, sys
print(json.dumps({{"seconds": ready - start, "cpu": ready_cpu - start_cpu}}))
sys.stdout.flush()
"""


def keras_files(path):
    """Writes the native model of `path` as Keras 3 saves it: `.keras`, and `.json` +
    `.weights.h5` (in a child process); returns {route: the file it reads}."""
    stem = path[:-len(".h5")] + "_native"
    code = (f"import legacy_conv\nmodel = legacy_conv.load_model({path!r}, compile=False, "
            f"target='native')\nmodel.save({stem + '.keras'!r})\n"
            f"open({stem + '.json'!r}, 'w').write(model.to_json())\n"
            f"model.save_weights({stem + '.weights.h5'!r})")
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    return {"ours": path, "ours_native": path, "keras_file": stem + ".keras",
            "keras_json": stem}


def first_load(route, path):
    """(seconds from the route's first import to the model, seconds of the whole process,
    CPU seconds of the process's threads from that import to the model)."""
    code = FIRST_CHILD.format(path=path, code=FIRST_LOADS[route][1])
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=False)
    whole = time.perf_counter() - start
    if out.returncode != 0:
        sys.exit(f"the first load by {route} failed:\n{out.stderr[-3000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return result["seconds"], whole, result["cpu"]


def first_loads(path, repeats):
    """{route: [`first_load`'s (seconds, process seconds, CPU seconds)]}, the routes' order
    rotated from one repeat to the next (fresh processes alternate)."""
    files = keras_files(path)
    routes = list(FIRST_LOADS)
    runs = {route: [] for route in routes}
    for i in range(repeats):
        for route in routes[i % len(routes):] + routes[:i % len(routes)]:
            runs[route].append(first_load(route, files[route]))
            seconds, whole, cpu = runs[route][-1]
            log(f"  first load {route:<12} {seconds:.3f} s (process {whole:.3f} s, CPU "
                f"{cpu:.3f} s)")
    return runs


def first_loads_report(runs):
    """The Markdown rows of `first_loads`: each route's times, and ours against Keras's."""
    lines = ["", "First loads: each route in a fresh process, the routes alternating; time "
             "from before the route's first import (`import legacy_conv` or `import keras`) "
             "to the model (uncompiled, ready to predict); process = the whole `python -c` "
             "run, interpreter start and exit included; CPU = the process's CPU time (all "
             "threads) over the same span as time, less sensitive to a loaded machine.", "",
             "| route | best | median | best process | median process | median CPU |",
             "|---|---:|---:|---:|---:|---:|"]
    for route, results in runs.items():
        times, whole, cpu = zip(*results)
        lines.append(f"| {FIRST_LOADS[route][0]} | {min(times):.3f} s | "
                     f"{statistics.median(times):.3f} s | {min(whole):.3f} s | "
                     f"{statistics.median(whole):.3f} s | {statistics.median(cpu):.3f} s |")
    lines += ["", f"| first load ≤ {FIRST_TARGET}× Keras 3's | ratio of bests | median of "
              "paired ratios (spread) | same, whole processes | same, CPU | met |",
              "|---|---:|---:|---:|---:|---|"]
    for ours in ("ours", "ours_native"):
        for theirs in ("keras_file", "keras_json"):
            pairs = [[a[k] / b[k] for a, b in zip(runs[ours], runs[theirs])]
                     for k in range(3)]
            best = min(r[0] for r in runs[ours]) / min(r[0] for r in runs[theirs])
            spread = [f"{statistics.median(p):.2f} ({min(p):.2f}–{max(p):.2f})" for p in pairs]
            met = verdict(statistics.median(pairs[0]) <= FIRST_TARGET)
            lines.append(f"| {ours} / {theirs} | {best:.2f} | **{spread[0]}** | {spread[1]} | "
                         f"{spread[2]} | {met} |")
    return lines


def _status(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {key} in /proc/self/status")


def _reset_peak():
    """Resets VmHWM to the current resident set (Linux >= 4.0)."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def _usage():
    """(CPU seconds, minor page faults) of this process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime, usage.ru_minflt


def evict(path):
    """Drops the file's (clean) pages from the page cache: the next read goes to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def prefault(nbytes):
    """Touches and frees `nbytes` of memory, so that the measured step finds pages that the
    (virtual) machine has already backed."""
    block = np.ones(nbytes // 4, dtype=np.float32)
    del block


def _read_all(path):
    """What plain h5py does: every weight dataset of every layer into a NumPy array."""
    import h5py

    arrays = {}
    with h5py.File(path, "r") as f:
        group = f["model_weights"]
        for layer_name in group.attrs["layer_names"]:
            g = group[layer_name.decode("utf8")]
            arrays[layer_name.decode("utf8")] = [
                g[weight_name.decode("utf8")][()] for weight_name in g.attrs["weight_names"]]
    return arrays


def _reference(path):
    """Keras 3's own route to the same model, as the loader went before this benchmark:
    the converted config through `keras.models.model_from_json` (initial values drawn),
    every dataset read, then `set_weights` layer by layer."""
    import h5py
    import keras

    import legacy_conv

    with h5py.File(path, "r") as f:
        config = f.attrs["model_config"].decode("utf8")
    model = keras.models.model_from_json(json.dumps(legacy_conv.convert_config(config)))
    arrays = _read_all(path)
    for layer in model.layers:
        if layer.weights:
            layer.set_weights(arrays[layer.name])
    return model


def _build_only(path):
    """What `load_model` does before it reads any weight: convert and build, zero-filled."""
    import h5py

    from legacy_conv import initializers
    from legacy_conv import loading

    with h5py.File(path, "r") as f:
        config = f.attrs["model_config"].decode("utf8")
    with initializers.skip_random_draws():
        return loading.build(loading.convert_config(config))


def small_path(path):
    """The other model that a 'later' process loads first."""
    return path[:-len(".h5")] + "_other.h5"


def warm_up(path):
    """What a 'later' process did before: TensorFlow started, another Keras 1 model (other
    weight shapes) loaded and read, all of it freed."""
    import legacy_conv

    legacy_conv.load_model(small_path(path), compile=False)
    _read_all(small_path(path))
    gc.collect()


def child(mode, path, scenario, process, variant="fast"):
    """Runs one measurement; prints a JSON line of its figures."""
    import keras  # noqa: F401  (the baseline includes these imports)
    import tensorflow as tf  # noqa: F401

    import legacy_conv

    use_variant(variant)
    if process == "later":
        warm_up(path)
    if scenario == "cold":
        evict(path)
    elif scenario == "recycled":
        prefault(3 * os.path.getsize(path))
    gc.collect()
    baseline = _status("VmRSS")
    _reset_peak()
    cpu, faults = _usage()
    start = time.perf_counter()
    if mode == "h5py":
        result = _read_all(path)
    elif mode == "tf_start":
        result = tf.constant(0.0)
    elif mode == "native":
        result = legacy_conv.load_model(path, compile=False, target="native")
    elif mode == "reference":
        result = _reference(path)
    elif mode == "build":
        result = _build_only(path)
    else:
        result = legacy_conv.load_model(path, compile=False)
    seconds = time.perf_counter() - start
    peak = _status("VmHWM") - baseline
    cpu_end, faults_end = _usage()
    print(json.dumps({"seconds": seconds, "cpu": cpu_end - cpu, "faults": faults_end - faults,
                      "baseline": baseline, "peak_extra": peak,
                      "check": _check(result, path) if mode in ("load_model", "reference")
                      else ""}))


def _check(model, path):
    """'ok' when every weight of the model equals its dataset in the file."""
    stored = _read_all(path)
    for layer in model.layers:
        for name, (value, variable) in enumerate(zip(stored.get(layer.name, []),
                                                     layer.weights)):
            if not np.array_equal(np.asarray(variable), value):
                return f"MISMATCH {layer.name} weight {name}"
    return "ok"


def run_child(mode, path, scenario, process, variant="fast"):
    command = [sys.executable, os.path.abspath(__file__), "--child", mode, path, scenario,
               process, variant]
    out = subprocess.run(command, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        sys.exit(f"the {mode} measurement failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _summary(results):
    return dict(seconds=min(r["seconds"] for r in results),
                median=statistics.median(r["seconds"] for r in results),
                cpu=min(r["cpu"] for r in results),
                faults=min(r["faults"] for r in results),
                peak_extra=max(r["peak_extra"] for r in results),
                baseline=statistics.median(r["baseline"] for r in results),
                checks={r["check"] for r in results} - {""})


def measure(path, scenario, process, repeats, reference_repeats=0, native_repeats=0):
    """{mode: summary} in one scenario and process state. The runs of (a) and (b) alternate
    (ab, ba, ab...) so that slow spells of the shared machine hit both; (f), (r), (n) and
    (t) run after them."""
    runs = {mode: [] for mode in MODES}
    order = [("h5py", "load_model") if i % 2 == 0 else ("load_model", "h5py")
             for i in range(repeats)] + [("build",)] * reference_repeats + [
        ("reference",)] * reference_repeats + [("native",)] * native_repeats + [
        ("tf_start",)] * (reference_repeats if process == "first" else 0)
    for modes in order:
        for mode in modes:
            result = run_child(mode, path, scenario, process)
            log(f"  {scenario:<8} {process:<5} {mode:<10} {result['seconds']:.3f} s (CPU "
                f"{result['cpu']:.3f} s, {result['faults']:,} page faults), peak "
                f"+{mib(result['peak_extra'])} {result['check']}")
            runs[mode].append(result)
    summary = {mode: _summary(results) for mode, results in runs.items() if results}
    summary["paired_ratio"] = statistics.median(
        b["seconds"] / a["seconds"] for a, b in zip(runs["h5py"], runs["load_model"]))
    return summary


def compare(path, scenario, processes, variants, repeats):
    """{(mode, process): {variant: [results]}}: (b) and (n) loaded each way in `variants`,
    the variants' order rotated from one repeat to the next."""
    runs = {}
    for i in range(repeats):
        for process in processes:
            for mode in ("load_model", "native"):
                cell = runs.setdefault((mode, process), {v: [] for v in variants})
                for variant in variants[i % len(variants):] + variants[:i % len(variants)]:
                    result = run_child(mode, path, scenario, process, variant)
                    log(f"  {process:<5} {mode:<10} {variant:<5} {result['seconds']:.3f} s "
                        f"(CPU {result['cpu']:.3f} s), peak +{mib(result['peak_extra'])} "
                        f"{result['check']}")
                    cell[variant].append(result)
    return runs


def compare_report(args, params, size, runs, elapsed):
    """The Markdown table of `compare`'s runs."""
    reference = args.variants[-1]
    lines = [
        "## Load paths: the read-ahead thread and DLPack variables against a plain path",
        "",
        f"- Date: {datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}",
        f"- Machine: CPU only, {available_cores()} cores ({cpu_model()}), "
        f"{platform.system()} {platform.release()}",
        f"- Command: `python {' '.join(shlex.quote(a) for a in sys.argv)}` "
        f"(total {elapsed:.0f} s)",
        f"- File: VGG16 'th'{'' if args.width == 1 else f' at 1/{args.width} width'}, "
        f"{params:,} parameters, weights {mib(size)}; scenario {args.scenarios[0]}",
        "- Variants: " + "; ".join(f"{v}: {VARIANTS[v]}" for v in args.variants),
        f"- Method: {args.repeats} repeats, each running every variant in a fresh process, "
        "in a rotating order; ratio = median over the repeats of (variant / "
        f"{reference}), same repeat, process state and target",
        "",
        f"| step | process | variant | median time | best time | time / {reference} "
        f"(median of paired ratios) | median CPU time | CPU / {reference} | "
        f"peak above baseline | peak / {reference} |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for (mode, process), cell in runs.items():
        for variant, results in cell.items():
            ratios = [r["seconds"] / p["seconds"] for r, p in zip(results, cell[reference])]
            cpu = [r["cpu"] / p["cpu"] for r, p in zip(results, cell[reference])]
            peak = statistics.median(r["peak_extra"] for r in results)
            base = statistics.median(r["peak_extra"] for r in cell[reference])
            lines.append(
                f"| {MODES[mode]} | {process} | {variant} | "
                f"{statistics.median(r['seconds'] for r in results):.3f} s | "
                f"{min(r['seconds'] for r in results):.3f} s | "
                f"{statistics.median(ratios):.2f} | "
                f"{statistics.median(r['cpu'] for r in results):.3f} s | "
                f"{statistics.median(cpu):.2f} | {mib(peak)} | {peak / base:.2f} |")
    return "\n".join(lines)


def time_convert_config(n_layers, repeats):
    """(first call, best of `repeats`) seconds of convert_config on a JSON string."""
    import legacy_conv

    text = json.dumps(deep_sequential(n_layers))
    times = []
    for _ in range(repeats + 1):
        gc.collect()
        start = time.perf_counter()
        legacy_conv.convert_config(text)
        times.append(time.perf_counter() - start)
    return times[0], min(times[1:])


# -- report -------------------------------------------------------------------------------


def mib(n):
    return f"{n / 2**20:,.0f} MiB"


def verdict(ok):
    return "yes" if ok else "**no**"


def _rows(key, m):
    return [f"| {MODES[mode]} | {key[0]} | {key[1]} | {r['seconds']:.3f} s | {r['median']:.3f} s | "
            f"{r['cpu']:.3f} s | {r['faults']:,} | {mib(r['peak_extra'])} |"
            for mode, r in m.items() if mode in MODES]


def _targets(key, m, size, full_size):
    h5, load = m["h5py"], m["load_model"]
    met = verdict if full_size else (lambda ok: "n/a (not VGG16-sized)")
    time_ratio = load["seconds"] / h5["seconds"]
    memory_ratio = load["peak_extra"] / size
    scenario = f"{key[0]}, {key[1]}"
    native = []
    if "native" in m:
        ratio = m["native"]["peak_extra"] / size
        native = [f"| peak memory of (n) / weights ≤ {MEMORY_TARGET}, {scenario} | "
                  f"**{ratio:.2f}** ({mib(m['native']['peak_extra'])} / {mib(size)}; time "
                  f"{m['native']['seconds']:.3f} s best) | {met(ratio <= MEMORY_TARGET)} |"]
    return native + [
        f"| time (b) / (a) ≤ {TIME_TARGET}, {scenario} | **{time_ratio:.2f}** (best of each; "
        f"median of the paired runs' ratios {m['paired_ratio']:.2f}; CPU time "
        f"{load['cpu'] / h5['cpu']:.2f}) | {met(time_ratio <= TIME_TARGET)} |",
        f"| peak memory of (b) / weights ≤ {MEMORY_TARGET}, {scenario} | "
        f"**{memory_ratio:.2f}** ({mib(load['peak_extra'])} / {mib(size)}) | "
        f"{met(memory_ratio <= MEMORY_TARGET)} |"]


def report(args, params, size, measured, config_times, elapsed):
    import h5py
    import keras
    import tensorflow as tf

    command = "python " + " ".join(shlex.quote(a) for a in sys.argv)
    checks = sorted({c for m in measured.values() for mode in ("load_model", "reference")
                     for c in m.get(mode, {}).get("checks", ())})
    baseline = next(iter(measured.values()))["load_model"]["baseline"]
    lines = [
        "## Keras 1 model files: loading a VGG16 `.h5` and converting a 1,000-layer config",
        "",
        f"- Date: {datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}",
        f"- Machine: CPU only, {available_cores()} cores ({cpu_model()}), "
        f"{platform.system()} {platform.release()}",
        f"- TensorFlow {tf.__version__}, Keras {keras.__version__}, h5py {h5py.__version__}, "
        f"Python {platform.python_version()}, NumPy {np.__version__}",
        f"- Command: `{command}` (total {elapsed:.0f} s)",
        f"- File: Keras 1.2.2 `model.save()` layout (h5py 2 strings), VGG16 'th'"
        f"{'' if args.width == 1 else f' at 1/{args.width} width'}, {params:,} parameters, "
        f"weights {mib(size)} (float32)",
        f"- Method: every step in a fresh subprocess after importing tensorflow, keras and "
        f"legacy_conv (RSS then: {mib(baseline)}), in the process state given (see below); "
        f"(a) and (b) {args.repeats} runs each, alternating; time = wall time of the step alone; peak = VmHWM (reset after the "
        "imports) minus VmRSS after the imports; page faults = minor faults during the step. "
        f"Every weight of (b) and (r) equals its dataset in the file: {', '.join(checks)}. "
        "(c) `convert_config` on a Keras 1 Sequential JSON string (Convolution2D, "
        "BatchNormalization, Activation, ZeroPadding2D, Dropout, SpatialDropout2D, "
        "GaussianNoise, Flatten, Dense; identical to what Keras 1.2.2's `to_json()` writes "
        "for that model): the first call in the process and the best of "
        f"{args.repeats} later calls",
        "",
        "| step | scenario | process | best time | median time | CPU time (best) | "
        "page faults | peak memory above baseline |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for key, m in measured.items():
        lines += _rows(key, m)
    for n, (first, best) in config_times.items():
        lines.append(f"| (c) `convert_config`, {n:,} layers | | | {best * 1e3:.0f} ms "
                     "| | | | |")
    lines += ["", "| target | figure | met |", "|---|---|---|"]
    for key, m in measured.items():
        lines += _targets(key, m, size, args.width == 1)
    first, best = config_times.get(CONFIG_LAYERS, (None, None))
    if first is not None:
        lines.append(f"| (c) `convert_config`, {CONFIG_LAYERS:,} layers, < {CONFIG_TARGET_S} s "
                     f"| **{first:.3f} s** first call ({best:.3f} s best) | "
                     f"{verdict(first < CONFIG_TARGET_S)} |")
    if len(config_times) > 1:
        per_layer = ", ".join(f"{n:,} layers {best / n * 1e6:.0f} µs"
                              for n, (_, best) in config_times.items())
        lines.append(f"| (c) linear in the layer count | per layer: {per_layer} | |")
    lines += ["", "Scenarios: " + "; ".join(f"{k}: {v}" for k, v in SCENARIOS.items()
                                             if k in args.scenarios) + ". Processes: "
              + "; ".join(f"{k}: {v}" for k, v in PROCESSES.items() if k in args.processes)
              + "."]
    return "\n".join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="a VGG16 of 1/4 the width (9.4 M parameters), 2 runs each, "
                             "warm and later only, no reference")
    parser.add_argument("--repeats", type=int,
                        help="runs of (a) and (b) per scenario (default 5, quick 2)")
    parser.add_argument("--reference-repeats", type=int,
                        help="runs of (f), (r) and (t), in the first scenario and process "
                             "state only (default 3, quick 0)")
    parser.add_argument("--native-repeats", type=int,
                        help="runs of (n), in the first scenario and process state only "
                             "(default: --repeats)")
    parser.add_argument("--first-repeats", type=int,
                        help="fresh processes per route of the first-load comparison "
                             "(FIRST_LOADS; default 5, quick 2; 0 skips it)")
    parser.add_argument("--width", type=int,
                        help="divide every VGG16 layer width by this (default 1, quick 4)")
    parser.add_argument("--scenarios",
                        help="comma-separated among warm, cold, recycled (default warm,cold; "
                             "quick warm)")
    parser.add_argument("--config-layers", default=f"{CONFIG_LAYERS},{2 * CONFIG_LAYERS}",
                        help="comma-separated layer counts for convert_config "
                             "(default 1000,2000, to show that the time is linear)")
    parser.add_argument("--keep", metavar="DIR", help="write the .h5 file into DIR and keep it")
    parser.add_argument("--markdown", metavar="PATH",
                        help="also append the tables, with a header describing the run, "
                             "to PATH")
    parser.add_argument("--processes",
                        help="comma-separated among first, later: whether the load is the "
                             "process's first TensorFlow work (default first,later; quick "
                             "later)")
    parser.add_argument("--compare", action="store_true",
                        help="time (b) and (n) with each of the load paths in VARIANTS")
    parser.add_argument("--variants", default=",".join(VARIANTS),
                        help=f"comma-separated among {', '.join(VARIANTS)} (with --compare; "
                             "the last is the reference of the ratios)")
    parser.add_argument("--child", nargs=5,
                        metavar=("MODE", "PATH", "SCENARIO", "PROCESS", "VARIANT"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeats is None:
        args.repeats = 2 if args.quick else 5
    if args.reference_repeats is None:
        args.reference_repeats = 0 if args.quick else 3
    if args.native_repeats is None:
        args.native_repeats = args.repeats
    if args.first_repeats is None:
        args.first_repeats = 2 if args.quick else 5
    if args.width is None:
        args.width = 4 if args.quick else 1
    args.scenarios = (args.scenarios or ("warm" if args.quick else "warm,cold")).split(",")
    unknown = set(args.scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s) {sorted(unknown)}; choose among {list(SCENARIOS)}")
    args.processes = (args.processes or ("later" if args.quick else "first,later")).split(",")
    unknown = set(args.processes) - set(PROCESSES)
    if unknown:
        parser.error(f"unknown process state(s) {sorted(unknown)}; choose among "
                     f"{list(PROCESSES)}")
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.child:
        return child(*args.child)
    start = time.perf_counter()
    config, weights = vgg16(args.width)
    params = sum(int(np.prod(s)) for _, ws in weights for _, s in ws)
    measured = {}
    if args.compare:
        args.variants = args.variants.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or tmp
        os.makedirs(folder, exist_ok=True)
        suffix = "" if args.width == 1 else f"_w{args.width}"
        path = os.path.join(folder, f"vgg16_th_keras1{suffix}.h5")
        log(f"writing {path}: VGG16 'th', {params:,} parameters")
        t0 = time.perf_counter()
        size = write_keras1_file(path, config, weights)
        log(f"  {mib(size)} of weights, file {mib(os.path.getsize(path))}, "
            f"{time.perf_counter() - t0:.1f} s")
        if "later" in args.processes:
            write_keras1_file(small_path(path), *vgg16(args.width * 16, size=32, classes=10))
        if args.compare:
            runs = compare(path, args.scenarios[0], args.processes, args.variants,
                           args.repeats)
            text = compare_report(args, params, size, runs, time.perf_counter() - start)
            print(text)
            if args.markdown:
                with open(args.markdown, "a") as f:
                    f.write("\n" + text + "\n")
            return None
        for scenario in args.scenarios:
            for process in args.processes:
                extra = scenario == args.scenarios[0] and process == args.processes[0]
                measured[scenario, process] = measure(
                    path, scenario, process, args.repeats,
                    args.reference_repeats if extra else 0,
                    args.native_repeats if extra else 0)
        firsts = first_loads(path, args.first_repeats) if args.first_repeats else None
    log("convert_config")
    config_times = {}
    for n in (int(v) for v in args.config_layers.split(",")):
        config_times[n] = time_convert_config(n, args.repeats)
        log(f"  {n} layers: first {config_times[n][0]:.3f} s, "
            f"best {config_times[n][1]:.3f} s")
    text = report(args, params, size, measured, config_times, time.perf_counter() - start)
    if firsts:
        text += "\n" + "\n".join(first_loads_report(firsts))
    print(text)
    if args.markdown:
        with open(args.markdown, "a") as f:
            f.write("\n" + text + "\n")
        log(f"appended to {args.markdown}")
    failed = [c for m in measured.values() for mode in ("load_model", "reference")
              for c in m.get(mode, {}).get("checks", ()) if c != "ok"]
    if failed:
        sys.exit(f"wrong weights: {failed}")
    return None


if __name__ == "__main__":
    main()
