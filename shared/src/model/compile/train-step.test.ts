import { describe, expect, it } from 'vitest';
import type { HostTensor, RunGraph } from '../testing/grad-check.js';
import { f32, loadOrt } from '../testing/ort-load.test.js';
import { initParameters } from '../spec/init.js';
import type { ModelSpec } from '../spec/model-spec.js';
import { createModelPrng } from '../../data/prng.js';
import { compileModel, type CompiledModel } from './compile-model.js';
import type { CompileOptions } from './plan.js';

const MLP: ModelSpec = {
  input: { shape: [8] },
  layers: [{ type: 'dense', units: 16 }, { type: 'relu' }, { type: 'dense', units: 3 }],
};

/** A linearly separable 3-class problem: class = argmax of (W x) for a fixed W. */
function synthetic(n: number, seed: number): { x: Float32Array; y: Float32Array } {
  const rng = createModelPrng(seed);
  const w = Array.from({ length: 24 }, () => rng.normal());
  const x = new Float32Array(n * 8).map(() => rng.normal());
  const y = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    const s = [0, 1, 2].map((c) =>
      [...Array(8).keys()].reduce((a, j) => a + (w[c * 8 + j] ?? 0) * (x[i * 8 + j] ?? 0), 0),
    );
    y[i * 3 + s.indexOf(Math.max(...s))] = 1;
  }
  return { x, y };
}

/** Feeds for the train graph from its manifest: parameters, zero state, defaults. */
export function initialFeeds(
  model: CompiledModel,
  seed: number,
  hyper: Record<string, number>,
): Record<string, HostTensor> {
  const params = initParameters(model.parameters, seed);
  const feeds: Record<string, HostTensor> = {};
  for (const e of model.trainStep.manifest.inputs) {
    const shape = e.shape.map(Number);
    if (e.role === 'parameter') feeds[e.name] = f32(shape, params.get(e.name)?.data as Float32Array);
    if (e.role === 'optimizer-state' || e.role === 'anchor')
      feeds[e.name] = f32(shape, new Float32Array(shape.reduce((a, b) => a * b, 1)));
    if (e.role === 'hyper-parameter') feeds[e.name] = f32([], [hyper[e.name] ?? e.default ?? 0]);
  }
  return feeds;
}

export function carry(
  model: CompiledModel,
  feeds: Record<string, HostTensor>,
  out: Readonly<Record<string, HostTensor>>,
): void {
  for (const e of model.trainStep.manifest.outputs) {
    if (e.role !== 'output-parameter' && e.role !== 'output-state') continue;
    const v = out[e.name];
    if (v !== undefined) feeds[e.name.slice(0, -'.new'.length)] = v;
  }
}

async function trainLosses(options: CompileOptions, steps: number): Promise<number[]> {
  const model = compileModel(MLP, options);
  const run: RunGraph = await loadOrt(model.trainStep.onnx);
  const B = model.options.batchSize;
  const feeds = initialFeeds(model, 7, { lr: options.optimizer.type === 'sgd' ? 0.1 : 0.01 });
  const data = synthetic(B * 4, 3);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const i = s % 4;
    feeds.x = f32([B, 8], data.x.subarray(i * B * 8, (i + 1) * B * 8));
    feeds.y = f32([B, 3], data.y.subarray(i * B * 3, (i + 1) * B * 3));
    feeds.mask = f32([B], new Float32Array(B).fill(1));
    if (feeds.step !== undefined) feeds.step = f32([], [s + 1]);
    const out = await run(feeds);
    losses.push(Number(out.loss?.data[0]));
    carry(model, feeds, out);
  }
  return losses;
}

describe('training step graph', () => {
  it('SGD on Dense+ReLU+softmax-cross-entropy lowers the loss', async () => {
    const losses = await trainLosses(
      { loss: 'softmax-cross-entropy', optimizer: { type: 'sgd' }, batchSize: 16 },
      60,
    );
    const first = losses.slice(0, 4).reduce((a, b) => a + b) / 4;
    const last = losses.slice(-4).reduce((a, b) => a + b) / 4;
    expect(last).toBeLessThan(first * 0.5);
  });

  it('Adam and SGD with Nesterov momentum lower the loss', async () => {
    for (const optimizer of [{ type: 'adam' }, { type: 'sgd', momentum: true, nesterov: true }] as const) {
      const losses = await trainLosses({ loss: 'softmax-cross-entropy', optimizer, batchSize: 16 }, 40);
      expect(losses.at(-1)).toBeLessThan((losses[0] ?? 0) * 0.6);
    }
  });
});
