#!/bin/bash
# Backdoor attack (issue #15) against several aggregators: 20 clients (10 a round), 20%
# attackers, 5 rounds of 2nn on 4,000 IID MNIST images; the result JSON has the attack success
# rate per round beside test accuracy. Run from the repository root.
set -e
out=results/backdoor
common="--clients 20 --fraction 0.5 --rounds 5 --train-limit 4000 --test-limit 1000 --seed 7 --workers 2
  --attack backdoor --attackers 0.2"
nice -n 5 npm run -s edgefed -- simulate $common --strategy fedavg --out $out/fedavg.json
nice -n 5 npm run -s edgefed -- simulate $common --strategy fedmedian --out $out/fedmedian.json
nice -n 5 npm run -s edgefed -- simulate $common --strategy fedtrimmedavg --beta 0.2 --out $out/fedtrimmedavg.json
nice -n 5 npm run -s edgefed -- simulate $common --strategy multikrum --byzantine 2 --out $out/multikrum.json
nice -n 5 npm run -s edgefed -- simulate $common --strategy centeredclipping --out $out/centeredclipping.json
