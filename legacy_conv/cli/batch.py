"""`legacy-conv convert DIR OUTDIR`: every Keras 1 file of a folder tree, in parallel.

Each file (a JSON/YAML config with the weights file found beside it, or a `model.save()`
HDF5 file) is converted by the single-file command, with the same options and output rules,
in worker processes; a failure is that file's row, never the end of the run. The run ends
with a table on stdout and a JSON report (per file: input, weights, output, status, reason,
warnings, the Keras 1 backend used and why). Exit status 0 only when every file converted.
"""

import concurrent.futures
import contextlib
import copy
import io
import json
import multiprocessing
import os

from legacy_conv import _atomic
from legacy_conv import backend
from legacy_conv.cli.errors import EXIT_FAILED
from legacy_conv.cli.errors import EXIT_OK
from legacy_conv.cli.errors import PROG
from legacy_conv.cli.errors import CliError
from legacy_conv.cli.errors import UsageError
from legacy_conv.cli.errors import say

FORMATS = {"keras": ".keras", "json": ".json", "saved_model": ""}  # --format -> OUT's suffix
REPORT = "legacy-conv-report.json"
MAX_JOBS = 4  # the default --jobs at most: each worker holds a model and TensorFlow
# A config's weights file beside it: these stems (of `model.json`: `model.h5`,
# `model_weights.h5`, ...), else the folder's only weights file when it has one config.
WEIGHTS_STEMS = ("{}", "{}_weights", "{}-weights", "{}.weights")
# The folder mode's options: {dest: (flag, default)}; a single file refuses them.
FOLDER_ONLY = {"format": ("--format", "keras"), "jobs": ("--jobs", None),
               "report": ("--report", None)}
SINGLE_FILE_ONLY = (("weights", "--weights"), ("serving_name", "--serving-name"),
                    ("serving_version", "--serving-version"))
WORKER_STOPPED = ("its worker process stopped abruptly (killed, or out of memory); convert "
                  "it alone to see why")


class Unit:
    """One conversion: a Keras 1 file, the weights file paired with it, where it goes."""

    def __init__(self, path, weights=None, paired=None):
        self.path, self.weights, self.paired = path, weights, paired
        self.output = None
        self.status, self.reason, self.wrote, self.warnings = "failed", None, None, []
        self.backend = None  # (backend, why), once converted

    def row(self, root, out_root, chosen):
        backend_used, why = self.backend or chosen
        return {"input": os.path.relpath(self.path, root),
                "weights": self.weights and os.path.relpath(self.weights, root),
                "paired": self.paired,
                "output": os.path.relpath(self.output, out_root),
                "status": self.status, "reason": self.reason, "wrote": self.wrote,
                "warnings": self.warnings, "keras1_backend": backend_used,
                "backend_reason": why}


def _hdf5_kind(path):
    """'weights' for a `save_weights()` file, else 'model' (a failure to read it is the
    conversion's to report)."""
    import h5py  # imported when a command runs, as Keras is
    with contextlib.suppress(Exception), h5py.File(path, "r") as f:
        if "model_config" not in f.attrs and "layer_names" in f.attrs:
            return "weights"
    return "model"


def _config_kind(path):
    """'config', or None for a .json/.yaml that cannot be a model config (a class index, a
    manifest: every Keras model config names a `class_name`)."""
    from legacy_conv.cli import reading  # Keras: imported when a command runs
    with contextlib.suppress(OSError), open(path, "rb") as f:
        if b"class_name" not in f.read(reading.MAX_TEXT_BYTES + 1):
            return None
    return "config"


def _kind(path):
    """'config', 'model', 'weights', or None for a file that is no Keras model file."""
    from legacy_conv.cli import reading
    try:
        fmt = reading._input_format(path)
    except Exception:  # noqa: BLE001 — not a model file by its name or its first bytes
        return None
    return _hdf5_kind(path) if fmt == "hdf5" else _config_kind(path)


def _stem(path):
    return os.path.splitext(os.path.basename(path))[0]


def _shared(a, b):
    """The beginning two stems share, where it is at least half the shorter one."""
    common = os.path.commonprefix([a, b])
    return common if 2 * len(common) >= min(len(a), len(b)) else ""


def _by_prefix(alone, left):
    """[(config unit, weights file, shared beginning)]: each config and the weights file
    whose names share the longest beginning, where each is the other's only best match
    (record_2_modelYaml.yaml with record_2_modelWeights.h5, not record_4_...); and
    {weights file: (config, its equal matches)} where a config has several."""
    pairs, tied = [], {}
    for unit in alone:
        shared = {w: _shared(_stem(unit.path), _stem(w)) for w in left}
        best = max(map(len, shared.values()), default=0)
        tops = [w for w in left if len(shared[w]) == best]
        if best and len(tops) > 1:
            tied.update({w: (os.path.basename(unit.path), tops) for w in tops})
        if not best or len(tops) != 1 or any(
                len(_shared(_stem(other.path), _stem(tops[0]))) >= best
                for other in alone if other is not unit):
            continue
        pairs.append((unit, tops[0], shared[tops[0]]))
    return pairs, tied


def _pair(folder, configs, weights):
    """Units of one folder: each config with its weights file, by WEIGHTS_STEMS (model.json
    and model.yaml may share model.h5), else by the beginning their names share, else the
    folder's only one; then the weights files no config claimed (each a failure)."""
    by_stem = {os.path.splitext(w)[0]: w for w in weights}
    units, claimed = [], set()
    for config in configs:
        stem = os.path.splitext(config)[0]
        found = [by_stem[s.format(stem)] for s in WEIGHTS_STEMS if s.format(stem) in by_stem]
        units.append(Unit(os.path.join(folder, config)))
        if found:
            claimed.add(found[0])
            units[-1].weights = os.path.join(folder, found[0])
            units[-1].paired = f"by name ({found[0]} beside {config})"
    alone = [u for u in units if u.weights is None]
    left = [w for w in weights if w not in claimed]
    pairs, tied = _by_prefix(alone, left)
    for unit, name, shared in pairs:
        unit.weights = os.path.join(folder, name)
        unit.paired = f"by the beginning of their names ({shared!r})"
        left.remove(name)
    alone = [u for u in units if u.weights is None]
    if len(configs) == 1 and len(weights) == 1 and alone:
        alone[0].weights = os.path.join(folder, left[0])
        alone[0].paired = "the only config and weights file in the folder"
        left = []
    for name in left:
        unit = Unit(os.path.join(folder, name))
        if name in tied:
            config, matches = tied[name]
            unit.reason = (f"one of {len(matches)} weights files whose names match {config}'s "
                           f"equally ({', '.join(matches)}): convert each with "
                           f"'{PROG} convert {config} OUT --weights {name}'")
        else:
            unit.reason = (f"a weights file (model.save_weights) with no config beside it: "
                           f"name its JSON or YAML {os.path.splitext(name)[0]}.json, or "
                           f"convert it with --weights")
        units.append(unit)
    return units


def find(root, skip=None):
    """The conversion units of the tree `root` (symbolic links not followed; the folder
    `skip`, an OUTDIR inside it, left out), in path order."""
    units = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if os.path.join(folder, d) != skip)
        kinds = {"config": [], "model": [], "weights": []}
        for name in sorted(files):
            path = os.path.join(folder, name)
            kind = None if os.path.islink(path) else _kind(path)
            if kind:
                kinds[kind].append(name)
        units += [Unit(os.path.join(folder, m)) for m in kinds["model"]]
        units += _pair(folder, kinds["config"], kinds["weights"])
    return sorted(units, key=lambda u: u.path)


def _place(units, root, out_root, suffix):
    """Each unit's output: OUTDIR/<its path in DIR, suffix replaced>; names that would
    collide (model.json and model.h5) keep their own suffix too."""
    def target(unit, keep):
        rel = os.path.relpath(unit.path, root)
        return os.path.join(out_root, (rel if keep else os.path.splitext(rel)[0]) + suffix)
    counts = {}
    for unit in units:
        counts[target(unit, False)] = counts.get(target(unit, False), 0) + 1
    for unit in units:
        unit.output = target(unit, counts[target(unit, False)] > 1)


def _chosen(args):
    """The backend a file that was not converted would have had, and why (a converted
    file's row says what its conversion chose: `reading.backend_used`)."""
    if args.keras1_backend is not None:
        return args.keras1_backend, "--keras1-backend"
    if os.environ.get(backend.ENV_VAR):
        return backend.keras1_backend(), f"${backend.ENV_VAR}"
    return None, None


def convert_one(args):
    """Runs the single-file command `args` (in a worker); (status, stdout, stderr, the
    backend it converted for and why)."""
    import keras
    from legacy_conv import cli
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        status = cli.execute(args)
    keras.backend.clear_session()
    return status, stdout.getvalue(), stderr.getvalue(), getattr(args, "backend_used", None)


def _record(unit, result):
    status, stdout, stderr, unit.backend = result
    unit.status = "converted" if status == EXIT_OK else "failed"
    lines = [line.split(": ", 2) for line in stderr.splitlines()]
    errors = [line[2] for line in lines if line[:2] == [PROG, "error"]]
    unit.warnings = [line[2] for line in lines if line[:2] == [PROG, "warning"]]
    unit.reason = errors[0] if errors else None
    unit.wrote = stdout.strip() or None


def _unit_args(args, unit):
    one = copy.copy(args)
    one.input, one.out, one.quiet = unit.path, unit.output, True
    one.weights = unit.weights if args.format != "json" else None  # a config OUT: none
    for dest, (_, default) in FOLDER_ONLY.items():
        setattr(one, dest, default)
    one.make_parents = True
    return one


def _pool(jobs):
    return concurrent.futures.ProcessPoolExecutor(
        max_workers=jobs, mp_context=multiprocessing.get_context("spawn"))


def _run_all(args, units, progress):
    """Converts `units` (those not already failed), `args.jobs` at a time; reports each."""
    todo = [u for u in units if u.reason is None]
    total, done = len(units), 0

    def finished(unit):
        nonlocal done
        done += 1
        if not progress.quiet:
            print(f"{PROG}: [{done}/{total}] {unit.status} {unit.path}", file=progress.stream,
                  flush=True)

    for unit in units:
        if unit.reason is not None:  # refused before converting (a lone weights file)
            finished(unit)

    if args.jobs == 1 or len(todo) <= 1:
        for unit in todo:
            _record(unit, convert_one(_unit_args(args, unit)))
            finished(unit)
        return
    with _pool(min(args.jobs, len(todo))) as pool:
        futures = {pool.submit(convert_one, _unit_args(args, u)): u for u in todo}
        try:
            for future in concurrent.futures.as_completed(futures):
                unit = futures[future]
                try:
                    _record(unit, future.result())
                except concurrent.futures.process.BrokenProcessPool:
                    unit.reason = WORKER_STOPPED
                finished(unit)
        except BaseException:
            for future in futures:
                future.cancel()
            raise


def _table(rows):
    width = max([len(r["input"]) for r in rows] + [5])
    lines = [f"{'status':<10} {'input':<{width}}  output / reason"]
    lines += [f"{r['status']:<10} {r['input']:<{width}}  "
              f"{r['output'] if r['status'] == 'converted' else r['reason']}" for r in rows]
    return "\n".join(lines)


def _write_report(path, report):
    with _atomic.written(path, folder=False, replace=os.path.lexists(path)) as tmp:
        with open(tmp, "w") as f:
            json.dump(report, f, indent=1)
            f.write("\n")


def _check(args):
    for dest, flag in SINGLE_FILE_ONLY:
        if getattr(args, dest, None) is not None:
            raise UsageError(f"{flag} applies to one file, not to a folder IN ({args.input})")
    root, out_root = os.path.realpath(args.input), os.path.realpath(args.out)
    if out_root == root or root.startswith(out_root.rstrip(os.sep) + os.sep):
        raise UsageError(f"{args.out}: OUTDIR is or contains IN ({args.input}); write the "
                         "conversions to another folder")
    if os.path.lexists(args.out) and not os.path.isdir(args.out):
        raise UsageError(f"{args.out}: OUTDIR must be a folder (IN {args.input} is one)")
    if args.report is not None:  # a file of the user's: replaced only as an OUT would be
        from legacy_conv.cli import writing
        writing.check_output(args.report, args.force)
    return root, out_root


def run(args, progress, notes):
    """`convert DIR OUTDIR`: every Keras 1 file in DIR's tree to OUTDIR, same layout."""
    from legacy_conv.cli import reading
    root, out_root = _check(args)
    reading.check_keep_legacy(args)
    skip = out_root if out_root.startswith(root + os.sep) else None
    with progress.stage(f"finding the Keras 1 files in {args.input}"):
        units = find(args.input, skip and os.path.join(
            args.input, os.path.relpath(out_root, root)))
    if not units:
        raise CliError(f"{args.input}: holds no Keras 1 model file (.json, .yaml, .yml, "
                       ".h5, .hdf5)")
    _place(units, args.input, args.out, FORMATS[args.format])
    if args.jobs is None:
        args.jobs = min(MAX_JOBS, len(os.sched_getaffinity(0)))
    _run_all(args, units, progress)
    rows = [u.row(args.input, args.out, _chosen(args)) for u in units]
    counts = {s: sum(r["status"] == s for r in rows) for s in ("converted", "failed")}
    report_path = args.report or os.path.join(args.out, REPORT)
    os.makedirs(args.out, exist_ok=True)
    _write_report(report_path, {"input": args.input, "output": args.out,
                                "format": args.format, "target": args.target,
                                "counts": counts, "files": rows})
    print(_table(rows))
    print(f"{counts['converted']} of {len(rows)} converted, {counts['failed']} failed; "
          f"report: {report_path}")
    if counts["failed"]:
        say("error", f"{counts['failed']} of {len(rows)} files in {args.input} were not "
                     f"converted (see {report_path})")
    return EXIT_OK if not counts["failed"] else EXIT_FAILED
