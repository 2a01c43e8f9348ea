import { describe, expect, it } from 'vitest';
import type { Dataset, TensorMap } from '@edgefed/shared';
import { attackParameters, chooseAttackers, flippedLabels, type AttackSpec } from './attack.js';

const t = (values: number[]): TensorMap =>
  new Map([['w', { dtype: 'float32' as const, shape: [values.length], data: Float32Array.from(values) }]]);
const spec = (kind: AttackSpec['kind']): AttackSpec => ({
  kind,
  attackers: [0],
  scale: 3,
  noiseStd: 2,
  claimedExamples: 1e9,
  seed: 1,
});
const values = (m: TensorMap) => [...(m.get('w')?.data ?? [])];

describe('simulated attacks', () => {
  it('chooses a seeded, sorted subset of round(fraction x clients)', () => {
    const a = chooseAttackers(50, 0.2, 4);
    expect(a).toHaveLength(10);
    expect(chooseAttackers(50, 0.2, 4)).toEqual(a);
    expect(chooseAttackers(50, 0.2, 5)).not.toEqual(a);
    expect([...a].sort((x, y) => x - y)).toEqual(a);
    expect(() => chooseAttackers(5, 1.5, 0)).toThrow(/fraction/);
  });

  it('sign-flip, scale and gaussian act on the delta; label-flip on labels', () => {
    const global = t([1, 1]);
    const trained = t([2, 0.5]);
    expect(values(attackParameters(spec('sign-flip'), trained, global, 0))).toEqual([-2, 2.5]);
    expect(values(attackParameters(spec('scale'), trained, global, 0))).toEqual([4, -0.5]);
    const noise = values(attackParameters(spec('gaussian'), trained, global, 9));
    expect(noise).toEqual(values(attackParameters(spec('gaussian'), trained, global, 9)));
    expect(noise).not.toEqual([1, 1]);
    expect(attackParameters(spec('example-count'), trained, global, 0)).toBe(trained);
    const ds = { labels: Uint8Array.from([0, 3, 9]), numClasses: 10 } as unknown as Dataset;
    expect([...flippedLabels(ds).labels]).toEqual([9, 6, 0]);
  });
});
