import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EdgefedError } from '../errors.js';
import { dequantizeInt8, fromFloat32, quantizeInt8, toFloat32 } from './convert.js';
import {
  float16ArrayToFloat32,
  float16BitsToFloat32,
  float32ArrayToFloat16,
  float32ToFloat16Bits,
} from './float16.js';

const f32 = (x: number): number => Math.fround(x);

describe('float16', () => {
  it('converts known values, with ties to even, overflow, subnormals and signed zero', () => {
    const cases: [number, number][] = [
      [1, 0x3c00],
      [-2, 0xc000],
      [0.5, 0x3800],
      [65504, 0x7bff],
      [65519, 0x7bff],
      [65520, 0x7c00],
      [1e10, 0x7c00],
      [Infinity, 0x7c00],
      [-Infinity, 0xfc00],
      [2 ** -14, 0x0400],
      [2 ** -24, 0x0001],
      [2 ** -25, 0x0000],
      [f32(2 ** -25 * 1.001), 0x0001],
      [3 * 2 ** -25, 0x0002],
      [1023 * 2 ** -24, 0x03ff],
      [f32(1023.5 * 2 ** -24), 0x0400],
      [1 + 2 ** -11, 0x3c00],
      [1 + 3 * 2 ** -11, 0x3c02],
      [0, 0x0000],
      [-0, 0x8000],
      [-1e-30, 0x8000],
    ];
    for (const [value, bits] of cases) expect([value, float32ToFloat16Bits(value)]).toEqual([value, bits]);
    const nan = float32ToFloat16Bits(NaN);
    expect(nan & 0x7c00).toBe(0x7c00);
    expect(nan & 0x3ff).not.toBe(0);
    expect(float16BitsToFloat32(nan)).toBeNaN();
  });

  it('round-trips every one of the 65,536 half values exactly', () => {
    const all = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const back = float32ArrayToFloat16(float16ArrayToFloat32(all));
    for (let h = 0; h < 65536; h++) {
      const isNaN = (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
      if (isNaN) expect(back[h]! & 0x7fff).toBeGreaterThan(0x7c00);
      else expect(back[h]).toBe(h);
    }
  });

  it('rounds every float32 in range to the nearest half', () => {
    fc.assert(
      fc.property(fc.float({ min: -65000, max: 65000, noNaN: true }), (x) => {
        const h = float32ToFloat16Bits(x);
        const v = float16BitsToFloat32(h);
        const err = Math.abs(x - v);
        // Neighbours one unit away in magnitude are never closer.
        for (const n of [h + 1, h - 1]) {
          if ((n & 0x7fff) >= 0x7c00 || (n & 0x8000) !== (h & 0x8000)) continue;
          expect(err).toBeLessThanOrEqual(Math.abs(x - float16BitsToFloat32(n)));
        }
      }),
      { seed: 11, numRuns: 2000 },
    );
  });
});

describe('int8 quantization', () => {
  it('maps max |x| to +-127 and keeps every error within scale / 2', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ min: -1e6, max: 1e6, noNaN: true }), { maxLength: 50 }), (values) => {
        const src = Float32Array.from(values);
        const { data, scale } = quantizeInt8(src);
        const back = dequantizeInt8(data, scale);
        const maxAbs = src.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
        expect(scale).toBe(maxAbs / 127);
        if (maxAbs > 0) expect(data.some((q) => Math.abs(q) === 127)).toBe(true);
        src.forEach((x, i) => {
          expect(Math.abs(x - back[i]!)).toBeLessThanOrEqual(scale / 2 + Math.abs(x) * 1e-6);
        });
      }),
      { seed: 12, numRuns: 300 },
    );
  });

  it('gives scale 0 for all zeros and rejects NaN / Infinity with NON_FINITE', () => {
    expect(quantizeInt8(new Float32Array(3))).toEqual({ data: new Int8Array(3), scale: 0 });
    expect(quantizeInt8(new Float32Array([-2.5, 1.25, 0])).data).toEqual(new Int8Array([-127, 64, 0]));
    for (const bad of [NaN, Infinity, -Infinity]) {
      expect(() => quantizeInt8(new Float32Array([1, bad]))).toThrow(
        expect.objectContaining({ code: 'NON_FINITE' }) as EdgefedError,
      );
    }
  });
});

describe('toFloat32 / fromFloat32', () => {
  it('converts between all dtypes and checks the tensor first', () => {
    const t = { dtype: 'float32', shape: [2, 2], data: new Float32Array([0.5, -1, 2, 0]) } as const;
    expect(toFloat32(t).data).toBe(t.data);
    const half = fromFloat32(t, 'float16');
    expect(half.dtype).toBe('float16');
    expect(toFloat32(half)).toEqual({ dtype: 'float32', shape: [2, 2], data: t.data });
    const q = fromFloat32(t, 'int8');
    expect(q.scale).toBe(2 / 127);
    expect(toFloat32(q).data[2]).toBeCloseTo(2, 6);
    expect(fromFloat32(t, 'float32').data).toBe(t.data);
    expect(() => toFloat32({ dtype: 'float16', shape: [3], data: new Uint16Array(2) })).toThrow(
      expect.objectContaining({ code: 'SHAPE_MISMATCH' }) as EdgefedError,
    );
  });
});
