/**
 * The secure-aggregation entry `aggregateMean`: every averaging strategy steps on a given mean
 * exactly as `aggregateFit` steps on the mean of the same results (server state included),
 * robust strategies and q-FedAvg do not offer it, and a short, non-finite or below-quorum mean
 * is refused with the usual codes. Central DP adds its noise to the unmasked sum.
 */
import { describe, expect, it } from 'vitest';
import { isEdgefedError } from '../errors.js';
import { createStrategy } from './create-strategy.js';
import type { FitResult, Strategy } from './types.js';
import type { TensorMap } from '../tensor/tensor.js';

const tensor = (values: number[]): TensorMap =>
  new Map([['w', { dtype: 'float32' as const, shape: [values.length], data: Float32Array.from(values) }]]);

const global = tensor([1, 2, 3]);
const results: FitResult[] = [
  { clientId: 'a', exampleCount: 1, update: tensor([0.5, -1, 2]) },
  { clientId: 'b', exampleCount: 3, update: tensor([0.1, 0.2, -0.3]) },
];
/** (1 x a + 3 x b) / 4 */
const mean = Float32Array.from([(0.5 + 0.3) / 4, (-1 + 0.6) / 4, (2 - 0.9) / 4]);

const data = (m: TensorMap): Float32Array => m.get('w')?.data as Float32Array;

async function twoRounds(s: Strategy, viaMean: boolean): Promise<Float32Array> {
  let model = global;
  for (const round of [1, 2]) {
    const out = viaMean
      ? await s.aggregateMean?.({ round, global: model, mean, contributors: 2, totalWeight: 4, failures: [] })
      : await s.aggregateFit({ round, global: model, results, failures: [] });
    if (out === undefined) throw new Error('no aggregateMean');
    model = out.parameters;
  }
  return data(model);
}

describe('aggregateMean', () => {
  for (const name of ['fedavg', 'fedavgm', 'fedprox', 'fedadam', 'fedyogi', 'fedadagrad']) {
    it(`${name}: the same step as aggregateFit on the same results`, async () => {
      const config = name === 'fedprox' ? { name, proximalMu: 0.1 } : { name };
      const viaFit = await twoRounds(createStrategy(config), false);
      const viaMean = await twoRounds(createStrategy(config), true);
      for (let i = 0; i < viaFit.length; i++) expect(viaMean[i]).toBeCloseTo(viaFit[i] as number, 6);
    });
  }

  it('is absent on strategies that need individual updates', () => {
    for (const name of ['fedmedian', 'fedtrimmedavg', 'krum', 'multikrum', 'bulyan', 'qfedavg']) {
      expect('aggregateMean' in createStrategy({ name }), name).toBe(false);
    }
  });

  it('refuses a mean of the wrong size, a non-finite mean, and a mean below quorum', async () => {
    const s = createStrategy({ name: 'fedavg', minFitResults: 2 });
    const call = (m: Float32Array, contributors = 2) =>
      s.aggregateMean?.({ round: 1, global, mean: m, contributors, totalWeight: 2, failures: [] });
    await expect(call(new Float32Array(2))).rejects.toMatchObject({ code: 'SHAPE_MISMATCH' });
    await expect(call(Float32Array.from([0, NaN, 0]))).rejects.toMatchObject({ code: 'NON_FINITE' });
    const err = await call(mean, 1)?.catch((e: unknown) => e);
    expect(isEdgefedError(err, 'QUORUM_NOT_MET')).toBe(true);
  });

  it('central DP: noise on the unmasked sum, then the inner step; epsilon is charged', async () => {
    const privacy = { clipNorm: 1, noiseMultiplier: 0.5, seed: 7 };
    const s = createStrategy({ name: 'fedavg', privacy });
    const out = await s.aggregateMean?.({
      round: 1,
      global,
      mean,
      contributors: 2,
      totalWeight: 2,
      failures: [],
    });
    expect(out?.metrics.dpNoiseStd).toBeCloseTo(0.25, 9);
    expect(out?.metrics.epsilon).toBeGreaterThan(0);
    const delta = data(out?.parameters ?? global).map((x, i) => x - (data(global)[i] as number));
    expect(delta.some((d, i) => Math.abs(d - (mean[i] as number)) > 1e-6)).toBe(true);
  });
});
