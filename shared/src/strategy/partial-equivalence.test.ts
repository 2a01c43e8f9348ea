/**
 * Hierarchical aggregation equivalence (issue #16): client updates split across three "nodes"
 * as PartialAggregates, encoded and decoded as they travel, merged in different orders and
 * finalized into `aggregateMean`, give the same global model as the single-node path
 * (`aggregateFit` over the same results in the same round), for every strategy with a mean
 * entry and for DP-FedAvg with a fixed seed, over two rounds (server state included).
 *
 * Tolerance: |cluster - single| <= 1e-6 x max(1, |single|) per parameter. The two paths add
 * the same float64 products; they differ only in the order of the float64 additions (merge
 * order: relative ~1e-16) and in that `aggregateMean` takes the mean rounded once to float32
 * (relative 2^-24 ~ 6e-8 of the delta) where `aggregateFit` steps on the float64 mean. The
 * adaptive optimizers divide by sqrt(v) + tau with v built from the same delta, which keeps
 * the relative error of that size; 1e-6 leaves a 10x margin, and is far below any update.
 */
import { describe, expect, it } from 'vitest';
import { PartialAggregate } from '../aggregation/partial-aggregate.js';
import { decodePartialAggregate, encodePartialAggregate } from '../aggregation/partial-codec.js';
import { createPrng } from '../data/prng.js';
import type { TensorMap } from '../tensor/tensor.js';
import { createStrategy } from './create-strategy.js';
import type { StrategyConfigInput } from './config.js';
import type { FitResult, Strategy } from './types.js';

const SHAPES: [string, number[]][] = [
  ['dense/w', [6, 4]],
  ['dense/b', [4]],
  ['out/w', [4, 3]],
];

function model(seed: number, scale: number): TensorMap {
  const rng = createPrng(seed);
  return new Map(
    SHAPES.map(([name, shape]) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const data = Float32Array.from({ length: n }, () => (rng.nextFloat() * 2 - 1) * scale);
      return [name, { dtype: 'float32' as const, shape, data }];
    }),
  );
}

function results(round: number): FitResult[] {
  const rng = createPrng(1000 + round);
  return Array.from({ length: 15 }, (_, i) => ({
    clientId: `client-${String(i).padStart(2, '0')}`,
    exampleCount: 1 + rng.nextInt(500),
    update: model(round * 100 + i, 0.3),
  }));
}

/** Nodes hold clients 0,3,6.. / 1,4,7.. / 2,5,8..; each partial travels as bytes. */
function nodePartials(rs: readonly FitResult[], round: number, clipNorm?: number): PartialAggregate[] {
  const nodes = [0, 1, 2].map((_) => new PartialAggregate(rs[0]?.update ?? new Map(), { round, clipNorm }));
  rs.forEach((r, i) => nodes[i % 3]?.add(r.clientId, r.update, r.exampleCount));
  return nodes.map((n) => decodePartialAggregate(encodePartialAggregate(n)));
}

const flat = (m: TensorMap): number[] => [...m.values()].flatMap((t) => [...(t.data as Float32Array)]);

async function run(config: StrategyConfigInput, order: number[] | 'single'): Promise<number[]> {
  const s: Strategy = createStrategy(config);
  let global = model(7, 1);
  for (const round of [1, 2]) {
    const rs = results(round);
    if (order === 'single') {
      global = (await s.aggregateFit({ round, global, results: rs, failures: [] })).parameters;
      continue;
    }
    const clipNorm = config.privacy?.clipNorm;
    const parts = nodePartials(rs, round, clipNorm);
    const merged = PartialAggregate.mergeAll(order.map((i) => parts[i] as PartialAggregate));
    const out = await s.aggregateMean?.(merged.toMeanInput({ global }));
    if (out === undefined) throw new Error(`${s.name} has no aggregateMean`);
    expect(out.accepted).toBe(15);
    global = out.parameters;
  }
  return flat(global);
}

const CONFIGS: [string, StrategyConfigInput][] = [
  ['fedavg', { name: 'fedavg' }],
  ['fedavgm', { name: 'fedavgm', serverMomentum: 0.9 }],
  ['fedprox', { name: 'fedprox', proximalMu: 0.1 }],
  ['fedadam', { name: 'fedadam' }],
  ['fedyogi', { name: 'fedyogi' }],
  ['fedadagrad', { name: 'fedadagrad' }],
  ['dp-fedavg', { name: 'fedavg', privacy: { clipNorm: 0.8, noiseMultiplier: 0.3, seed: 11 } }],
];

describe('partial aggregates across 3 nodes == one node', () => {
  for (const [label, config] of CONFIGS) {
    it(`${label}: same global model after 2 rounds, whatever the merge order`, async () => {
      const single = await run(config, 'single');
      let worst = 0;
      for (const order of [
        [0, 1, 2],
        [2, 0, 1],
        [1, 2, 0],
      ]) {
        const cluster = await run(config, order);
        expect(cluster.length).toBe(single.length);
        cluster.forEach((x, i) => {
          const y = single[i] as number;
          worst = Math.max(worst, Math.abs(x - y) / Math.max(1, Math.abs(y)));
        });
      }
      expect(worst).toBeLessThanOrEqual(1e-6);
      // the rounds moved the model: a broken partial would not pass by accident
      const start = flat(model(7, 1));
      expect(single.some((x, i) => Math.abs(x - (start[i] as number)) > 1e-3)).toBe(true);
    });
  }

  it('DP: the clipped partials hold the same sum as the server-side clipping of DP-FedAvg', () => {
    const rs = results(1);
    const parts = nodePartials(rs, 1, 0.8);
    const merged = PartialAggregate.mergeAll(parts);
    expect(merged.totalWeight).toBe(15); // weight 1 each under DP
    expect(merged.totalExamples).toBe(rs.reduce((n, r) => n + r.exampleCount, 0));
    const sum = merged.sumCopy();
    let sq = 0;
    for (const x of sum) sq += x * x;
    expect(Math.sqrt(sq)).toBeLessThanOrEqual(15 * 0.8 + 1e-9);
  });
});
