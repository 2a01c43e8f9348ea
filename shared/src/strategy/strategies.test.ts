import { describe, expect, it } from 'vitest';
import { createPrng } from '../data/prng.js';
import { EdgefedError } from '../errors.js';
import type { Tensor, TensorMap } from '../tensor/tensor.js';
import { createStrategy } from './create-strategy.js';
import { parseStrategyConfig } from './config.js';
import type { FitResult } from './types.js';

const vec = (values: number[]): TensorMap =>
  new Map<string, Tensor>([
    ['w', { dtype: 'float32', shape: [values.length], data: Float32Array.from(values) }],
  ]);
const res = (clientId: string, update: number[], exampleCount: number): FitResult => ({
  clientId,
  exampleCount,
  update: vec(update),
});
const w = (m: TensorMap): number[] => [...(m.get('w')?.data ?? [])];
const f = Math.fround;

async function aggregate(
  config: Record<string, unknown>,
  global: number[],
  rounds: FitResult[][],
): Promise<number[]> {
  const s = createStrategy(config);
  let x = vec(global);
  for (const [i, results] of rounds.entries()) {
    x = (await s.aggregateFit({ round: i + 1, global: x, results, failures: [] })).parameters;
  }
  return w(x);
}

describe('strategy numerics (hand-computed)', () => {
  it('FedAvg: global + example-weighted mean delta', async () => {
    // mean delta = (1*[1,2] + 3*[5,-2]) / 4 = [4, -1]
    expect(
      await aggregate({ name: 'fedavg' }, [10, 10], [[res('a', [1, 2], 1), res('b', [5, -2], 3)]]),
    ).toEqual([14, 9]);
  });

  it('FedAvgM: v = beta v + d, x = x + lr v over two rounds', async () => {
    const cfg = { name: 'fedavgm', serverLearningRate: 0.5, serverMomentum: 0.9 };
    // round 1: v = 2, x = 0 + 0.5*2 = 1; round 2: v = 0.9*2 + 1 = 2.8, x = 1 + 1.4 = 2.4
    expect(await aggregate(cfg, [0], [[res('a', [2], 1)], [res('a', [1], 1)]])).toEqual([f(2.4)]);
  });

  it('FedAdam: one step from zero moments', async () => {
    const cfg = { name: 'fedadam', serverLearningRate: 0.1, beta1: 0.9, beta2: 0.99, tau: 1e-3 };
    // d = 0.5: m = 0.05, v = 0.01 * 0.25 = 0.0025, x = 1 + 0.1 * 0.05 / (0.05 + 0.001)
    const m = f(0.1 * 0.5);
    const v = f(0.01 * 0.25);
    expect(await aggregate(cfg, [1], [[res('a', [0.5], 2)]])).toEqual([
      f(1 + (0.1 * m) / (Math.sqrt(v) + 1e-3)),
    ]);
    expect(f(1 + (0.1 * m) / (Math.sqrt(v) + 1e-3))).toBeCloseTo(1.098039, 5);
  });

  it('FedYogi and FedAdagrad: second moments after two rounds', async () => {
    const yogi = { name: 'fedyogi', serverLearningRate: 1, beta1: 0, beta2: 0.5, tau: 1 };
    // r1: d=2, v = 0 - 0.5*4*sign(0-4) = 2, x = 0 + 2/(sqrt2+1); r2: d=1, v = 2 - 0.5*1*sign(2-1) = 1.5
    const x1 = f(2 / (Math.sqrt(2) + 1));
    const x2 = f(x1 + 1 / (Math.sqrt(1.5) + 1));
    expect(await aggregate(yogi, [0], [[res('a', [2], 1)], [res('a', [1], 1)]])).toEqual([x2]);
    const adagrad = { name: 'fedadagrad', serverLearningRate: 1, tau: 1 };
    // beta1 = 0: m = d; v = 4 then 5
    const y1 = f(2 / (2 + 1));
    const y2 = f(y1 + 1 / (Math.sqrt(5) + 1));
    expect(await aggregate(adagrad, [0], [[res('a', [2], 1)], [res('a', [1], 1)]])).toEqual([y2]);
  });

  it('FedMedian and FedTrimmedAvg ignore example counts and outliers', async () => {
    const results = [
      res('a', [1, -100], 1),
      res('b', [2, 3], 1000),
      res('c', [3, 4], 1),
      res('d', [1000, 5], 1),
      res('e', [4, 6], 1),
    ];
    expect(await aggregate({ name: 'fedmedian' }, [0, 0], [results])).toEqual([3, 4]);
    // beta 0.2, k = 5: trim one each side -> mean(2,3,4) = 3, mean(3,4,5) = 4
    expect(await aggregate({ name: 'fedtrimmedavg', beta: 0.2, blockSize: 1 }, [0, 0], [results])).toEqual([
      3, 4,
    ]);
  });

  it('Krum / multi-Krum: lowest scores, then the example-weighted mean of the selected', async () => {
    const results = [res('a', [0], 1), res('b', [1], 3), res('c', [2], 1), res('d', [10], 100)];
    // f = 1: one nearest neighbour; scores [1, 1, 1, 64]; keep 2 -> a and b: (0*1 + 1*3) / 4
    expect(await aggregate({ name: 'krum', byzantineClients: 1, selected: 2 }, [0], [results])).toEqual([
      0.75,
    ]);
    expect(await aggregate({ name: 'krum', byzantineClients: 1 }, [5], [results])).toEqual([5]);
  });

  it('FedProx aggregates like FedAvg and sends proximalMu', async () => {
    const rounds = [[res('a', [1, 2], 1), res('b', [5, -2], 3)]];
    expect(await aggregate({ name: 'fedprox', proximalMu: 0.1 }, [10, 10], rounds)).toEqual([14, 9]);
    const s = createStrategy({
      name: 'fedprox',
      proximalMu: 0.1,
      fitHyperParameters: { learningRate: 0.05 },
    });
    const plan = s.configureFit({
      round: 1,
      availableClients: [{ id: 'a' }, { id: 'b' }],
      globalVersion: 'v1',
      rng: createPrng(1),
    });
    expect(plan.hyperParameters).toEqual({ learningRate: 0.05, proximalMu: 0.1 });
  });

  it('restoring state from another model layout fails at the next aggregation', async () => {
    const a = createStrategy({ name: 'fedadam' });
    await a.aggregateFit({ round: 1, global: vec([0, 0]), results: [res('a', [1, 1], 1)], failures: [] });
    const b = createStrategy({ name: 'fedadam' });
    b.restore(a.getState());
    await expect(
      b.aggregateFit({ round: 2, global: vec([0, 0, 0]), results: [res('a', [1, 1, 1], 1)], failures: [] }),
    ).rejects.toMatchObject({ code: 'SHAPE_MISMATCH' });
    expect([...a.getState().tensors.keys()]).toEqual(['m/w', 'v/w']);
  });
});

describe('parseStrategyConfig', () => {
  const codeOf = (input: unknown): string => {
    try {
      parseStrategyConfig(input);
      return 'none';
    } catch (e) {
      return e instanceof EdgefedError ? e.code : 'other';
    }
  };

  it('fills defaults', () => {
    const c = parseStrategyConfig({ name: 'fedadam' });
    expect(c).toMatchObject({ name: 'fedadam', serverLearningRate: 0.1, beta1: 0.9, beta2: 0.99, tau: 1e-9 });
    expect(c).toMatchObject({ fractionFit: 1, minFitClients: 2, minAvailableClients: 2, overSelection: 1 });
  });

  it('rejects bad configs with INVALID_CONFIG and the issue paths', () => {
    expect(codeOf({ name: 'fedsgd' })).toBe('INVALID_CONFIG');
    expect(codeOf({ name: 'fedprox' })).toBe('INVALID_CONFIG');
    expect(codeOf({ name: 'fedavg', fractionFit: 0 })).toBe('INVALID_CONFIG');
    expect(codeOf({ name: 'fedavg', minFitClients: 1.5 })).toBe('INVALID_CONFIG');
    expect(codeOf({ name: 'fedadam', beta1: 1 })).toBe('INVALID_CONFIG');
    expect(codeOf({ name: 'fedadam', tau: Number.POSITIVE_INFINITY })).toBe('INVALID_CONFIG');
    expect(codeOf({ name: 'fedtrimmedavg', beta: 0.5 })).toBe('INVALID_CONFIG');
    expect(codeOf({ name: 'fedavg', minFitResults: 3, minFitClients: 2 })).toBe('INVALID_CONFIG');
    expect(codeOf('fedavg')).toBe('INVALID_CONFIG');
    try {
      parseStrategyConfig({ name: 'fedadam', serverLearningrate: 0.1 });
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ code: 'INVALID_CONFIG' });
      expect(JSON.stringify((e as EdgefedError).details)).toContain('serverLearningrate');
    }
  });
});
