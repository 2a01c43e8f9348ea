/**
 * The steps-per-run cap: small graphs keep the requested K, large one-step graphs (unrolled
 * recurrences) are unrolled less or not at all, and a fit with a capped K trains exactly as
 * one with K = 1 (the unrolled steps are the same updates).
 */
import { describe, expect, it } from 'vitest';
import { compileModel, createDataset, charLstm, MODEL_PRESETS } from '@edgefed/shared';
import { createDataSource } from '../data/in-memory-data-source.js';
import { createNodeBackend } from './node-backend.js';
import { createTrainer } from './trainer.js';
import { cappedStepsPerRun, MAX_UNROLLED_GRAPH_BYTES } from './unroll-cap.js';

const oneStepBytes = (spec: unknown): number =>
  compileModel(spec, { loss: 'softmax-cross-entropy', optimizer: { type: 'sgd' }, batchSize: 10 }).trainStep
    .onnx.byteLength;

describe('cappedStepsPerRun', () => {
  it('keeps K for small graphs and lowers it by graph size', () => {
    expect(cappedStepsPerRun(1, 10)).toBe(1);
    expect(cappedStepsPerRun(8, 1000)).toBe(8);
    expect(cappedStepsPerRun(8, MAX_UNROLLED_GRAPH_BYTES / 2)).toBe(2);
    expect(cappedStepsPerRun(8, MAX_UNROLLED_GRAPH_BYTES / 2 + 1)).toBe(1);
    expect(cappedStepsPerRun(8, 10 * MAX_UNROLLED_GRAPH_BYTES)).toBe(1);
  });

  it('leaves the FedAvg models at K = 8 and the char LSTM at T = 80 at K = 1', () => {
    expect(cappedStepsPerRun(8, oneStepBytes(MODEL_PRESETS['2nn']))).toBe(8);
    expect(cappedStepsPerRun(8, oneStepBytes(MODEL_PRESETS.cnn))).toBe(8);
    expect(cappedStepsPerRun(8, oneStepBytes(charLstm(50, 80)))).toBe(1);
  });

  it('a capped fit (K = 8 asked, fewer unrolled) trains exactly as K = 1', { timeout: 120_000 }, async () => {
    const T = 60;
    const spec = {
      input: { shape: [T] },
      layers: [
        { type: 'embedding', vocabSize: 6, dim: 4 },
        { type: 'lstm', units: 8, returnSequences: true },
        { type: 'dense', units: 6 },
      ],
    };
    const k = cappedStepsPerRun(8, oneStepBytes(spec));
    expect(k).toBeGreaterThan(1);
    expect(k).toBeLessThan(8);
    const n = 4 * k;
    const features = Float32Array.from({ length: n * T }, (_, i) => (i * 7) % 6);
    const labels = Int32Array.from({ length: n * T }, (_, i) => (i * 7 + 1) % 6);
    const data = createDataSource(
      createDataset({ features, labels, featureShape: [T], labelShape: [T], numClasses: 6 }),
    );
    const backend = await createNodeBackend({ intraOpNumThreads: 1 });
    const train = async (stepsPerRun: number): Promise<Float32Array> => {
      const t = await createTrainer({
        spec,
        backend,
        compileOptions: { loss: 'softmax-cross-entropy', optimizer: { type: 'sgd' }, stepsPerRun },
      });
      for await (const _ of t.fit(data, { batchSize: 2, learningRate: 0.1, shuffle: false })) {
        // run all steps
      }
      const w = t.getParameters().get('dense0.weight')?.data;
      t.dispose();
      return Float32Array.from(w ?? []);
    };
    const one = await train(1);
    const capped = await train(8);
    expect(capped.length).toBeGreaterThan(0);
    expect(Array.from(capped)).toEqual(Array.from(one));
  });
});
