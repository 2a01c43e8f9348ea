/**
 * Saliency graphs on onnxruntime-node: input gradients match central finite differences
 * of the graph's own score (float64), SmoothGrad's noise shifts the input, integrated
 * gradients are complete (their sum is score(x) - score(baseline)), and every graph uses
 * only WebGPU-safe ops (the static check; tests/runtime checks placement in Chromium).
 */
import { describe, expect, it } from 'vitest';
import { createPrng } from '../../data/prng.js';
import { encodeModel } from '../onnx/codec.js';
import { DEFAULT_OPSET, type FloatType, type GraphIR } from '../ir/types.js';
import type { ModelSpec } from '../spec/model-spec.js';
import { MODEL_TINY_CNN } from '../spec/presets.js';
import type { HostTensor, RunGraph } from '../testing/grad-check.js';
import { loadOrt } from '../testing/ort-load.test.js';
import { planModel, type ModelPlan } from './plan.js';
import { buildIntegratedGradientsGraph, buildSaliencyGraph } from './saliency-graphs.js';
import { findWebGpuIssues } from './webgpu-check.js';

const SMALL_CNN: ModelSpec = {
  input: { shape: [1, 6, 6] },
  layers: [
    { type: 'conv2d', filters: 3, kernelSize: 3 },
    { type: 'tanh' },
    { type: 'maxPool2d', poolSize: 2 },
    { type: 'flatten' },
    { type: 'dense', units: 4 },
  ],
};

// float64 checks need ops onnxruntime's CPU runs in float64 (it has no float64 Conv)
const SMALL_MLP: ModelSpec = {
  input: { shape: [1, 6, 6] },
  layers: [{ type: 'flatten' }, { type: 'dense', units: 8 }, { type: 'tanh' }, { type: 'dense', units: 4 }],
};

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

function tensor(shape: number[], data: ArrayLike<number>): HostTensor {
  return { dtype: 'float64', shape, data: Float64Array.from(data) };
}

async function load(graph: GraphIR): Promise<RunGraph> {
  return loadOrt(encodeModel({ graph, opsetVersion: DEFAULT_OPSET, producerName: 'test', metadata: {} }));
}

function params(plan: ModelPlan, seed: number): Record<string, HostTensor> {
  const rng = createPrng(seed);
  const out: Record<string, HostTensor> = {};
  for (const p of plan.parameters) {
    const scale = Math.sqrt(2 / Math.max(1, p.fanIn));
    out[p.name] = tensor(
      [...p.shape],
      Array.from({ length: size(p.shape) }, () => rng.normal() * scale),
    );
  }
  return out;
}

const floats: FloatType = 'float64';

describe('saliency graph', () => {
  it('matches central finite differences of the class score (float64)', async () => {
    const plan = planModel(SMALL_MLP);
    const run = await load(buildSaliencyGraph(plan, { floatType: floats, batchSize: 2 }).graph);
    const rng = createPrng(3);
    const n = 2;
    const inSize = size(plan.inputShape);
    const x = Array.from({ length: n * inSize }, () => rng.normal());
    const target = [0, 0, 1, 0, 1, 0, 0, 0]; // row 0: class 2, row 1: class 0
    const feeds = (noise: number[]) => ({
      ...params(plan, 1),
      x: tensor([n, ...plan.inputShape], x),
      noise: tensor([n, ...plan.inputShape], noise),
      target: tensor([n, 4], target),
    });
    const zero = new Array<number>(n * inSize).fill(0);
    const out = await run(feeds(zero));
    const grad = out.saliency?.data ?? new Float64Array();
    expect(out.saliency?.shape).toEqual([n, ...plan.inputShape]);
    const eps = 1e-6;
    let worst = 0;
    for (const i of [0, 7, 14, 21, 35, inSize + 3, inSize + 20, 2 * inSize - 1]) {
      const plus = [...zero];
      plus[i] = eps;
      const minus = [...zero];
      minus[i] = -eps;
      const row = i < inSize ? 0 : 1;
      const sp = (await run(feeds(plus))).score?.data[row] ?? NaN;
      const sm = (await run(feeds(minus))).score?.data[row] ?? NaN;
      const fd = (sp - sm) / (2 * eps);
      worst = Math.max(worst, Math.abs(fd - (grad[i] ?? NaN)) / Math.max(1e-3, Math.abs(fd)));
    }
    expect(worst).toBeLessThan(1e-5);
  });

  it('SmoothGrad: noise shifts the input, so gradients at x + noise equal gradients of x + noise', async () => {
    const plan = planModel(SMALL_MLP);
    const run = await load(buildSaliencyGraph(plan, { floatType: floats }).graph);
    const rng = createPrng(4);
    const inSize = size(plan.inputShape);
    const x = Array.from({ length: inSize }, () => rng.normal());
    const noise = Array.from({ length: inSize }, () => 0.3 * rng.normal());
    const base = { ...params(plan, 2), target: tensor([1, 4], [0, 1, 0, 0]) };
    const a = await run({
      ...base,
      x: tensor([1, ...plan.inputShape], x),
      noise: tensor([1, ...plan.inputShape], noise),
    });
    const moved = x.map((v, i) => v + (noise[i] ?? 0));
    const b = await run({
      ...base,
      x: tensor([1, ...plan.inputShape], moved),
      noise: tensor([1, ...plan.inputShape], new Array<number>(inSize).fill(0)),
    });
    [...(a.saliency?.data ?? [])].forEach((v, i) => expect(v).toBeCloseTo(b.saliency?.data[i] ?? NaN, 12));
  });
});

describe('saliency graph of a CNN (float32)', () => {
  it('matches a finite-difference directional derivative', async () => {
    const plan = planModel(SMALL_CNN);
    const run = await load(buildSaliencyGraph(plan).graph);
    const rng = createPrng(8);
    const inSize = size(plan.inputShape);
    const f32 = (shape: number[], data: ArrayLike<number>): HostTensor => ({
      dtype: 'float32',
      shape,
      data: Float32Array.from(data),
    });
    const p = Object.fromEntries(
      Object.entries(params(plan, 6)).map(([k, t]) => [k, f32([...t.shape], t.data as Float64Array)]),
    );
    const x = Array.from({ length: inSize }, () => rng.normal());
    const dir = Array.from({ length: inSize }, () => rng.normal());
    const at = (noise: number[]) =>
      run({
        ...p,
        x: f32([1, ...plan.inputShape], x),
        noise: f32([1, ...plan.inputShape], noise),
        target: f32([1, 4], [0, 1, 0, 0]),
      });
    const g = (await at(dir.map(() => 0))).saliency?.data ?? new Float32Array();
    const analytic = dir.reduce((a, d, i) => a + d * (g[i] ?? NaN), 0);
    const eps = 1e-3;
    const sp = (await at(dir.map((d) => d * eps))).score?.data[0] ?? NaN;
    const sm = (await at(dir.map((d) => -d * eps))).score?.data[0] ?? NaN;
    const fd = (sp - sm) / (2 * eps);
    expect(Math.abs(fd - analytic)).toBeLessThan(2e-2 * Math.max(1, Math.abs(fd)));
  });
});

describe('integrated gradients graph', () => {
  it('is complete: attributions sum to score(x) - score(baseline)', async () => {
    const plan = planModel(SMALL_MLP);
    const ig = await load(buildIntegratedGradientsGraph(plan, { floatType: floats, batchSize: 200 }).graph);
    const sal = await load(buildSaliencyGraph(plan, { floatType: floats }).graph);
    const rng = createPrng(5);
    const inSize = size(plan.inputShape);
    const x = Array.from({ length: inSize }, () => rng.normal());
    const p = params(plan, 3);
    const steps = 200;
    const alphas = Array.from({ length: steps }, (_, k) => (k + 0.5) / steps);
    const target = tensor([1, 4], [0, 0, 0, 1]);
    const zeros = new Array<number>(inSize).fill(0);
    const out = await ig({
      ...p,
      x: tensor([1, ...plan.inputShape], x),
      baseline: tensor([1, ...plan.inputShape], zeros),
      alphas: tensor([steps, 1, 1, 1], alphas),
      target,
    });
    expect(out.attribution?.shape).toEqual([1, ...plan.inputShape]);
    const sum = [...(out.attribution?.data ?? [])].reduce((a, v) => a + v, 0);
    const score = async (input: number[]) =>
      (
        await sal({
          ...p,
          x: tensor([1, ...plan.inputShape], input),
          noise: tensor([1, ...plan.inputShape], zeros),
          target,
        })
      ).score?.data[0] ?? NaN;
    const gap = (await score(x)) - (await score(zeros));
    expect(Math.abs(sum - gap)).toBeLessThan(0.02 * Math.max(1, Math.abs(gap)));
  });
});

describe('WebGPU safety', () => {
  it('uses only ops that stay on WebGPU', () => {
    for (const spec of [SMALL_CNN, MODEL_TINY_CNN]) {
      const plan = planModel(spec);
      expect(findWebGpuIssues(buildSaliencyGraph(plan).graph)).toEqual([]);
      expect(findWebGpuIssues(buildIntegratedGradientsGraph(plan).graph)).toEqual([]);
    }
  });
});
