#!/bin/sh
# Installs the CPU baselines that `npm run bench -- training`, `train-step` and
# `simulation-throughput` compare against. Run as root (or with sudo). The test suite
# never needs these. TensorFlow.js is installed by bench/baselines/setup-tfjs.sh into /tmp.
#
# 1. Debian's PyTorch 1.13 with the pthread OpenBLAS (without it PyTorch falls back to
#    the reference BLAS and runs 2-6x slower: an unfair baseline).
# 2. Where pip can install a PyTorch 2.x CPU wheel (a local wheel directory or index;
#    PyPI itself is usually not reachable here), a venv with it at
#    ${EDGEFED_TORCH2_VENV:-/opt/edgefed/torch2}, on top of Debian's python3 (system site
#    packages for numpy). The benchmarks measure both and keep the faster.
#
# Both are configured by bench/baselines/torch_env.py (imported before torch) and by the
# TypeScript harness (bench/training-lib/torch-env.ts): OPENBLAS_NUM_THREADS=1, the image's
# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE pins unset, torch.set_num_threads(2), and both
# OMP_WAIT_POLICY=PASSIVE and the default measured.
set -eu
export DEBIAN_FRONTEND=noninteractive
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends python3-torch libopenblas0-pthread python3-venv
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/baselines"
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 /usr/bin/python3 -c \
  'import torch_env, torch, json; torch.set_num_threads(2); print(json.dumps(torch_env.describe(torch)))'

venv=${EDGEFED_TORCH2_VENV:-/opt/edgefed/torch2}
is_torch2() { "$1" -c 'import sys, torch; sys.exit(int(torch.__version__.split(".")[0]) < 2)' 2>/dev/null; }
if [ -x "$venv/bin/python" ] && is_torch2 "$venv/bin/python"; then
  echo "PyTorch 2.x venv already at $venv"
else
  $SUDO mkdir -p "$(dirname "$venv")"
  $SUDO /usr/bin/python3 -m venv --system-site-packages "$venv"
  # A CPU build: the PyTorch CPU index where reachable, else a local `torch-2*+cpu` wheel
  # in pip's configured find-links (the default index's torch is the CUDA build, ~550 MB of
  # wheels plus the nvidia-* packages). torch's pure-Python deps must be newer than Debian's
  # (typing_extensions.deprecated, sympy's equal_valued): install them into the venv.
  pip="$SUDO $venv/bin/python -m pip"
  links=$(/usr/bin/python3 -m pip config get global.find-links 2>/dev/null || true)
  wheel=$(for d in $links; do ls "$d"/torch-2*+cpu-*.whl 2>/dev/null; done | sort -V | tail -n 1)
  deps="typing_extensions>=4.10 sympy>=1.13 mpmath filelock networkx jinja2 fsspec"
  if PIP_CONFIG_FILE=/dev/null timeout 120 $pip install -q --retries 0 --timeout 15 \
    --no-deps --ignore-installed --index-url https://download.pytorch.org/whl/cpu 'torch>=2' 2>/dev/null ||
    { [ -n "$wheel" ] && timeout 900 $pip install -q --no-deps --ignore-installed "$wheel"; }; then
    # shellcheck disable=SC2086
    timeout 600 $pip install -q --retries 1 --ignore-installed $deps
    is_torch2 "$venv/bin/python" || { echo "PyTorch 2.x in $venv does not import" >&2; exit 1; }
  else
    echo "no PyTorch 2.x wheel reachable with pip: the benchmarks use Debian's PyTorch only" >&2
    $SUDO rm -rf "$venv"
  fi
fi
if [ -x "$venv/bin/python" ]; then
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 "$venv/bin/python" -c \
    'import torch_env, torch, json; torch.set_num_threads(2); print(json.dumps(torch_env.describe(torch)))'
fi
