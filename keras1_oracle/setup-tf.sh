#!/usr/bin/env bash
# Builds a virtual environment that runs the real Keras 1.2.2 on its TensorFlow backend, over
# TensorFlow 2.21 in graph mode (tf.compat.v1), on Python 3.11, with the versions of
# requirements-tf.txt and requirements-tf-nodeps.txt (next to this script).
# Usage: keras1_oracle/setup-tf.sh [VENV_DIR]   (default: /tmp/keras1-tf-venv)
# Then, in your script, BEFORE importing keras (the make_*.py scripts do it themselves):
#     import sys; sys.path.insert(0, "keras1_oracle"); import tf1_shim; tf1_shim.install()
# and run it with: KERAS_BACKEND=tensorflow CUDA_VISIBLE_DEVICES= VENV_DIR/bin/python script.py
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
venv=${1:-/tmp/keras1-tf-venv}
python=${PYTHON:-python3.11}
"$python" -m venv "$venv"
"$venv/bin/pip" install -q -r "$here/requirements-tf.txt"
"$venv/bin/pip" install -q --no-deps -r "$here/requirements-tf-nodeps.txt"
KERAS_BACKEND=tensorflow CUDA_VISIBLE_DEVICES= TF_CPP_MIN_LOG_LEVEL=3 "$venv/bin/python" -c "
import sys; sys.path.insert(0, '$here'); import tf1_shim; tf1_shim.install()
import keras; from keras.layers import SeparableConvolution2D
print('keras', keras.__version__, 'on', keras.backend.backend(), 'ready')" 2>&1 | tail -1
