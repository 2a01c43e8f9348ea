import { describe, expect, it } from 'vitest';
import { EdgefedError } from '../errors.js';
import { bulyanSelect } from '../aggregation/bulyan.js';
import { createStrategy } from './create-strategy.js';
import { fit, modelOf } from './conformance-fixtures.js';
import type { FitResult, Strategy } from './types.js';

const zero = modelOf(() => 0);
const honest = (k: number) => modelOf((i) => 0.01 * Math.sin(i + k));
const evil = modelOf(() => 100);

async function delta(s: Strategy, results: FitResult[], round = 1) {
  const out = await s.aggregateFit({ round, global: zero, results, failures: [] });
  return [...out.parameters.values()].flatMap((t) => [...(t.data as Float32Array)]);
}

function mixed(nHonest: number, nEvil: number): FitResult[] {
  return [
    ...Array.from({ length: nHonest }, (_, k) => fit(`h${k}`, honest(k), 10)),
    ...Array.from({ length: nEvil }, (_, k) => fit(`e${k}`, evil, 1_000_000)),
  ];
}

const maxAbs = (xs: number[]) => Math.max(...xs.map(Math.abs));

describe('robust aggregators against huge updates', () => {
  it('fedavg is ruined, the robust ones stay within the honest range', async () => {
    expect(maxAbs(await delta(createStrategy({ name: 'fedavg' }), mixed(5, 2)))).toBeGreaterThan(50);
    for (const config of [
      { name: 'multikrum', byzantineClients: 2 },
      { name: 'bulyan', byzantineClients: 1, minFitResults: 7, minFitClients: 7 },
      { name: 'centeredclipping', tau: 0.05 },
      { name: 'normbounded', normBound: 0.05 },
    ]) {
      const d = await delta(createStrategy(config), mixed(config.name === 'bulyan' ? 6 : 5, 1));
      expect(maxAbs(d), config.name).toBeLessThan(0.05);
    }
  });

  it('multikrum keeps n - f by default and drops the outliers', async () => {
    const s = createStrategy({ name: 'multikrum', byzantineClients: 2 });
    const d = await delta(s, mixed(5, 2));
    const expected = await delta(createStrategy({ name: 'fedavg' }), mixed(5, 0));
    d.forEach((x, i) => expect(x).toBeCloseTo(expected[i] ?? 0, 6));
  });

  it('bulyan needs minFitResults >= 4f + 3 (config error) and n >= 4f + 3', () => {
    let code = '';
    try {
      createStrategy({ name: 'bulyan', byzantineClients: 1, minFitResults: 6, minFitClients: 6 });
    } catch (e) {
      code = e instanceof EdgefedError ? e.code : '';
    }
    expect(code).toBe('INVALID_CONFIG');
    const u = [new Float32Array([1])];
    expect(() => bulyanSelect([u, u, u, u, u, u], 1)).toThrow(/needs >= 7/);
    const updates = [0, 0.1, 0.2, 0.3, 0.4, 50, -50].map((v) => [new Float32Array([v])]);
    // theta = 5: the five honest values; the two outliers are never picked
    expect(bulyanSelect(updates, 1).sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('centeredclipping moves at most tau per round from its center, and remembers the center', async () => {
    const s = createStrategy({ name: 'centeredclipping', tau: 0.5 });
    const far = modelOf(() => 10);
    const d1 = await delta(s, [fit('a', far)]);
    const norm = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + x * x, 0));
    expect(norm(d1)).toBeCloseTo(0.5, 5);
    expect(s.getState().tensors.size).toBe(3);
    // same update again: it starts from the previous aggregate, so it moves 0.5 further
    const d2 = await delta(s, [fit('a', far)], 2);
    expect(norm(d2)).toBeCloseTo(1, 5);
  });

  it('normbounded clips each update then takes the example-weighted mean', async () => {
    const s = createStrategy({ name: 'normbounded', normBound: 1 });
    const big = modelOf((i) => (i === 0 ? 3 : 0));
    const small = modelOf((i) => (i === 0 ? 0.5 : 0));
    const d = await delta(s, [fit('a', big, 1), fit('b', small, 3)]);
    expect(d[0]).toBeCloseTo((1 * 1 + 3 * 0.5) / 4, 6);
  });
});
