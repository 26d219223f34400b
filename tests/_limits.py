"""Runs hostile-input work in a fresh Python process, bounded in time and memory.

`bounded(setup, body)` runs `setup` (imports, building the input), then times `body`; the
process gets an address-space-like limit (RLIMIT_DATA: heap and private mappings, which
TensorFlow's import stays far below) and a wall-clock timeout. It returns what happened:
the exception `body` raised (type name and message), its time, and the peak resident memory
of the whole process, so a test can assert "a ConversionError, within a second, without
allocating" without risking the test runner itself.
"""

import json
import os
import resource
import subprocess
import sys
import textwrap

MARK = "\n__bounded__"

_WRAPPER = """
import json, resource, sys, time
{setup}
_error = None
_start = time.perf_counter()
try:
{body}
except BaseException as _e:  # noqa: BLE001 — reported to the test
    _error = [type(_e).__name__, str(_e)[:4000], type(_e).__module__]
_elapsed = time.perf_counter() - _start
sys.stdout.write({mark!r} + json.dumps({{"error": _error, "elapsed": _elapsed,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}) + "\\n")
sys.stdout.flush()
"""


class Outcome:
    """What the bounded run did: `error` (None or (type name, message, module)), `elapsed`
    (seconds of the body), `peak_mb`, `returncode`, `stdout`, `stderr`; `timed_out`."""

    def __init__(self, returncode, stdout, stderr, timed_out=False):
        self.returncode, self.stderr, self.timed_out = returncode, stderr, timed_out
        head, _, tail = stdout.partition(MARK)
        self.stdout = head
        report = json.loads(tail) if tail.strip() else {}
        self.error = tuple(report["error"]) if report.get("error") else None
        self.elapsed = report.get("elapsed")
        self.peak_mb = report.get("peak_mb")

    def __repr__(self):
        return (f"Outcome(rc={self.returncode}, timed_out={self.timed_out}, error={self.error},"
                f" elapsed={self.elapsed}, peak_mb={self.peak_mb}, stderr={self.stderr[-800:]!r})")


def bounded(setup, body, seconds=60, megabytes=3000, cwd=None):
    """Runs `setup` then `body` (Python source) in a fresh interpreter with at most
    `megabytes` of data memory and `seconds` of wall-clock time in all."""
    code = _WRAPPER.format(setup=textwrap.dedent(setup),
                           body=textwrap.indent(textwrap.dedent(body), "    ") or "    pass",
                           mark=MARK)
    limit = megabytes << 20

    def limit_memory():
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))

    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=seconds, preexec_fn=limit_memory, env=env, cwd=cwd)
    except subprocess.TimeoutExpired as expired:
        return Outcome(None, _text(expired.stdout), _text(expired.stderr), timed_out=True)
    return Outcome(done.returncode, done.stdout, done.stderr)


def _text(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value or ""
