import { describe, expect, it } from 'vitest';
import { countClasses, createDataset, exampleFeatures, selectExamples, sliceDataset } from './dataset.js';

const code = (c: string) => expect.objectContaining({ code: c }) as unknown;

const sample = () =>
  createDataset({
    features: Float32Array.from({ length: 12 }, (_, i) => i),
    labels: Uint8Array.from([2, 0, 1]),
    featureShape: [2, 2],
  });

describe('createDataset', () => {
  it('derives sizes and numClasses', () => {
    const d = sample();
    expect(d).toMatchObject({ size: 3, featureSize: 4, numClasses: 3, featureShape: [2, 2] });
  });

  it('rejects mismatched feature counts, bad shapes and out-of-range labels', () => {
    const labels = Uint8Array.from([0, 1]);
    expect(() => createDataset({ features: new Float32Array(7), labels, featureShape: [4] })).toThrow(
      code('SHAPE_MISMATCH'),
    );
    expect(() => createDataset({ features: new Float32Array(0), labels, featureShape: [0] })).toThrow(
      code('INVALID_ARGUMENT'),
    );
    expect(() => createDataset({ features: new Float32Array(2), labels, featureShape: [] })).toThrow(
      code('INVALID_ARGUMENT'),
    );
    expect(() =>
      createDataset({ features: new Float32Array(8), labels, featureShape: [4], numClasses: 1 }),
    ).toThrow(code('INVALID_ARGUMENT'));
    expect(() =>
      createDataset({ features: new Float32Array(4), labels: Int32Array.from([-1]), featureShape: [4] }),
    ).toThrow(code('INVALID_ARGUMENT'));
  });

  it('allows an empty dataset', () => {
    const d = createDataset({ features: new Float32Array(0), labels: new Uint8Array(0), featureShape: [3] });
    expect(d.size).toBe(0);
    expect(countClasses(d.labels)).toBe(1);
  });
});

describe('dataset views', () => {
  it('exampleFeatures returns a view of one example', () => {
    const d = sample();
    const x = exampleFeatures(d, 1);
    expect([...x]).toEqual([4, 5, 6, 7]);
    expect(x.buffer).toBe(d.features.buffer);
    expect(() => exampleFeatures(d, 3)).toThrow(code('INVALID_ARGUMENT'));
    expect(() => exampleFeatures(d, -1)).toThrow(code('INVALID_ARGUMENT'));
  });

  it('sliceDataset clamps the end and shares memory', () => {
    const d = sample();
    const s = sliceDataset(d, 1, 10);
    expect(s.size).toBe(2);
    expect([...s.labels]).toEqual([0, 1]);
    expect([...exampleFeatures(s, 0)]).toEqual([4, 5, 6, 7]);
    expect(sliceDataset(d, 5, 6).size).toBe(0);
    expect(() => sliceDataset(d, 2, 1)).toThrow(code('INVALID_ARGUMENT'));
  });

  it('selectExamples copies the chosen examples in order', () => {
    const d = sample();
    const s = selectExamples(d, [2, 0, 2]);
    expect(s.size).toBe(3);
    expect([...s.labels]).toEqual([1, 2, 1]);
    expect([...s.features.subarray(0, 4)]).toEqual([8, 9, 10, 11]);
    expect(s.features.buffer).not.toBe(d.features.buffer);
    expect(() => selectExamples(d, [3])).toThrow(code('INVALID_ARGUMENT'));
  });
});
