#!/bin/bash
# FedAvg vs q-FedAvg (and FedProx) on MNIST split into pathological non-IID shards (two
# digits per client, McMahan et al.), 2nn model; the per-client accuracy distribution
# (label-weighted test accuracy, see coordinator/src/simulation/client-accuracy.ts) is in
# each result's rounds[].clientAccuracy. Run from the repository root:
#   nice -n 5 bash results/fairness/run.sh
set -e
common="--clients 50 --fraction 0.2 --rounds 40 --train-limit 10000 --test-limit 2000 --partition shards --shards-per-client 2 --epochs 1 --batch-size 10 --lr 0.1 --seed 11 --eval-every 5 --workers 2"
npm run -s edgefed -- simulate $common --strategy fedavg --out results/fairness/fedavg.json
npm run -s edgefed -- simulate $common --strategy qfedavg --q 0.1 --out results/fairness/qfedavg-q0.1.json
npm run -s edgefed -- simulate $common --strategy qfedavg --q 1 --out results/fairness/qfedavg-q1.json
npm run -s edgefed -- simulate $common --fedprox 0.1 --out results/fairness/fedprox-mu0.1.json
