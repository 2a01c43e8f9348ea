/**
 * maxEncodedUpdateBytes: every real encoded update fits the bound (random maps, every
 * method, the worst top-k index spread), and dense bounds are tight to the last padding.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { finiteFloat32MapArb } from '../tensor/arbitraries.test.js';
import { encodeTensorMap } from '../tensor/codec-encode.js';
import type { TensorMap } from '../tensor/tensor.js';
import { compressUpdate } from './compress.js';
import type { CompressionSpec } from './compression-spec.js';
import { maxEncodedUpdateBytes } from './update-size.js';

const SPECS: CompressionSpec[] = [
  { method: 'none' },
  { method: 'fp16' },
  { method: 'int8' },
  { method: 'topk', fraction: 0.01 },
  { method: 'topk', fraction: 0.3 },
  { method: 'topk', fraction: 1 },
];

const shapesOf = (map: TensorMap): { name: string; shape: number[] }[] =>
  [...map].map(([name, t]) => ({ name, shape: [...t.shape] }));

const encodedSize = (map: TensorMap, spec: CompressionSpec): number =>
  encodeTensorMap(compressUpdate(map, spec)).byteLength;

describe('maxEncodedUpdateBytes', () => {
  it('bounds every encoded update, and dense ones to within the last 16-byte padding', () => {
    const small = finiteFloat32MapArb().map((m) => {
      for (const t of m.values()) (t.data as Float32Array).forEach((x, i, a) => (a[i] = x / 100));
      return m;
    });
    fc.assert(
      fc.property(small, (map) => {
        for (const spec of SPECS) {
          const bound = maxEncodedUpdateBytes(shapesOf(map), spec);
          const actual = encodedSize(map, spec);
          expect(actual).toBeLessThanOrEqual(bound);
          if (spec.method !== 'topk') expect(bound - actual).toBeLessThan(16);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('bounds top-k at its widest index coding (kept entries spread as far apart as possible)', () => {
    // 200,000 entries, the largest every 50,000th: gaps of 49,999 take 3 varint bytes each.
    const data = new Float32Array(200_000).fill(1e-3);
    for (let i = 0; i < data.length; i += 50_000) data[i] = 1;
    const map: TensorMap = new Map([['w', { dtype: 'float32', shape: [400, 500], data }]]);
    const spec: CompressionSpec = { method: 'topk', fraction: 4 / 200_000 };
    const bound = maxEncodedUpdateBytes(shapesOf(map), spec);
    const actual = encodedSize(map, spec);
    expect(actual).toBeLessThanOrEqual(bound);
    expect(bound - actual).toBeLessThan(64);
  });

  it('grows with the model and shrinks with the compression', () => {
    const model = [
      { name: 'dense/kernel', shape: [784, 200] },
      { name: 'dense/bias', shape: [200] },
    ];
    const none = maxEncodedUpdateBytes(model, { method: 'none' });
    expect(none).toBeGreaterThan(4 * 157_000);
    expect(none).toBeLessThan(4 * 157_000 + 1024);
    expect(maxEncodedUpdateBytes(model, { method: 'fp16' })).toBeLessThan(none / 2 + 1024);
    expect(maxEncodedUpdateBytes(model, { method: 'int8' })).toBeLessThan(none / 4 + 1024);
    expect(maxEncodedUpdateBytes(model, { method: 'topk', fraction: 0.01 })).toBeLessThan(none / 10);
    expect(maxEncodedUpdateBytes([], { method: 'none' })).toBeGreaterThan(32);
  });

  it('refuses a malformed compression spec with INVALID_ARGUMENT', () => {
    expect(() => maxEncodedUpdateBytes([], { method: 'topk', fraction: 2 })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }) as Error,
    );
  });
});
