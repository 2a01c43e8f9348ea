import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { datasetFromIdx } from './idx-dataset.js';
import { encodeIdx, parseIdx, type IdxArray } from './idx.js';
import { normalizeUint8 } from './normalize.js';

const code = (c: string) => expect.objectContaining({ code: c }) as unknown;

const arbIdx: fc.Arbitrary<IdxArray> = fc
  .array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 3 })
  .chain((shape) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const ints = (min: number, max: number) => fc.array(fc.integer({ min, max }), { minLength: n, maxLength: n });
    return fc.oneof(
      ints(0, 255).map((v): IdxArray => ({ dtype: 'uint8', shape, data: Uint8Array.from(v) })),
      ints(-128, 127).map((v): IdxArray => ({ dtype: 'int8', shape, data: Int8Array.from(v) })),
      ints(-32768, 32767).map((v): IdxArray => ({ dtype: 'int16', shape, data: Int16Array.from(v) })),
      ints(-(2 ** 31), 2 ** 31 - 1).map((v): IdxArray => ({ dtype: 'int32', shape, data: Int32Array.from(v) })),
      fc
        .array(fc.float({ noNaN: true }), { minLength: n, maxLength: n })
        .map((v): IdxArray => ({ dtype: 'float32', shape, data: Float32Array.from(v) })),
      fc
        .array(fc.double({ noNaN: true }), { minLength: n, maxLength: n })
        .map((v): IdxArray => ({ dtype: 'float64', shape, data: Float64Array.from(v) })),
    );
  });

/** A hand-written MNIST-style label file: magic 0x00000801, 3 items. */
const LABELS_3 = Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1]);

describe('parseIdx', () => {
  it('reads a hand-written big-endian file', () => {
    const int16 = Uint8Array.from([0, 0, 0x0b, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0x01, 0x02, 0xff, 0xfe]);
    expect(parseIdx(int16)).toEqual({ dtype: 'int16', shape: [1, 2], data: Int16Array.from([258, -2]) });
    const labels = parseIdx(LABELS_3);
    expect(labels.dtype).toBe('uint8');
    expect([...labels.data]).toEqual([7, 2, 1]);
  });

  it('round-trips through encodeIdx for every dtype', () => {
    fc.assert(
      fc.property(arbIdx, (array) => {
        const parsed = parseIdx(encodeIdx(array));
        expect(parsed.dtype).toBe(array.dtype);
        expect(parsed.shape).toEqual(array.shape);
        expect([...parsed.data]).toEqual([...array.data]);
      }),
    );
  });

  it('returns uint8 data as a view of the input', () => {
    const labels = parseIdx(LABELS_3);
    expect(labels.data.buffer).toBe(LABELS_3.buffer);
  });

  it('rejects gzip, short, long and unknown files with stable codes', () => {
    expect(() => parseIdx(Uint8Array.from([0x1f, 0x8b, 8, 0]))).toThrow(code('BAD_MAGIC'));
    expect(() => parseIdx(Uint8Array.from([0, 0]))).toThrow(code('BAD_MAGIC'));
    expect(() => parseIdx(Uint8Array.from([0, 0, 0x0a, 1, 0, 0, 0, 0]))).toThrow(code('UNSUPPORTED'));
    expect(() => parseIdx(Uint8Array.from([0, 0, 8, 0]))).toThrow(code('UNSUPPORTED'));
    expect(() => parseIdx(Uint8Array.from([0, 0, 8, 2, 0, 0, 0]))).toThrow(code('TRUNCATED_PAYLOAD'));
    expect(() => parseIdx(LABELS_3.subarray(0, 10))).toThrow(code('TRUNCATED_PAYLOAD'));
    expect(() => parseIdx(Uint8Array.from([...LABELS_3, 9]))).toThrow(code('CORRUPT_PAYLOAD'));
  });

  it('encodeIdx rejects inconsistent arrays', () => {
    expect(() => encodeIdx({ dtype: 'uint8', shape: [3], data: new Uint8Array(2) })).toThrow(
      code('SHAPE_MISMATCH'),
    );
    expect(() => encodeIdx({ dtype: 'uint8', shape: [], data: new Uint8Array(1) })).toThrow(
      code('INVALID_ARGUMENT'),
    );
  });
});

describe('normalizeUint8', () => {
  it('maps 0..255 to [0, 1] exactly at the ends', () => {
    const out = normalizeUint8(Uint8Array.from([0, 51, 255]));
    expect(out[0]).toBe(0);
    expect(out[1]).toBeCloseTo(0.2, 7);
    expect(out[2]).toBe(1);
    expect(() => normalizeUint8(new Uint8Array(2), new Float32Array(3))).toThrow(code('SHAPE_MISMATCH'));
  });
});

describe('datasetFromIdx', () => {
  const images = encodeIdx({ dtype: 'uint8', shape: [3, 2, 2], data: Uint8Array.from({ length: 12 }, (_, i) => i * 20) });

  it('builds a normalized dataset and honours limit', () => {
    const d = datasetFromIdx({ images, labels: LABELS_3, numClasses: 10 });
    expect(d).toMatchObject({ size: 3, featureShape: [2, 2], numClasses: 10 });
    expect(d.features[11]).toBeCloseTo(220 / 255, 6);
    expect([...d.labels]).toEqual([7, 2, 1]);
    const limited = datasetFromIdx({ images, labels: LABELS_3, limit: 2 });
    expect(limited.size).toBe(2);
    expect(limited.numClasses).toBe(8);
    expect(limited.features.length).toBe(8);
  });

  it('rejects mismatched files', () => {
    const twoLabels = encodeIdx({ dtype: 'uint8', shape: [2], data: Uint8Array.from([1, 2]) });
    expect(() => datasetFromIdx({ images, labels: twoLabels })).toThrow(code('SHAPE_MISMATCH'));
    const intLabels = encodeIdx({ dtype: 'int32', shape: [3], data: Int32Array.from([1, 2, 3]) });
    expect(() => datasetFromIdx({ images, labels: intLabels })).toThrow(code('DTYPE_MISMATCH'));
    expect(() => datasetFromIdx({ images, labels: LABELS_3, numClasses: 5 })).toThrow(code('INVALID_ARGUMENT'));
    expect(() => datasetFromIdx({ images, labels: LABELS_3, limit: -1 })).toThrow(code('INVALID_ARGUMENT'));
  });
});
