#!/bin/sh
# Installs TensorFlow.js (cpu + wasm backends) into /tmp/tfjs for the training benchmark's
# baseline, without touching the project's package.json or node_modules.
set -eu
mkdir -p /tmp/tfjs
cd /tmp/tfjs
[ -f package.json ] || echo '{"name":"tfjs-bench","private":true}' > package.json
npm install --no-save --no-audit --no-fund @tensorflow/tfjs@4 @tensorflow/tfjs-backend-wasm@4
