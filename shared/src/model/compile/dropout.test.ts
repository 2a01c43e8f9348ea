/**
 * Dropout in the training graph: the graph multiplies by `mask / (1 - rate)`, so the mask
 * value that disables dropout is `1 - rate` (all-ones masks scale activations up by
 * 1 / (1 - rate) instead). With such masks a training step's loss equals the evaluation
 * graph's mean loss on the same batch and parameters (docs/training-graphs.md).
 */
import { describe, expect, it } from 'vitest';
import type { ModelSpec } from '../spec/model-spec.js';
import { createModelPrng } from '../../data/prng.js';
import type { HostTensor } from '../testing/grad-check.js';
import { f32, loadOrt } from '../testing/ort-load.test.js';
import { compileModel } from './compile-model.js';
import { initialFeeds } from './train-step.test.js';

const RATE = 0.3;
const SPEC: ModelSpec = {
  input: { shape: [8] },
  layers: [
    { type: 'dense', units: 16 },
    { type: 'relu' },
    { type: 'dropout', rate: RATE },
    { type: 'dense', units: 3 },
  ],
};
const B = 8;

describe('dropout masks', () => {
  it('of value 1 - rate make a train step compute the evaluation loss; all-ones do not', async () => {
    const model = compileModel(SPEC, {
      loss: 'softmax-cross-entropy',
      optimizer: { type: 'sgd' },
      batchSize: B,
    });
    const rng = createModelPrng(11);
    const x = f32(
      [B, 8],
      new Float32Array(B * 8).map(() => rng.normal()),
    );
    const y = new Float32Array(B * 3);
    for (let i = 0; i < B; i++) y[i * 3 + (i % 3)] = 1;
    const mask = f32([B], new Float32Array(B).fill(1));
    const feeds = initialFeeds(model, 5, { lr: 0.1 });
    const dropoutMasks = model.trainStep.manifest.inputs.filter(
      (e) => e.role === 'mask' && e.layer !== undefined,
    );
    expect(dropoutMasks.map((e) => [e.layer, e.rate])).toEqual([['dropout0', RATE]]);

    const trainLoss = async (value: number): Promise<number> => {
      const batch: Record<string, HostTensor> = { ...feeds, x, y: f32([B, 3], y), mask };
      for (const e of dropoutMasks) {
        const shape = e.shape.map(Number);
        batch[e.name] = f32(shape, new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(value));
      }
      const out = await (await loadOrt(model.trainStep.onnx))(batch);
      return Number(out.loss?.data[0]);
    };
    const evalFeeds: Record<string, HostTensor> = { x, y: f32([B, 3], y), mask };
    for (const e of model.evaluation.manifest.inputs)
      if (e.role === 'parameter') evalFeeds[e.name] = feeds[e.name]!;
    const evalOut = await (await loadOrt(model.evaluation.onnx))(evalFeeds);
    const evalLoss = Number(evalOut.loss_sum?.data[0]) / Number(evalOut.count?.data[0]);

    expect(await trainLoss(1 - RATE)).toBeCloseTo(evalLoss, 5);
    expect(Math.abs((await trainLoss(1)) - evalLoss)).toBeGreaterThan(1e-3);
  });
});
