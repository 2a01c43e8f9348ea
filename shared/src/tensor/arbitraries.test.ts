/**
 * fast-check arbitraries for tensors and TensorMaps, shared by the codec, chunking and
 * compression property tests; the test below checks that they only produce valid maps.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Tensor, TensorMap } from './tensor.js';
import { assertValidTensor } from './validate.js';

const shapeArb = fc.array(fc.nat(6), { maxLength: 3 });

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Any valid tensor: float32 (including NaN, +-0, +-Infinity), float16 bits, int8 + scale. */
export const tensorArb: fc.Arbitrary<Tensor> = shapeArb.chain((shape) => {
  const n = size(shape);
  return fc.oneof(
    fc
      .float32Array({ minLength: n, maxLength: n })
      .map((data): Tensor => ({ dtype: 'float32', shape, data })),
    fc
      .array(fc.nat(0xffff), { minLength: n, maxLength: n })
      .map((v): Tensor => ({ dtype: 'float16', shape, data: Uint16Array.from(v) })),
    fc
      .tuple(
        fc.array(fc.integer({ min: -128, max: 127 }), { minLength: n, maxLength: n }),
        fc.double({ min: 0, max: 1e30, noNaN: true }),
      )
      .map(([v, scale]): Tensor => ({ dtype: 'int8', shape, data: Int8Array.from(v), scale })),
  );
});

/** Any TensorMap of up to `maxTensors` tensors with unique Unicode names (incl. ""). */
export function tensorMapArb(maxTensors = 6): fc.Arbitrary<TensorMap> {
  return fc
    .uniqueArray(fc.tuple(fc.string({ unit: 'grapheme', maxLength: 8 }), tensorArb), {
      maxLength: maxTensors,
      selector: ([name]) => name,
    })
    .map((entries) => new Map(entries));
}

/** Finite float32 maps (for arithmetic and compression). */
export function finiteFloat32MapArb(maxTensors = 5): fc.Arbitrary<Map<string, Tensor>> {
  const t = shapeArb.chain((shape) =>
    fc
      .array(fc.float({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }), {
        minLength: size(shape),
        maxLength: size(shape),
      })
      .map((v): Tensor => ({ dtype: 'float32', shape, data: Float32Array.from(v) })),
  );
  return fc
    .uniqueArray(fc.tuple(fc.string({ unit: 'grapheme', maxLength: 6 }), t), {
      maxLength: maxTensors,
      selector: ([name]) => name,
    })
    .map((entries) => new Map(entries));
}

/** Raw bytes of a typed array (for bit-exact comparisons, NaN payloads included). */
export function bytesOf(data: ArrayBufferView): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Asserts two maps are bit-identical: names, order, dtypes, shapes, scales and bytes. */
export function expectSameMap(actual: TensorMap, expected: TensorMap): void {
  expect([...actual.keys()]).toEqual([...expected.keys()]);
  for (const [name, e] of expected) {
    const a = actual.get(name);
    expect(a?.dtype).toBe(e.dtype);
    expect(a?.shape).toEqual([...e.shape]);
    expect(a?.scale).toBe(e.scale);
    expect(a === undefined ? undefined : bytesOf(a.data)).toEqual(bytesOf(e.data));
  }
}

describe('test arbitraries', () => {
  it('produce only valid tensors', () => {
    fc.assert(
      fc.property(tensorMapArb(), (map) => {
        for (const [name, t] of map) assertValidTensor(t, name);
      }),
      { seed: 7, numRuns: 100 },
    );
  });
});
