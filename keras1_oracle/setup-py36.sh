#!/usr/bin/env bash
# Builds a virtual environment that runs Keras 1.2.2 on Theano 1.0.5 under Python 3.6 and
# h5py 2.10 (requirements-py36.txt), wheels only, nothing compiled.
# Usage: keras1_oracle/setup-py36.sh [VENV_DIR] [PYTHON36]
#        (defaults: /tmp/keras122-py36-venv ~/.pyenv/versions/3.6.15/bin/python)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
venv=${1:-/tmp/keras122-py36-venv}
python=${2:-$HOME/.pyenv/versions/3.6.15/bin/python}
"$python" -m venv "$venv"
"$venv/bin/pip" install -q "pip==21.3.1"
"$venv/bin/pip" install -q --only-binary :all: -r "$here/requirements-py36.txt"
"$venv/bin/pip" install -q --no-deps theano==1.0.5 keras==1.2.2
THEANO_FLAGS='blas.ldflags=,floatX=float32' KERAS_BACKEND=theano "$venv/bin/python" -c \
  'import keras, h5py; print("keras", keras.__version__, "h5py", h5py.__version__, "ready")'
