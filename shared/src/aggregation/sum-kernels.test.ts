import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EdgefedError } from '../errors.js';
import type { TensorMap } from '../tensor/tensor.js';
import { createWasmWeightedSum } from './sum-kernels.js';
import { sleb, uleb } from './wasm-encoder.js';
import { WeightedMeanAccumulator } from './weighted-mean.js';

const tensorMap = (parts: readonly Float32Array[]): TensorMap =>
  new Map(parts.map((data, i) => [`t${String(i)}`, { dtype: 'float32', shape: [data.length], data }]));

describe('wasm encoder', () => {
  it('writes LEB128 numbers', () => {
    expect(uleb(0)).toEqual([0]);
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(sleb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
    expect(sleb(0x7f800000)).toEqual([0x80, 0x80, 0x80, 0xfc, 0x07]);
    expect(sleb(-1)).toEqual([0x7f]);
    expect(sleb(64)).toEqual([0xc0, 0x00]);
  });
});

describe('WebAssembly weighted sum', () => {
  it('loads on Node (WebAssembly SIMD is available there)', () => {
    expect(createWasmWeightedSum(10)).toBeDefined();
    expect(createWasmWeightedSum(0)).toBeUndefined();
  });

  it('gives the same bits as the scalar loop for any sizes, values and weights', () => {
    const update = (sizes: number[]) =>
      fc.tuple(
        ...sizes.map((n) =>
          fc.float32Array({ minLength: n, maxLength: n, noNaN: true, noDefaultInfinity: true }),
        ),
      );
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 23 }), { minLength: 1, maxLength: 4 }).chain((sizes) =>
          fc.array(fc.tuple(update(sizes), fc.double({ min: 1e-3, max: 1e3, noNaN: true })), {
            minLength: 1,
            maxLength: 5,
          }),
        ),
        (updates) => {
          const first = updates[0]?.[0] ?? [];
          const simd = new WeightedMeanAccumulator(tensorMap(first));
          const scalar = new WeightedMeanAccumulator(tensorMap(first), { simd: false });
          expect(simd.usesSimd).toBe(true);
          expect(scalar.usesSimd).toBe(false);
          for (const [parts, w] of updates) {
            simd.add(tensorMap(parts), w);
            scalar.add(tensorMap(parts), w);
          }
          expect(simd.finalizeFlat()).toEqual(scalar.finalizeFlat());
        },
      ),
      { seed: 42, numRuns: 60 },
    );
  });

  it('rejects NaN and +-Infinity at every position, naming the tensor and leaving the sum as it was', () => {
    for (const bad of [Number.NaN, Infinity, -Infinity]) {
      for (let pos = 0; pos < 11; pos++) {
        const acc = new WeightedMeanAccumulator(tensorMap([new Float32Array(4), new Float32Array(7)]));
        acc.add(tensorMap([Float32Array.of(1, 2, 3, 4), new Float32Array(7).fill(5)]), 2);
        const parts = [new Float32Array(4).fill(1), new Float32Array(7).fill(1)];
        const target = pos < 4 ? parts[0] : parts[1];
        if (target !== undefined) target[pos < 4 ? pos : pos - 4] = bad;
        let error: unknown;
        try {
          acc.add(tensorMap(parts), 1);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(EdgefedError);
        expect((error as EdgefedError).code).toBe('NON_FINITE');
        expect((error as EdgefedError).message).toContain(pos < 4 ? '"t0"' : '"t1"');
        expect(acc.count).toBe(1);
        expect([...acc.finalizeFlat()]).toEqual([1, 2, 3, 4, 5, 5, 5, 5, 5, 5, 5]);
      }
    }
  });

  it('accepts the largest finite floats and subnormals', () => {
    const acc = new WeightedMeanAccumulator(tensorMap([new Float32Array(3)]));
    const max = 3.4028234663852886e38;
    acc.add(tensorMap([Float32Array.of(max, -max, 1e-45)]), 1);
    expect([...acc.finalizeFlat()]).toEqual([max, -max, Math.fround(1e-45)]);
  });
});
