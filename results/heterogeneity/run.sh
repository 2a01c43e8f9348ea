#!/bin/bash
# The heterogeneity figure of docs/results.md (issue #15): time-to-target in virtual seconds
# for synchronous FedAvg with and without over-selection, and FedBuff, with log-normal device
# speeds (10x spread, p95/p5) and 20% mid-task dropouts. 2nn on IID MNIST, 100 clients.
# Run from the repository root: SEED=1 bash results/heterogeneity/run.sh (the table uses seeds 1-3)
set -e
out=results/heterogeneity
common="--dataset mnist --model 2nn --partition iid --clients 100 --epochs 1 --batch-size 10 --lr 0.1
  --seed ${SEED:-1} --target-accuracy ${TARGET:-0.95} --workers 2
  --speeds lognormal:10 --dropout-rate 0.2 --device-speed 100 --round-deadline-ms 60000"
nice -n 5 npm run -s edgefed -- simulate $common --fraction 0.1 --rounds 150 --out $out/sync-seed${SEED:-1}.json
nice -n 5 npm run -s edgefed -- simulate $common --fraction 0.1 --over-selection 1.3 --rounds 150 --out $out/sync-overselect-seed${SEED:-1}.json
nice -n 5 npm run -s edgefed -- simulate $common --mode fedbuff --buffer-size 10 --concurrency 20 --max-staleness 20 --rounds 400 --out $out/fedbuff-seed${SEED:-1}.json
