import { describe, expect, it } from 'vitest';
import { decodeModel } from '../onnx/codec.js';
import { initParameters, countParameters } from '../spec/init.js';
import type { ModelSpec } from '../spec/model-spec.js';
import { fedAvgCnn, MODEL_2NN, MODEL_CNN, MODEL_TINY_CNN } from '../spec/presets.js';
import { createModelPrng } from '../../data/prng.js';
import type { HostTensor } from '../testing/grad-check.js';
import { f32, loadOrt } from '../testing/ort-load.test.js';
import { compileModel, exportInferenceModel, type CompiledModel } from './compile-model.js';
import { planModel, type CompileOptions } from './plan.js';
import { carry, initialFeeds } from './train-step.test.js';
import { findWebGpuIssues } from './webgpu-check.js';

const TEXT: ModelSpec = {
  input: { shape: [6] },
  layers: [
    { type: 'embedding', vocabSize: 12, dim: 8, name: 'emb' },
    { type: 'layerNorm', name: 'ln' },
    { type: 'dense', units: 8 },
    { type: 'gelu' },
    { type: 'dropout', rate: 0.25 },
    { type: 'add', inputs: ['ln', 'dropout0'] },
    { type: 'flatten' },
    { type: 'dense', units: 4 },
  ],
};

const rand = (n: number, seed: number, scale = 1): Float32Array => {
  const r = createModelPrng(seed);
  return new Float32Array(n).map(() => r.normal() * scale);
};
const onehot = (rows: number, classes: number, seed: number): Float32Array => {
  const r = createModelPrng(seed);
  const y = new Float32Array(rows * classes);
  for (let i = 0; i < rows; i++) y[i * classes + (r.nextUint32() % classes)] = 1;
  return y;
};

describe('model presets', () => {
  it('have the FedAvg paper parameter counts', () => {
    expect(countParameters(planModel(MODEL_2NN).parameters)).toBe(199_210);
    expect(countParameters(planModel(MODEL_CNN).parameters)).toBe(1_663_370);
  });

  it('initialise deterministically per seed', () => {
    const p = planModel(MODEL_TINY_CNN).parameters;
    const a = initParameters(p, 5).get('conv2d0.weight')?.data;
    expect(a).toEqual(initParameters(p, 5).get('conv2d0.weight')?.data);
    expect(a).not.toEqual(initParameters(p, 6).get('conv2d0.weight')?.data);
    expect(Array.from(initParameters(p, 5).get('dense0.bias')?.data ?? [])).toEqual(new Array(10).fill(0));
  });

  it('reject invalid specs with INVALID_MODEL', () => {
    expect(() => planModel({ input: { shape: [4] }, layers: [] })).toThrow(
      expect.objectContaining({ code: 'INVALID_MODEL' }),
    );
    expect(() =>
      planModel({ input: { shape: [4] }, layers: [{ type: 'add', inputs: ['nope', 'input'] }] }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_MODEL' }));
  });
});

const VARIANTS: [string, unknown, CompileOptions][] = [
  [
    '2nn sgd',
    MODEL_2NN,
    { loss: 'softmax-cross-entropy', optimizer: { type: 'sgd', momentum: true, weightDecay: true } },
  ],
  [
    'tiny cnn adam clip',
    MODEL_TINY_CNN,
    { loss: 'softmax-cross-entropy', optimizer: { type: 'adam' }, clipNorm: true, batchSize: 4 },
  ],
  [
    'cnn12 adamw prox k2',
    fedAvgCnn(12),
    {
      loss: 'softmax-cross-entropy',
      optimizer: { type: 'adamw' },
      fedProx: true,
      stepsPerRun: 2,
      batchSize: 2,
    },
  ],
  ['text bce', TEXT, { loss: 'binary-cross-entropy', optimizer: { type: 'sgd' }, batchSize: 3 }],
  ['text mse', TEXT, { loss: 'mse', optimizer: { type: 'adam' }, batchSize: 3 }],
];

describe('emitted graphs', () => {
  for (const [name, spec, options] of VARIANTS) {
    it(`${name}: WebGPU-clean, decodable, and loadable by onnxruntime`, async () => {
      const m = compileModel(spec, options);
      for (const g of [m.inference, m.evaluation, m.trainStep]) {
        const ir = decodeModel(g.onnx);
        expect(findWebGpuIssues(ir.graph)).toEqual([]);
        expect(ir.graph.inputs.map((i) => i.name)).toEqual(g.manifest.inputs.map((i) => i.name));
        expect(ir.graph.outputs.map((i) => i.name)).toEqual(g.manifest.outputs.map((i) => i.name));
        await loadOrt(g.onnx);
      }
    });
  }

  it('flag forbidden ops', () => {
    const g = {
      name: 'g',
      inputs: [],
      outputs: [],
      initializers: [],
      nodes: [{ opType: 'LogSoftmax', inputs: ['a'], outputs: ['b'], attributes: {}, name: 'n', domain: '' }],
    };
    expect(findWebGpuIssues(g)).toHaveLength(1);
  });
});

/** One SGD/Adam step on a 3-input, 2-class linear model, computed by hand in float64. */
function handStep(
  x: Float32Array,
  y: Float32Array,
  w: Float32Array,
  rows: number,
  opt: 'sgd' | 'adam',
  lr: number,
): Float64Array {
  const gw = new Float64Array(6);
  for (let i = 0; i < rows; i++) {
    const z = [0, 1].map((c) => [0, 1, 2].reduce((a, j) => a + (w[c * 3 + j] ?? 0) * (x[i * 3 + j] ?? 0), 0));
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b);
    for (let c = 0; c < 2; c++) {
      const d = ((e[c] ?? 0) / s - (y[i * 2 + c] ?? 0)) / rows;
      for (let j = 0; j < 3; j++) gw[c * 3 + j] = (gw[c * 3 + j] ?? 0) + d * (x[i * 3 + j] ?? 0);
    }
  }
  // Adam, step 1: m = 0.1 g, v = 0.001 g^2, mhat = g, vhat = g^2 -> w - lr * g / (|g| + eps).
  return Float64Array.from(
    w,
    (v, i) => v - lr * (opt === 'sgd' ? (gw[i] ?? 0) : (gw[i] ?? 0) / (Math.abs(gw[i] ?? 0) + 1e-8)),
  );
}

const LINEAR: ModelSpec = { input: { shape: [3] }, layers: [{ type: 'dense', units: 2, useBias: false }] };

async function oneStep(
  m: CompiledModel,
  feeds: Record<string, HostTensor>,
): Promise<Readonly<Record<string, HostTensor>>> {
  return (await loadOrt(m.trainStep.onnx))(feeds);
}

describe('optimizer steps', () => {
  for (const opt of ['sgd', 'adam'] as const) {
    it(`${opt} matches a hand computation, and padded rows with mask 0 change nothing`, async () => {
      const x = rand(8 * 3, 1);
      const y = onehot(8, 2, 2);
      const base = compileModel(LINEAR, {
        loss: 'softmax-cross-entropy',
        optimizer: { type: opt },
        batchSize: 5,
      });
      const padded = compileModel(LINEAR, {
        loss: 'softmax-cross-entropy',
        optimizer: { type: opt },
        batchSize: 8,
      });
      const feeds = initialFeeds(base, 3, { lr: 0.5 });
      const w = feeds['dense0.weight']?.data as Float32Array;
      const expected = handStep(x, y, w, 5, opt, 0.5);
      const r1 = await oneStep(base, {
        ...feeds,
        x: f32([5, 3], x.subarray(0, 15)),
        y: f32([5, 2], y.subarray(0, 10)),
        mask: f32([5], [1, 1, 1, 1, 1]),
      });
      const mask = f32([8], [1, 1, 1, 1, 1, 0, 0, 0]);
      const r2 = await oneStep(padded, {
        ...initialFeeds(padded, 3, { lr: 0.5 }),
        x: f32([8, 3], x),
        y: f32([8, 2], y),
        mask,
      });
      const got1 = Array.from(r1['dense0.weight.new']?.data ?? []);
      const got2 = Array.from(r2['dense0.weight.new']?.data ?? []);
      got1.forEach((v, i) => {
        expect(v).toBeCloseTo(expected[i] ?? NaN, 5);
        expect(got2[i]).toBeCloseTo(v, 6);
      });
      expect(r2.loss?.data[0]).toBeCloseTo(Number(r1.loss?.data[0]), 6);
      expect(r2.count?.data[0]).toBe(5);
    });
  }

  it('FedProx adds mu * (w - anchor) to the gradient; clipping bounds the update', async () => {
    const opts = { loss: 'softmax-cross-entropy', optimizer: { type: 'sgd' }, batchSize: 4 } as const;
    const plain = compileModel(LINEAR, opts);
    const prox = compileModel(LINEAR, { ...opts, fedProx: true });
    const clip = compileModel(LINEAR, { ...opts, clipNorm: true });
    const batch = {
      x: f32([4, 3], rand(12, 4)),
      y: f32([4, 2], onehot(4, 2, 5)),
      mask: f32([4], [1, 1, 1, 1]),
    };
    const feeds: Record<string, HostTensor> = { ...initialFeeds(plain, 1, { lr: 0.1 }), ...batch };
    const w = Array.from(feeds['dense0.weight']?.data ?? []);
    const anchor = f32([2, 3], rand(6, 6));
    const a = (await oneStep(plain, feeds))['dense0.weight.new']?.data ?? [];
    const b =
      (await oneStep(prox, { ...feeds, mu: f32([], [0.5]), 'dense0.weight.anchor': anchor }))[
        'dense0.weight.new'
      ]?.data ?? [];
    w.forEach((wi, i) => {
      expect(b[i]).toBeCloseTo((a[i] ?? 0) - 0.1 * 0.5 * (wi - (anchor.data[i] ?? 0)), 5);
    });
    const c =
      (await oneStep(clip, { ...feeds, clip_norm: f32([], [1e-3]) }))['dense0.weight.new']?.data ?? [];
    const norm = Math.sqrt(w.reduce((s, wi, i) => s + (wi - (c[i] ?? 0)) ** 2, 0));
    expect(norm).toBeCloseTo(0.1 * 1e-3, 6);
  });

  it('two unrolled steps equal two single steps', async () => {
    const opts = { loss: 'softmax-cross-entropy', optimizer: { type: 'adam' }, batchSize: 4 } as const;
    const one = compileModel(MODEL_TINY_CNN, opts);
    const two = compileModel(MODEL_TINY_CNN, { ...opts, stepsPerRun: 2 });
    const xs = [rand(4 * 784, 8), rand(4 * 784, 9)];
    const ys = [onehot(4, 10, 8), onehot(4, 10, 9)];
    const mask = f32([4], [1, 1, 1, 1]);
    const feeds = initialFeeds(one, 2, { lr: 0.01 });
    const run1 = await loadOrt(one.trainStep.onnx);
    for (let k = 0; k < 2; k++) {
      const out = await run1({
        ...feeds,
        step: f32([], [k + 1]),
        x: f32([4, 1, 28, 28], xs[k] ?? []),
        y: f32([4, 10], ys[k] ?? []),
        mask,
      });
      carry(one, feeds, out);
    }
    const f2: Record<string, HostTensor> = { ...initialFeeds(two, 2, { lr: 0.01 }), mask: mask };
    for (let k = 0; k < 2; k++) {
      f2[`x.${k}`] = f32([4, 1, 28, 28], xs[k] ?? []);
      f2[`y.${k}`] = f32([4, 10], ys[k] ?? []);
      f2[`mask.${k}`] = mask;
    }
    delete f2.mask;
    const out2 = await (await loadOrt(two.trainStep.onnx))(f2);
    const a = feeds['dense0.weight']?.data ?? [];
    const b = out2['dense0.weight.new']?.data ?? [];
    for (let i = 0; i < a.length; i += 97) expect(b[i]).toBeCloseTo(a[i] ?? NaN, 5);
  });
});

describe('inference export', () => {
  it('baked-in parameters give the same logits as fed parameters; probabilities sum to 1', async () => {
    const m = compileModel(MODEL_TINY_CNN, { loss: 'softmax-cross-entropy', optimizer: { type: 'sgd' } });
    const params = initParameters(m.parameters, 4);
    const x = f32([3, 1, 28, 28], rand(3 * 784, 3));
    const feeds: Record<string, HostTensor> = { x };
    for (const [k, v] of params) feeds[k] = f32(v.shape, v.data);
    const fed = await (await loadOrt(m.inference.onnx))(feeds);
    const baked = exportInferenceModel(MODEL_TINY_CNN, 'softmax-cross-entropy', params);
    expect(baked.manifest.inputs.map((i) => i.name)).toEqual(['x']);
    const out = await (await loadOrt(baked.onnx))({ x });
    const want = Array.from(fed.logits?.data ?? []);
    expect(want).toHaveLength(30);
    Array.from(out.logits?.data ?? []).forEach((v, i) => {
      expect(v).toBeCloseTo(want[i] ?? NaN, 5);
    });
    const p = Array.from(out.probabilities?.data ?? []);
    expect(p.slice(0, 10).reduce((a, b) => a + b)).toBeCloseTo(1, 5);
  });
});
