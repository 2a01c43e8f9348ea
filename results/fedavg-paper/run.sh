#!/bin/bash
# The FedAvg paper's cnn rows of docs/results.md (issue #11): MNIST, 100 clients, C=0.1, E=5, B=10,
# target 99% test accuracy, seed 0. Run from the repository root:
#   bash results/fedavg-paper/run.sh iid 0.1       # one lr of the IID grid (the table has 0.05, 0.1, 0.2)
#   bash results/fedavg-paper/run.sh noniid 0.05   # pathological non-IID (2 shards of 300 per client)
# ROUNDS caps a run (IID 25, non-IID the paper's 229); Ctrl-C stops one early and still writes
# its JSON, CSV and SVG with the rounds done (status "stopped").
set -e
partition=${1:?iid or noniid}
lr=${2:?learning rate}
case $partition in
  iid) part="--partition iid"; rounds=${ROUNDS:-25} ;;
  noniid) part="--partition shards --shards-per-client 2"; rounds=${ROUNDS:-229} ;;
  *) echo "usage: bash results/fedavg-paper/run.sh iid|noniid LR" >&2; exit 2 ;;
esac
npm run -s edgefed -- simulate --dataset mnist --model cnn --clients 100 --fraction 0.1 \
  --epochs 5 --batch-size 10 --lr "$lr" $part --rounds "$rounds" --target-accuracy 0.99 \
  --seed 0 --out "results/fedavg-paper/cnn-$partition-lr$lr.json"
