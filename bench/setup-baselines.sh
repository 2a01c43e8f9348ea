#!/bin/sh
# Installs the CPU baselines that `npm run bench -- training` compares against:
# Debian's PyTorch with the pthread OpenBLAS (without it PyTorch falls back to the
# reference BLAS and runs 2-6x slower: an unfair baseline). Run as root (or with sudo).
# The test suite never needs these. TensorFlow.js is installed by
# bench/baselines/setup-tfjs.sh into /tmp (no change to package.json).
set -eu
export DEBIAN_FRONTEND=noninteractive
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends python3-torch libopenblas0-pthread
/usr/bin/python3 -c 'import torch; print("torch", torch.__version__, "threads", torch.get_num_threads())'
