#!/usr/bin/env bash
# Builds a virtual environment that runs the real Keras 1.x (default 1.2.2) on Theano 1.0.5, on
# Python 3.11, with the versions of requirements-theano.txt (next to this script).
# Usage: keras1_oracle/setup.sh [VENV_DIR] [KERAS_VERSION]   (defaults: /tmp/keras1-venv 1.2.2)
# Then:  THEANO_FLAGS='blas.ldflags=,floatX=float32' KERAS_BACKEND=theano VENV_DIR/bin/python script.py
# The final check fails on Keras 1.0.0, 1.0.5 and 1.0.6 (no keras.backend.backend() yet); the
# environment works.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
venv=${1:-/tmp/keras1-venv}
version=${2:-1.2.2}
python=${PYTHON:-python3.11}
"$python" -m venv "$venv"
"$venv/bin/pip" install -q -r "$here/requirements-theano.txt" "keras==$version"
site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
# Keras 1 and Theano 1.0.5 predate Python 3.10/3.11: restore the few names they import.
cat > "$site/sitecustomize.py" <<'PY'
import collections, collections.abc, inspect
for _name in ("Iterable", "Callable", "Mapping", "MutableMapping", "Sequence"):
    if not hasattr(collections, _name):
        setattr(collections, _name, getattr(collections.abc, _name))
if not hasattr(inspect, "getargspec"):
    inspect.getargspec = inspect.getfullargspec
PY
THEANO_FLAGS='blas.ldflags=,floatX=float32' KERAS_BACKEND=theano "$venv/bin/python" -c \
  'import keras; print("keras", keras.__version__, "on", keras.backend.backend(), "ready")'
