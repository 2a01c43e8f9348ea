import { describe, expect, it } from 'vitest';
import { isEdgefedError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  addGaussianNoise,
  secureNormalSource,
  seededNormalSource,
  type NormalSource,
} from './gaussian-noise.js';

/** Mean, standard deviation, fraction within one std and excess kurtosis of `xs`. */
function moments(xs: ArrayLike<number>): { mean: number; std: number; within1: number; kurtosis: number } {
  const n = xs.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += xs[i]!;
  const mean = s / n;
  let m2 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = xs[i]! - mean;
    m2 += d * d;
    m4 += d * d * d * d;
  }
  const variance = m2 / n;
  const std = Math.sqrt(variance);
  let within = 0;
  for (let i = 0; i < n; i++) if (Math.abs(xs[i]! - mean) <= std) within++;
  return { mean, std, within1: within / n, kurtosis: m4 / n / (variance * variance) - 3 };
}

const draw = (src: NormalSource, n: number): Float64Array =>
  Float64Array.from({ length: n }, () => src.normal());

function expectStandardNormal(xs: Float64Array): void {
  const m = moments(xs);
  const n = xs.length;
  expect(Math.abs(m.mean)).toBeLessThan(5 / Math.sqrt(n));
  expect(Math.abs(m.std - 1)).toBeLessThan(5 * Math.sqrt(0.5 / n));
  expect(Math.abs(m.within1 - 0.682689)).toBeLessThan(0.01);
  expect(Math.abs(m.kurtosis)).toBeLessThan(0.1);
}

const f32 = (values: number[]): Tensor => ({
  dtype: 'float32',
  shape: [values.length],
  data: Float32Array.from(values),
});

describe('normal sources', () => {
  it('seeded: deterministic per (seed, stream), unrelated across streams and seeds', () => {
    const a = draw(seededNormalSource(7, 3), 1000);
    expect(draw(seededNormalSource(7, 3), 1000)).toEqual(a);
    expect(draw(seededNormalSource(7, 4), 1000)).not.toEqual(a);
    expect(draw(seededNormalSource(8, 3), 1000)).not.toEqual(a);
    expectStandardNormal(draw(seededNormalSource(11, 1), 200_000));
  });

  it('secure: standard normal statistics, and two sources differ', () => {
    const xs = draw(secureNormalSource(), 200_000);
    expectStandardNormal(xs);
    expect(draw(secureNormalSource(), 64)).not.toEqual(draw(secureNormalSource(), 64));
  });

  it('refuses seeds and streams out of range', () => {
    for (const [seed, stream] of [
      [-1, 0],
      [2 ** 32, 0],
      [1.5, 0],
      [1, -1],
      [1, 0.5],
    ] as const) {
      try {
        seededNormalSource(seed, stream);
        expect.unreachable(`seed ${seed}, stream ${stream} accepted`);
      } catch (e) {
        expect(isEdgefedError(e, 'INVALID_ARGUMENT')).toBe(true);
      }
    }
  });
});

describe('addGaussianNoise', () => {
  it('adds N(0, std^2) element-wise (seeded statistics) without touching the input', () => {
    const base = Float32Array.from({ length: 100_000 }, (_, i) => (i % 7) - 3);
    const map = new Map([
      ['w', { dtype: 'float32' as const, shape: [250, 400], data: base }],
      ['b', f32([0.5, -0.5])],
    ]);
    const out = addGaussianNoise(map, 0.3, seededNormalSource(5, 1));
    expect([...out.keys()]).toEqual(['w', 'b']);
    expect(out.get('w')!.shape).toEqual([250, 400]);
    const noise = Float64Array.from(out.get('w')!.data, (x, i) => (x - base[i]!) / 0.3);
    expectStandardNormal(noise);
    expect(base[1]).toBe(-2);
    // The same seed and stream give the same noise; tensor order then element order.
    const again = addGaussianNoise(map, 0.3, seededNormalSource(5, 1));
    expect(again.get('b')!.data).toEqual(out.get('b')!.data);
    const src = seededNormalSource(5, 1);
    const first = Math.fround(base[0]! + 0.3 * src.normal());
    expect(out.get('w')!.data[0]).toBe(first);
  });

  it('std 0 copies exactly and draws nothing; bad std and dtypes are refused', () => {
    let draws = 0;
    const counting: NormalSource = {
      normal: () => {
        draws++;
        return 1;
      },
    };
    const map = new Map([['a', f32([1, 2, 3])]]);
    const out = addGaussianNoise(map, 0, counting);
    expect(out.get('a')!.data).toEqual(map.get('a')!.data);
    expect(out.get('a')!.data).not.toBe(map.get('a')!.data);
    expect(draws).toBe(0);
    expect(addGaussianNoise(new Map(), 1, counting).size).toBe(0);
    for (const std of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => addGaussianNoise(map, std, counting)).toThrow(/std/);
    }
    const half = new Map<string, Tensor>([['h', { dtype: 'float16', shape: [1], data: new Uint16Array(1) }]]);
    try {
      addGaussianNoise(half, 1, counting);
      expect.unreachable();
    } catch (e) {
      expect(isEdgefedError(e, 'DTYPE_MISMATCH')).toBe(true);
    }
    expect(draws).toBe(0);
  });
});
