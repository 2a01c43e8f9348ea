import { createDataset, type ModelSpec, type TensorMap } from '@edgefed/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDataSource } from '../data/in-memory-data-source.js';
import type { TrainingBackend } from './backend.js';
import { labelLayout } from './label-layout.js';
import { createNodeBackend } from './node-backend.js';
import { createTrainer } from './trainer.js';
import type { FitProgress, TrainerCompileOptions } from './trainer-types.js';

const code = (c: string) => expect.objectContaining({ code: c }) as unknown;
const T = 3;
const V = 5;
/** Embedding -> dense: per-position logits [T, V] for [T] token ids. */
const SEQ: ModelSpec = {
  input: { shape: [T] },
  layers: [
    { type: 'embedding', vocabSize: V, dim: 8 },
    { type: 'dense', units: V },
  ],
};
const MSE: TrainerCompileOptions = { loss: 'mse', optimizer: { type: 'sgd' } };

/** Windows over the cycle 0..V-1 (target = input + 1 mod V); the last window ends in padding. */
function cycleData(windows: number) {
  const features = new Float32Array(windows * T);
  const labels = new Int32Array(windows * T);
  for (let i = 0; i < windows * T; i++) {
    features[i] = i % V;
    labels[i] = (i + 1) % V;
  }
  labels[windows * T - 1] = -1;
  return createDataset({ features, labels, featureShape: [T], labelShape: [T], numClasses: V });
}

function zeros(t: Awaited<ReturnType<typeof createTrainer>>): TensorMap {
  return new Map(
    [...t.parameterShapes].map(([k, shape]) => [
      k,
      {
        dtype: 'float32' as const,
        shape: [...shape],
        data: new Float32Array(shape.reduce((a, b) => a * b, 1)),
      },
    ]),
  );
}

describe('labelLayout', () => {
  const data = (labelShape: number[], numClasses: number, featureSize = 3) => ({
    featureSize,
    labelShape,
    labelSize: labelShape.reduce((a, b) => a * b, 1),
    numClasses,
  });

  it('gives one row per example for classifiers and one per position for sequences', () => {
    expect(labelLayout({ inputShape: [3], outputShape: [10] }, data([], 10))).toEqual({
      rows: 1,
      classes: 10,
    });
    expect(labelLayout({ inputShape: [3], outputShape: [3, 5] }, data([3], 5))).toEqual({
      rows: 3,
      classes: 5,
    });
  });

  it('rejects data that does not fit the model', () => {
    expect(() => labelLayout({ inputShape: [3], outputShape: [3, 5] }, data([], 5))).toThrow(
      code('SHAPE_MISMATCH'),
    );
    expect(() => labelLayout({ inputShape: [3], outputShape: [5, 3] }, data([3], 5))).toThrow(
      code('SHAPE_MISMATCH'),
    );
    expect(() => labelLayout({ inputShape: [4], outputShape: [3, 5] }, data([3], 5))).toThrow(
      code('SHAPE_MISMATCH'),
    );
  });
});

describe('Trainer with per-position labels', () => {
  let backend: TrainingBackend;
  beforeAll(async () => {
    backend = await createNodeBackend({ intraOpNumThreads: 1 });
  });

  it('feeds [B, T, V] one-hot labels with ignored positions as all-zero rows', async () => {
    const t = await createTrainer({ spec: SEQ, backend, compileOptions: MSE });
    t.setParameters(zeros(t));
    // Zero parameters -> zero outputs, so each example's mse is (labelled positions) / (T * V).
    const r = await t.evaluate(createDataSource(cycleData(2)), { batchSize: 4 });
    expect(r.exampleCount).toBe(2);
    expect(r.loss).toBeCloseTo((3 / 15 + 2 / 15) / 2, 6);
    t.dispose();
  });

  it('trains (mse falls) and rejects a model whose output does not match the labels', async () => {
    const t = await createTrainer({ spec: SEQ, backend, compileOptions: MSE, initSeed: 1 });
    const data = createDataSource(cycleData(40));
    const before = (await t.evaluate(data)).loss;
    const events: FitProgress[] = [];
    for await (const e of t.fit(data, { epochs: 20, batchSize: 8, learningRate: 0.5, seed: 2 }))
      events.push(e);
    const after = (await t.evaluate(data)).loss;
    expect(after).toBeLessThan(before * 0.7);
    const wrong = await createTrainer({
      spec: {
        ...SEQ,
        layers: [SEQ.layers[0], { type: 'flatten' }, { type: 'dense', units: V }],
      },
      backend,
      compileOptions: MSE,
    });
    await expect(wrong.evaluate(data)).rejects.toThrow(code('SHAPE_MISMATCH'));
    t.dispose();
    wrong.dispose();
  });
});

describe('Trainer with the sequence softmax cross-entropy', () => {
  it('reports token accuracy over non-ignored tokens, perplexity and host top-k', async () => {
    const backend = await createNodeBackend({ intraOpNumThreads: 1 });
    const t = await createTrainer({
      spec: SEQ,
      backend,
      compileOptions: { loss: 'softmax-cross-entropy', optimizer: { type: 'adam' } },
      initSeed: 4,
    });
    const data = createDataSource(cycleData(30));
    const before = await t.evaluate(data, { topK: 3 });
    expect(before.tokenCount).toBe(30 * T - 1);
    expect(before.perplexity).toBeGreaterThan(2);
    expect(before.topKAccuracy).toBeGreaterThanOrEqual(before.accuracy);
    const events: FitProgress[] = [];
    for await (const e of t.fit(data, { epochs: 30, batchSize: 10, learningRate: 0.05, seed: 1 }))
      events.push(e);
    expect(events.filter((e) => e.type === 'epoch')).toHaveLength(30);
    const after = await t.evaluate(data, { topK: 1, batchSize: 7 });
    // The next token is a function of the current one: learnable exactly.
    expect(after.accuracy).toBe(1);
    expect(after.topKAccuracy).toBe(1);
    expect(after.perplexity).toBeLessThan(1.5);
    await expect(t.evaluate(data, { topK: 0 })).rejects.toThrow(code('INVALID_ARGUMENT'));
    t.dispose();
  });
});
