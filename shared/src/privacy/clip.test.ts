import { describe, expect, it } from 'vitest';
import { createPrng } from '../data/prng.js';
import { isEdgefedError } from '../errors.js';
import type { Tensor, TensorMap } from '../tensor/tensor.js';
import { clipByGlobalNorm, globalL2Norm } from './clip.js';
import { clipUpdateForTask } from './task-clipping.js';

const f32 = (shape: number[], values: number[]): Tensor => ({
  dtype: 'float32',
  shape,
  data: Float32Array.from(values),
});

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    return isEdgefedError(e) ? e.code : `not an EdgefedError: ${String(e)}`;
  }
  return 'nothing thrown';
};

describe('globalL2Norm', () => {
  it('takes the norm over all tensors together', () => {
    const map = new Map([
      ['a', f32([2], [3, 0])],
      ['b', f32([1, 1], [4])],
    ]);
    expect(globalL2Norm(map)).toBe(5);
    expect(globalL2Norm(new Map())).toBe(0);
    expect(globalL2Norm(new Map([['e', f32([0], [])]]))).toBe(0);
  });

  it('accumulates in Float64 (a float32 sum of 1e6 squares would drift)', () => {
    const x = Math.fround(0.1);
    const map = new Map([
      ['w', { dtype: 'float32' as const, shape: [1_000_000], data: new Float32Array(1_000_000).fill(x) }],
    ]);
    const exact = 1000 * x;
    expect(Math.abs(globalL2Norm(map) - exact) / exact).toBeLessThan(1e-10);
    let f32sum = 0;
    for (let i = 0; i < 1_000_000; i++) f32sum = Math.fround(f32sum + Math.fround(x * x));
    expect(Math.abs(Math.sqrt(f32sum) - exact) / exact).toBeGreaterThan(1e-6);
  });

  it('refuses NaN/Infinity and non-float32 tensors', () => {
    expect(codeOf(() => globalL2Norm(new Map([['a', f32([2], [1, Number.NaN])]])))).toBe('NON_FINITE');
    expect(codeOf(() => globalL2Norm(new Map([['a', f32([1], [Number.POSITIVE_INFINITY])]])))).toBe(
      'NON_FINITE',
    );
    const half: Tensor = { dtype: 'float16', shape: [1], data: new Uint16Array(1) };
    expect(codeOf(() => globalL2Norm(new Map([['h', half]])))).toBe('DTYPE_MISMATCH');
  });
});

describe('clipByGlobalNorm', () => {
  it('scales a 3-4-5 update to the bound and leaves the input untouched', () => {
    const input = new Map([
      ['a', f32([1], [3])],
      ['b', f32([1], [-4])],
    ]);
    const r = clipByGlobalNorm(input, 1);
    expect(r.norm).toBe(5);
    // float32(0.6) and float32(0.8) have a norm just above 1, so the scale shrinks by an ulp or so.
    expect(Math.hypot(Math.fround(0.6), Math.fround(0.8))).toBeGreaterThan(1);
    expect(r.scale).toBeLessThan(0.2);
    expect(r.scale).toBeGreaterThan(0.2 * (1 - 1e-6));
    expect(globalL2Norm(r.update)).toBeLessThanOrEqual(1);
    expect(r.update.get('a')!.data[0]).toBeCloseTo(0.6, 6);
    expect(r.update.get('b')!.data[0]).toBeCloseTo(-0.8, 6);
    expect(clipByGlobalNorm(new Map([['c', f32([2], [6, 8])]]), 5).update.get('c')!.data).toEqual(
      Float32Array.from([3, 4]),
    );
    expect([...r.update.keys()]).toEqual(['a', 'b']);
    expect(r.update.get('b')!.shape).toEqual([1]);
    expect([...input.get('a')!.data]).toEqual([3]);
  });

  it('returns the input itself when the norm is within the bound (equal included)', () => {
    const input = new Map([['a', f32([2], [3, 4])]]);
    for (const max of [5, 6, 1e9]) {
      const r = clipByGlobalNorm(input, max);
      expect(r.update).toBe(input);
      expect(r.scale).toBe(1);
    }
    const zero = new Map([['z', f32([3], [0, 0, 0])]]);
    expect(clipByGlobalNorm(zero, 1)).toEqual({ update: zero, norm: 0, scale: 1 });
    expect(clipByGlobalNorm(new Map(), 1).norm).toBe(0);
  });

  it('never exceeds maxNorm after float32 rounding (2,000 seeded updates)', () => {
    const rng = createPrng(42);
    let clipped = 0;
    for (let k = 0; k < 2000; k++) {
      const n = 1 + rng.nextInt(300);
      const data = Float32Array.from({ length: n }, () => rng.normal() * 10 ** (rng.nextInt(7) - 3));
      const map: TensorMap = new Map([
        ['x', { dtype: 'float32', shape: [n], data }],
        ['y', f32([2], [rng.normal(), rng.normal()])],
      ]);
      const max = Math.fround(0.001 + rng.nextFloat() * 5);
      const r = clipByGlobalNorm(map, max);
      expect(globalL2Norm(r.update)).toBeLessThanOrEqual(max);
      if (r.scale < 1) {
        clipped++;
        // Clipping keeps the direction and lands on the bound (up to float32 rounding).
        expect(globalL2Norm(r.update)).toBeGreaterThan(max * (1 - 1e-5));
        expect(r.update.get('x')!.data[0]).toBeCloseTo(data[0]! * r.scale, 5);
      }
    }
    expect(clipped).toBeGreaterThan(500);
  });

  it('refuses a bad maxNorm and bad updates with stable codes', () => {
    const ok = new Map([['a', f32([1], [1])]]);
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(codeOf(() => clipByGlobalNorm(ok, bad))).toBe('INVALID_ARGUMENT');
    }
    expect(codeOf(() => clipByGlobalNorm(new Map([['a', f32([1], [Number.NaN])]]), 1))).toBe('NON_FINITE');
    const q: Tensor = { dtype: 'int8', shape: [1], data: new Int8Array(1), scale: 1 };
    expect(codeOf(() => clipByGlobalNorm(new Map([['q', q]]), 1))).toBe('DTYPE_MISMATCH');
  });
});

describe('clipUpdateForTask', () => {
  const delta = new Map([['a', f32([2], [6, 8])]]);

  it('clips to the task clipNorm, and passes the delta through without one', () => {
    expect(globalL2Norm(clipUpdateForTask(delta, { clipNorm: 2, learningRate: 0.1 }))).toBeCloseTo(2, 6);
    expect(clipUpdateForTask(delta, { learningRate: 0.1 })).toBe(delta);
  });

  it('refuses a clipNorm that is not a positive number', () => {
    for (const clipNorm of ['1', 0, -2, true]) {
      expect(codeOf(() => clipUpdateForTask(delta, { clipNorm }))).toBe('INVALID_ARGUMENT');
    }
  });
});
