import {
  createDataset,
  isEdgefedError,
  MODEL_TINY_CNN,
  type ModelSpec,
  type TensorMap,
} from '@edgefed/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDataSource } from '../data/in-memory-data-source.js';
import type { DataSource } from '../data/data-source.js';
import type { TrainingBackend } from './backend.js';
import { createNodeBackend } from './node-backend.js';
import { createTrainer } from './trainer.js';
import type { FitOptions, FitProgress, TrainerCompileOptions } from './trainer-types.js';
import { createWasmBackend } from './wasm-backend.js';

const SGD: TrainerCompileOptions = { loss: 'softmax-cross-entropy', optimizer: { type: 'sgd' } };
const MLP: ModelSpec = {
  input: { shape: [12] },
  layers: [
    { type: 'dense', units: 16 },
    { type: 'relu' },
    { type: 'dropout', rate: 0.25 },
    { type: 'dense', units: 3 },
  ],
};

/** Seeded synthetic data: class = argmax of three fixed linear scores. */
function synthetic(n: number, shape: readonly number[], seed: number): DataSource {
  let s = seed >>> 0;
  const rnd = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
  const fs = shape.reduce((a, b) => a * b, 1);
  const features = Float32Array.from({ length: n * fs }, rnd);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const score = (c: number): number => (features[i * fs + c] ?? 0) - (features[i * fs + c + 3] ?? 0);
    labels[i] = [0, 1, 2].reduce((best, c) => (score(c) > score(best) ? c : best), 0);
  }
  const numClasses = shape.length === 1 ? 3 : 10;
  return createDataSource(createDataset({ features, labels, featureShape: shape, numClasses }));
}

async function collect(it: AsyncIterable<FitProgress>): Promise<FitProgress[]> {
  const out: FitProgress[] = [];
  for await (const e of it) out.push(e);
  return out;
}

function maxRelDiff(a: TensorMap, b: TensorMap): number {
  let worst = 0;
  for (const [k, t] of a) {
    const u = b.get(k);
    if (u === undefined) return Number.POSITIVE_INFINITY;
    for (let i = 0; i < t.data.length; i++) {
      const x = t.data[i] ?? 0;
      const y = u.data[i] ?? 0;
      worst = Math.max(worst, Math.abs(x - y) / Math.max(1e-3, Math.abs(x), Math.abs(y)));
    }
  }
  return worst;
}

async function trained(
  backend: TrainingBackend,
  spec: ModelSpec,
  data: DataSource,
  o: FitOptions,
  compile = SGD,
) {
  const t = await createTrainer({ spec, backend, compileOptions: compile, initSeed: 3 });
  const events = await collect(t.fit(data, o));
  return { t, events, params: t.getParameters() };
}

let node: TrainingBackend;
let wasm: TrainingBackend;
beforeAll(async () => {
  node = await createNodeBackend({ intraOpNumThreads: 1 });
  wasm = await createWasmBackend();
});

describe('Trainer', () => {
  it('gives the same parameters on onnxruntime-node and wasm (tiny CNN, 6 steps)', async () => {
    const data = synthetic(40, [1, 28, 28], 1);
    const o: FitOptions = { batchSize: 8, learningRate: 0.1, epochs: 2, maxSteps: 6, seed: 2 };
    const a = await trained(node, MODEL_TINY_CNN, data, o);
    const b = await trained(wasm, MODEL_TINY_CNN, data, o);
    expect(a.events.filter((e) => e.type === 'step')).toHaveLength(6);
    expect(maxRelDiff(a.params, b.params)).toBeLessThan(1e-4);
    const init = (
      await createTrainer({ spec: MODEL_TINY_CNN, backend: node, compileOptions: SGD, initSeed: 3 })
    ).getParameters();
    expect(maxRelDiff(a.params, init)).toBeGreaterThan(1e-3);
  });

  it('is deterministic given a seed (shuffle and dropout) and differs with another seed', async () => {
    const data = synthetic(64, [12], 4);
    const o: FitOptions = { batchSize: 10, learningRate: 0.2, epochs: 2, seed: 9 };
    const a = await trained(node, MLP, data, o);
    const b = await trained(node, MLP, data, o);
    const c = await trained(node, MLP, data, { ...o, seed: 10 });
    expect(maxRelDiff(a.params, b.params)).toBe(0);
    expect(maxRelDiff(a.params, c.params)).toBeGreaterThan(1e-4);
    expect(a.events.filter((e) => e.type === 'epoch').map((e) => e.examples)).toEqual([64, 128]);
  });

  it('learns: loss falls and held-out accuracy beats chance', async () => {
    const { train, heldOut } = synthetic(600, [12], 5).split(0.2, 1);
    const t = await createTrainer({ spec: MLP, backend: node, compileOptions: SGD });
    const before = await t.evaluate(heldOut);
    const events = await collect(t.fit(train, { batchSize: 16, learningRate: 0.3, epochs: 8, seed: 1 }));
    const epochs = events.filter((e) => e.type === 'epoch');
    expect(epochs.at(-1)?.loss).toBeLessThan((epochs[0]?.loss ?? 0) * 0.7);
    const after = await t.evaluate(heldOut, { batchSize: 7 });
    expect(after.exampleCount).toBe(120);
    expect(after.accuracy).toBeGreaterThan(0.75);
    expect(after.loss).toBeLessThan(before.loss);
  });

  it('masks the padded rows of a short last batch', async () => {
    const five = synthetic(5, [12], 6);
    const spec: ModelSpec = { input: { shape: [12] }, layers: [{ type: 'dense', units: 3 }] };
    const padded = await trained(node, spec, five, {
      batchSize: 8,
      learningRate: 0.5,
      maxSteps: 1,
      shuffle: false,
    });
    const exact = await trained(node, spec, five, {
      batchSize: 5,
      learningRate: 0.5,
      maxSteps: 1,
      shuffle: false,
    });
    expect(maxRelDiff(padded.params, exact.params)).toBeLessThan(1e-5);
    expect(padded.events[0]?.examples).toBe(5);
  });

  it('unrolled K-step runs (with a 1-step tail) match single steps', async () => {
    const data = synthetic(70, [12], 7);
    const o: FitOptions = { batchSize: 10, learningRate: 0.1, epochs: 1, seed: 3, beta1: 0.8 };
    const adam: TrainerCompileOptions = { loss: 'softmax-cross-entropy', optimizer: { type: 'adam' } };
    const one = await trained(node, MLP, data, o, adam);
    const k3 = await trained(node, MLP, data, o, { ...adam, stepsPerRun: 3 });
    expect(k3.events.at(-1)?.step).toBe(7);
    expect(maxRelDiff(one.params, k3.params)).toBeLessThan(1e-4);
  });

  it('stops between steps when aborted, keeping the last completed step', async () => {
    const data = synthetic(200, [12], 8);
    const t = await createTrainer({ spec: MLP, backend: node, compileOptions: SGD, initSeed: 3 });
    const ac = new AbortController();
    let steps = 0;
    let error: unknown;
    try {
      for await (const e of t.fit(data, { batchSize: 10, learningRate: 0.1, epochs: 3 }, ac.signal)) {
        steps = e.step;
        if (e.step === 4) ac.abort();
      }
    } catch (e) {
      error = e;
    }
    expect(isEdgefedError(error, 'ABORTED')).toBe(true);
    expect(steps).toBe(4);
    const ref = await trained(node, MLP, data, { batchSize: 10, learningRate: 0.1, maxSteps: 4 });
    expect(maxRelDiff(t.getParameters(), ref.params)).toBe(0);
    // The trainer is usable again after an abort.
    await collect(t.fit(data, { batchSize: 10, learningRate: 0.1, maxSteps: 1 }));
  });

  it('rejects bad parameters and options with stable codes', async () => {
    const t = await createTrainer({ spec: MLP, backend: node, compileOptions: SGD });
    const p = new Map(t.getParameters());
    const [first] = p.keys();
    p.delete(first ?? '');
    expect(() => {
      t.setParameters(p);
    }).toThrow(expect.objectContaining({ code: 'NAME_MISMATCH' }) as Error);
    const data = synthetic(10, [12], 1);
    await expect(
      collect(t.fit(data, { batchSize: 4, learningRate: 0.1, momentum: 0.9 })),
    ).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(collect(t.fit(data, { batchSize: 0, learningRate: 0.1 }))).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(
      collect(t.fit(synthetic(4, [1, 28, 28], 1), { batchSize: 4, learningRate: 0.1 })),
    ).rejects.toMatchObject({
      code: 'SHAPE_MISMATCH',
    });
    await expect(
      createTrainer({ spec: { layers: [] }, backend: node, compileOptions: SGD }),
    ).rejects.toMatchObject({
      code: 'INVALID_MODEL',
    });
    t.dispose();
    expect(() => t.getParameters()).toThrow(
      expect.objectContaining({ code: 'FAILED_PRECONDITION' }) as Error,
    );
  });
});
