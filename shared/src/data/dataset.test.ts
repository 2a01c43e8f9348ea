import { describe, expect, it } from 'vitest';
import {
  countClasses,
  createDataset,
  exampleFeatures,
  exampleLabels,
  IGNORE_LABEL,
  selectExamples,
  sliceDataset,
} from './dataset.js';

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

describe('per-position labels (labelShape)', () => {
  const seq = () =>
    createDataset({
      features: Float32Array.from({ length: 6 }, (_, i) => i),
      labels: Int32Array.from([1, 2, -1, 0, 2, 1]),
      featureShape: [3],
      labelShape: [3],
    });

  it('derives labelSize, size and numClasses, ignoring -1', () => {
    const d = seq();
    expect(d).toMatchObject({ size: 2, labelSize: 3, labelShape: [3], numClasses: 3 });
    expect([...exampleLabels(d, 1)]).toEqual([0, 2, 1]);
    expect(IGNORE_LABEL).toBe(-1);
  });

  it('defaults to one label per example and keeps rejecting -1 there', () => {
    expect(sample()).toMatchObject({ labelShape: [], labelSize: 1 });
    expect(() =>
      createDataset({ features: new Float32Array(2), labels: Int32Array.from([-1, 0]), featureShape: [1] }),
    ).toThrow(code('INVALID_ARGUMENT'));
  });

  it('rejects label counts that do not fit the shape', () => {
    const features = new Float32Array(6);
    expect(() =>
      createDataset({ features, labels: new Int32Array(5), featureShape: [3], labelShape: [3] }),
    ).toThrow(code('SHAPE_MISMATCH'));
    expect(() =>
      createDataset({ features, labels: new Int32Array(9), featureShape: [3], labelShape: [3] }),
    ).toThrow(code('SHAPE_MISMATCH'));
    expect(() =>
      createDataset({ features, labels: new Int32Array(6), featureShape: [3], labelShape: [0] }),
    ).toThrow(code('INVALID_ARGUMENT'));
    expect(() =>
      createDataset({ features, labels: Int32Array.from([0, 0, -2, 0, 0, 0]), featureShape: [3], labelShape: [3] }),
    ).toThrow(code('INVALID_ARGUMENT'));
  });

  it('slices and selects whole label rows', () => {
    const d = seq();
    const s = sliceDataset(d, 1, 2);
    expect([...s.labels]).toEqual([0, 2, 1]);
    expect(s.labels.buffer).toBe(d.labels.buffer);
    const sel = selectExamples(d, [1, 0]);
    expect([...sel.labels]).toEqual([0, 2, 1, 1, 2, -1]);
    expect([...sel.features]).toEqual([3, 4, 5, 0, 1, 2]);
  });
});
