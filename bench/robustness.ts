/**
 * The reduced Byzantine table of docs/robustness.md (issue #15): `2nn` on Dirichlet(0.5)
 * MNIST, 20% attackers, each attack kind x each aggregator, through the real simulate path;
 * plus the aggregation time and memory kind of each aggregator on 20 updates of the 2nn's
 * size. Prints one JSON line per figure and writes results/robustness/table.json.
 *
 *   node --conditions=@edgefed/source --import tsx bench/robustness.ts [ROUNDS]
 */
import { writeFile } from 'node:fs/promises';
import { createPrng, createStrategy, type FitResult, type TensorMap } from '@edgefed/shared';
import { runSimulation } from '../coordinator/src/simulation/run-simulation.js';

const rounds = Number(process.argv[2] ?? 5);
const ATTACKS = [null, 'sign-flip', 'scale', 'gaussian', 'label-flip', 'example-count'] as const;
const F = 4; // 20% of 20 clients
const STRATEGIES: Record<string, Record<string, unknown>> = {
  fedavg: { name: 'fedavg' },
  fedmedian: { name: 'fedmedian' },
  fedtrimmedavg: { name: 'fedtrimmedavg', beta: 0.2 },
  multikrum: { name: 'multikrum', byzantineClients: F },
  bulyan: { name: 'bulyan', byzantineClients: F, minFitResults: 19, minFitClients: 20 },
  centeredclipping: { name: 'centeredclipping', tau: 1 },
  normbounded: { name: 'normbounded', normBound: 1 },
};
const base = {
  dataset: 'mnist',
  model: '2nn',
  clients: 20,
  fraction: 1,
  rounds,
  batchSize: 10,
  learningRate: 0.1,
  partition: 'dirichlet',
  alpha: 0.5,
  trainLimit: 6000,
  testLimit: 1000,
  workers: 1,
  seed: 1,
  evalEvery: rounds,
} as const;
const ATTACK_PARAMS: Record<string, Record<string, unknown>> = {
  'sign-flip': { scale: 4 },
  scale: { scale: 10 },
  gaussian: { noiseStd: 1 },
  'label-flip': {},
  'example-count': { claimedExamples: 1_000_000_000 },
};

async function aggregationCost(name: string): Promise<{ seconds: number; memory: string }> {
  const rng = createPrng(5);
  const model = (s: number): TensorMap =>
    new Map([
      [
        'w',
        {
          dtype: 'float32',
          shape: [199_210],
          data: Float32Array.from({ length: 199_210 }, () => (rng.nextFloat() - 0.5) * s),
        },
      ],
    ]);
  const global = model(1);
  const results: FitResult[] = Array.from({ length: 20 }, (_, i) => ({
    clientId: `c${i}`,
    exampleCount: 300,
    update: model(0.01),
  }));
  const strategy = createStrategy({ ...STRATEGIES[name], minFitResults: name === 'bulyan' ? 19 : 1 });
  const t0 = performance.now();
  await strategy.aggregateFit({ round: 1, global, results, failures: [] });
  return { seconds: (performance.now() - t0) / 1000, memory: strategy.memory.kind };
}

const rows: Record<string, unknown>[] = [];
for (const name of Object.keys(STRATEGIES)) {
  const cost = await aggregationCost(name);
  for (const attack of ATTACKS) {
    const t0 = performance.now();
    const r = await runSimulation({
      ...base,
      strategy: STRATEGIES[name],
      maxExampleWeight: 100_000,
      ...(attack === null ? {} : { attack: { kind: attack, fraction: 0.2, ...ATTACK_PARAMS[attack] } }),
    });
    const row = {
      strategy: name,
      attack: attack ?? 'none',
      rounds: r.rounds.length,
      status: r.status,
      finalAccuracy: r.totals.finalAccuracy,
      attackers: r.attack?.attackers ?? [],
      wallSeconds: (performance.now() - t0) / 1000,
      aggregateSeconds20x199k: cost.seconds,
      memory: cost.memory,
    };
    rows.push(row);
    console.log(JSON.stringify(row));
    await writeFile('results/robustness/table.json', JSON.stringify({ config: base, rows }, null, 2) + '\n');
  }
}
