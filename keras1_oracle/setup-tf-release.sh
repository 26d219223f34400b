#!/usr/bin/env bash
# Builds a virtual environment with an older Keras 1 release (1.0.6, 1.0.7) on the TensorFlow
# backend: only that Keras, over the packages of the Keras 1.2.2 TensorFlow environment
# (setup-tf.sh), which a .pth file puts on its path.
# Usage: keras1_oracle/setup-tf-release.sh VENV_DIR KERAS_VERSION [TF_VENV_DIR]
#        (default TF_VENV_DIR: /tmp/keras1-tf-venv, built first by setup-tf.sh)
set -euo pipefail
venv=$1
version=$2
base=${3:-/tmp/keras1-tf-venv}
python=${PYTHON:-python3.11}
"$python" -m venv "$venv"
site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
"$base/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' \
    > "$site/keras1_tf_venv.pth"
"$venv/bin/pip" install -q --no-deps "keras==$version"
