/**
 * The sequence softmax cross-entropy: values against a float64 reference (ignored tokens,
 * an all-padding example), finite-difference gradients, the evaluation graph's token sums,
 * and WebGPU-cleanliness of every graph of the sequence presets.
 */
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../ir/builder.js';
import { DEFAULT_OPSET } from '../ir/types.js';
import { decodeModel } from '../onnx/codec.js';
import { encodeModel } from '../onnx/codec.js';
import { initParameters } from '../spec/init.js';
import type { ModelSpec } from '../spec/model-spec.js';
import { charLstm, charTransformer } from '../spec/presets.js';
import { createModelPrng } from '../../data/prng.js';
import { checkGradients, type HostTensor } from '../testing/grad-check.js';
import { f32, loadOrt } from '../testing/ort-load.test.js';
import { compileModel } from './compile-model.js';
import { emitLoss } from './losses.js';
import { findWebGpuIssues } from './webgpu-check.js';

const [B, T, V] = [3, 4, 5];

/** Labels: token classes, -1 = ignored (all-zero row). Example 2 is all padding. */
const CLASSES = [
  [0, 3, -1, 4],
  [-1, 1, 1, 2],
  [-1, -1, -1, -1],
];

function oneHot(classes: number[][], v: number): Float64Array {
  const y = new Float64Array(classes.length * (classes[0]?.length ?? 0) * v);
  classes.flat().forEach((c, i) => {
    if (c >= 0) y[i * v + c] = 1;
  });
  return y;
}

function randomLogits(n: number, seed: number): Float64Array {
  const r = createModelPrng(seed);
  return new Float64Array(n).map(() => r.normal() * 2);
}

/** Float64 reference: per example [mean token loss, token accuracy, tokens, loss sum, correct]. */
function reference(logits: Float64Array, classes: number[][]): number[][] {
  return classes.map((row, i) => {
    let loss = 0;
    let right = 0;
    let n = 0;
    row.forEach((c, t) => {
      if (c < 0) return;
      const z = Array.from(logits.subarray((i * T + t) * V, (i * T + t + 1) * V));
      const m = Math.max(...z);
      const lse = m + Math.log(z.reduce((a, v) => a + Math.exp(v - m), 0));
      loss += lse - (z[c] ?? 0);
      right += z.indexOf(m) === c ? 1 : 0;
      n += 1;
    });
    return [loss / Math.max(n, 1), right / Math.max(n, 1), n, loss, right];
  });
}

describe('sequence softmax cross-entropy', () => {
  it('matches a float64 reference; an all-padding example gives 0, not NaN', async () => {
    const b = new GraphBuilder({ name: 'seq_loss', floatType: 'float64' });
    const z = b.input('z', 'float64', [B, T, V]);
    const y = b.input('y', 'float64', [B, T, V]);
    const lv = emitLoss(b, 'softmax-cross-entropy', z, y);
    const names = ['perExample', 'correct', 'tokens', 'tokenLossSum', 'tokenCorrect'] as const;
    for (const n of names) b.output(lv[n] ?? '', n);
    const run = await loadOrt(
      encodeModel({ graph: b.build(), opsetVersion: DEFAULT_OPSET, producerName: 't', metadata: {} }),
    );
    const logits = randomLogits(B * T * V, 1);
    const out = await run({
      z: { dtype: 'float64', shape: [B, T, V], data: logits },
      y: { dtype: 'float64', shape: [B, T, V], data: oneHot(CLASSES, V) },
    });
    const ref = reference(logits, CLASSES);
    names.forEach((n, k) => {
      const got = Array.from(out[n]?.data ?? []);
      expect(got).toHaveLength(B);
      got.forEach((v, i) => {
        expect(v).toBeCloseTo(ref[i]?.[k] ?? Number.NaN, 10);
      });
    });
    expect(out.perExample?.data[2]).toBe(0);
  });

  it('gradients w.r.t. the logits match finite differences (ignored tokens, an all-padding example)', async () => {
    const labels = oneHot(CLASSES, V);
    const results = await checkGradients({
      load: loadOrt,
      seed: 2,
      directions: 3,
      inputs: [
        { name: 'z', shape: [B, T, V], scale: 2 },
        { name: 'y', shape: [B, T, V], wrt: false, data: labels },
      ],
      build: (b, [z = '', y = '']) => emitLoss(b, 'softmax-cross-entropy', z, y).perExample,
    });
    expect(Math.max(...results.map((r) => r.error))).toBeLessThan(1e-6);
  });
});

const TINY: ModelSpec = {
  input: { shape: [T] },
  layers: [
    { type: 'embedding', vocabSize: V, dim: 4 },
    { type: 'gru', units: 6, returnSequences: true },
    { type: 'dense', units: V },
  ],
};

describe('evaluation graph of a sequence model', () => {
  it('exposes [T, V] labels and token sums that aggregate to token accuracy and perplexity', async () => {
    const m = compileModel(TINY, { loss: 'softmax-cross-entropy', optimizer: { type: 'sgd' }, batchSize: B });
    expect(m.outputShape).toEqual([T, V]);
    expect(m.trainStep.manifest.inputs.find((e) => e.name === 'y')?.shape).toEqual([B, T, V]);
    expect(m.evaluation.manifest.inputs.find((e) => e.name === 'y')?.shape).toEqual(['N', T, V]);
    expect(m.evaluation.manifest.outputs.map((e) => e.name)).toEqual([
      'loss_sum',
      'correct',
      'count',
      'token_loss_sum',
      'token_correct',
      'token_count',
    ]);
    const params = initParameters(m.parameters, 3);
    const feeds: Record<string, HostTensor> = {};
    for (const p of m.parameters) feeds[p.name] = f32(p.shape, params.get(p.name)?.data ?? []);
    const infer = await loadOrt(m.inference.onnx);
    const evaluate = await loadOrt(m.evaluation.onnx);
    const x = f32([B, T], [0, 1, 2, 3, 4, 4, 3, 2, 1, 0, 0, 1]);
    const logits = Float64Array.from((await infer({ ...feeds, x })).logits?.data ?? []);
    const rowMask = [1, 1, 0];
    const out = await evaluate({
      ...feeds,
      x,
      y: f32([B, T, V], oneHot(CLASSES, V)),
      mask: f32([B], rowMask),
    });
    const ref = reference(logits, CLASSES).filter((_, i) => rowMask[i] === 1);
    const sum = (k: number): number => ref.reduce((a, r) => a + (r[k] ?? 0), 0);
    const got = (n: string): number => Number(out[n]?.data[0]);
    expect(got('loss_sum')).toBeCloseTo(sum(0), 4);
    expect(got('correct')).toBeCloseTo(sum(1), 5);
    expect(got('count')).toBe(2);
    expect(got('token_loss_sum')).toBeCloseTo(sum(3), 4);
    expect(got('token_correct')).toBe(sum(4));
    expect(got('token_count')).toBe(6);
    // What a trainer reports: token accuracy and perplexity from the summed outputs.
    const perplexity = Math.exp(got('token_loss_sum') / got('token_count'));
    expect(perplexity).toBeCloseTo(Math.exp(sum(3) / 6), 3);
  });
});

describe('training graph of a sequence model', () => {
  it('sums token outputs over the K unrolled steps and the real rows', async () => {
    const m = compileModel(TINY, {
      loss: 'softmax-cross-entropy',
      optimizer: { type: 'sgd' },
      batchSize: B,
      stepsPerRun: 2,
    });
    const y0 = m.trainStep.manifest.inputs.find((e) => e.name === 'y.0');
    expect(y0?.shape).toEqual([B, T, V]);
    expect(y0?.description).toContain('all-zero row');
    const params = initParameters(m.parameters, 3);
    const feeds: Record<string, HostTensor> = { lr: f32([], [0]) };
    for (const p of m.parameters) feeds[p.name] = f32(p.shape, params.get(p.name)?.data ?? []);
    const x = f32([B, T], [0, 1, 2, 3, 4, 4, 3, 2, 1, 0, 0, 1]);
    const y = f32([B, T, V], oneHot(CLASSES, V));
    for (const k of [0, 1]) Object.assign(feeds, { [`x.${k}`]: x, [`y.${k}`]: y });
    feeds['mask.0'] = f32([B], [1, 1, 1]);
    feeds['mask.1'] = f32([B], [1, 0, 1]);
    const out = await (await loadOrt(m.trainStep.onnx))(feeds);
    // Step 0: 3 + 3 + 0 tokens; step 1 (row 1 masked): 3 + 0 tokens.
    expect(Number(out.token_count?.data[0])).toBe(9);
    expect(Number(out.count?.data[0])).toBe(5);
    const logits = Float64Array.from(
      (await (await loadOrt(m.inference.onnx))({ ...feeds, x })).logits?.data ?? [],
    );
    const ref = reference(logits, CLASSES);
    const perExample = (i: number): number => ref[i]?.[0] ?? Number.NaN;
    // lr = 0: both steps see the same parameters; loss = mean per-example loss over the 5 real rows.
    const expected = (2 * perExample(0) + perExample(1) + 2 * perExample(2)) / 5;
    expect(Number(out.loss?.data[0])).toBeCloseTo(expected, 4);
  });
});

describe('sequence presets', () => {
  it('char-transformer inference: [N, T, V] probabilities that sum to 1, causal (a later token does not change earlier outputs)', async () => {
    const m = compileModel(charTransformer(7, 5), {
      loss: 'softmax-cross-entropy',
      optimizer: { type: 'sgd' },
    });
    const params = initParameters(m.parameters, 1);
    const feeds: Record<string, HostTensor> = {};
    for (const p of m.parameters) feeds[p.name] = f32(p.shape, params.get(p.name)?.data ?? []);
    const infer = await loadOrt(m.inference.onnx);
    const out = await infer({ ...feeds, x: f32([2, 5], [0, 1, 2, 3, 4, 0, 1, 2, 3, 6]) });
    expect(out.probabilities?.shape).toEqual([2, 5, 7]);
    const p = Array.from(out.probabilities?.data ?? []);
    for (let r = 0; r < 10; r++)
      expect(p.slice(r * 7, r * 7 + 7).reduce((a, v) => a + v, 0)).toBeCloseTo(1, 5);
    // Rows 0 and 1 differ only in the last token: the first 4 positions must agree.
    for (let k = 0; k < 4 * 7; k++) expect(p[35 + k]).toBeCloseTo(p[k] ?? Number.NaN, 5);
    expect(
      Math.abs((p[35 + 4 * 7] ?? 0) - (p[4 * 7] ?? 0)) + Math.abs((p[35 + 34] ?? 0) - (p[34] ?? 0)),
    ).toBeGreaterThan(0);
  });

  it.each([
    ['char-lstm', charLstm(40, 12)],
    ['char-transformer', charTransformer(40, 16)],
    ['char-lstm (full size)', charLstm(96)],
  ])(
    '%s: every graph is WebGPU-clean and loads in onnxruntime',
    async (_name, spec) => {
      const m = compileModel(spec, {
        loss: 'softmax-cross-entropy',
        optimizer: { type: 'adam' },
        batchSize: 4,
        clipNorm: true,
      });
      for (const g of [m.inference, m.evaluation, m.trainStep]) {
        const ir = decodeModel(g.onnx);
        expect(findWebGpuIssues(ir.graph)).toEqual([]);
        expect(ir.graph.inputs.map((i) => i.name)).toEqual(g.manifest.inputs.map((i) => i.name));
        await loadOrt(g.onnx);
      }
    },
    60_000,
  );
});
