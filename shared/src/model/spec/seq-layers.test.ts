/**
 * Finite-difference gradient checks (float64 on onnxruntime-node) of the sequence layers
 * and the sequence loss, plus their shapes, parameter names and spec validation.
 */
import { describe, expect, it } from 'vitest';
import { planModel } from '../compile/plan.js';
import { checkGradients, type CheckInput } from '../testing/grad-check.js';
import { loadOrt } from '../testing/ort-load.test.js';
import { initParameters } from './init.js';
import { emitForward } from './layers.js';
import type { LayerSpec, ModelSpec } from './model-spec.js';

/** Checks d(sum(R * f(x, params)))/d(x and every parameter) for a [T, F]-input spec. */
async function maxError(
  spec: ModelSpec,
  batch: number,
  masks: Record<string, number[]> = {},
): Promise<number> {
  const plan = planModel(spec);
  const maskInputs: CheckInput[] = plan.masks.map((m) => {
    const data = masks[m.name];
    if (data === undefined) throw new Error(`no mask data for ${m.name}`);
    return { name: m.name, shape: [batch, ...m.shape], wrt: false, data: Float64Array.from(data) };
  });
  const inputs: CheckInput[] = [
    { name: 'x', shape: [batch, ...plan.inputShape] },
    ...plan.parameters.map((p) => ({
      name: p.name,
      shape: [...p.shape],
      scale: 0.5,
      offset: p.init === 'ones' ? 1 : 0,
    })),
    ...maskInputs,
  ];
  const results = await checkGradients({
    load: loadOrt,
    inputs,
    seed: 3,
    directions: 2,
    build: (b, names) => {
      const byName = new Map(inputs.map((i, k) => [i.name, names[k] ?? ''] as const));
      return emitForward(b, plan.spec, {
        input: byName.get('x') ?? '',
        training: true,
        param: (p) => byName.get(p.name) ?? '',
        mask: (m) => byName.get(m.name),
      });
    },
  });
  expect(results).toHaveLength(2 * (1 + plan.parameters.length));
  return Math.max(...results.map((r) => r.error));
}

const seq = (t: number, f: number, layers: LayerSpec[]): ModelSpec => ({ input: { shape: [t, f] }, layers });

describe('sequence layer gradients match finite differences (float64)', () => {
  it('lstm, two stacked layers (sequences, then last state)', async () => {
    const spec = seq(4, 3, [
      { type: 'lstm', units: 5, returnSequences: true },
      { type: 'lstm', units: 4 },
    ]);
    expect(await maxError(spec, 2)).toBeLessThan(1e-6);
  });

  it('gru, two stacked layers', async () => {
    const spec = seq(4, 3, [
      { type: 'gru', units: 4, returnSequences: true },
      { type: 'gru', units: 3, returnSequences: true },
    ]);
    expect(await maxError(spec, 2)).toBeLessThan(1e-6);
  });

  it('multiHeadAttention, not causal', async () => {
    expect(await maxError(seq(3, 4, [{ type: 'multiHeadAttention', heads: 2 }]), 2)).toBeLessThan(1e-6);
  });

  it('multiHeadAttention, causal, keyDim != width / heads, attention dropout mask', async () => {
    const spec = seq(4, 6, [{ type: 'multiHeadAttention', heads: 2, keyDim: 2, causal: true, dropout: 0.5 }]);
    const mask = Array.from({ length: 2 * 2 * 4 * 4 }, (_, i) => ((i * 7) % 3 === 0 ? 0 : 1));
    expect(await maxError(spec, 2, { 'multiHeadAttention0.mask': mask })).toBeLessThan(1e-6);
  });

  it('positionalEmbedding, learned and sinusoidal', async () => {
    const spec = seq(3, 4, [
      { type: 'positionalEmbedding', kind: 'learned' },
      { type: 'positionalEmbedding', kind: 'sinusoidal' },
      { type: 'tanh' },
    ]);
    expect(await maxError(spec, 2)).toBeLessThan(1e-6);
  });

  it('transformerBlock (float32: ORT has no double Erf)', async () => {
    const plan = planModel(seq(3, 4, [{ type: 'transformerBlock', heads: 2, mlpDim: 8, causal: true }]));
    const results = await checkGradients({
      load: loadOrt,
      floatType: 'float32',
      seed: 4,
      directions: 1,
      inputs: [
        { name: 'x', shape: [2, 3, 4] },
        ...plan.parameters.map((p) => ({
          name: p.name,
          shape: [...p.shape],
          scale: 0.5,
          offset: p.init === 'ones' ? 1 : 0,
        })),
      ],
      build: (b, names) =>
        emitForward(b, plan.spec, {
          input: names[0] ?? '',
          training: true,
          param: (p) => names[plan.parameters.findIndex((q) => q.name === p.name) + 1] ?? '',
        }),
    });
    expect(Math.max(...results.map((r) => r.error))).toBeLessThan(1e-2);
  });
});

describe('sequence layer parameters, masks and validation', () => {
  it('lstm / gru / mha parameters carry PyTorch names, shapes and initialisation', () => {
    const plan = planModel(
      seq(5, 3, [
        { type: 'lstm', units: 4, returnSequences: true },
        { type: 'gru', units: 6, returnSequences: true },
        { type: 'multiHeadAttention', heads: 2, dropout: 0.1, name: 'attn' },
      ]),
    );
    expect(plan.parameters.map((p) => `${p.name}:${p.shape.join('x')}`)).toEqual([
      'lstm0.weight_ih:16x3',
      'lstm0.weight_hh:16x4',
      'lstm0.bias_ih:16',
      'lstm0.bias_hh:16',
      'gru0.weight_ih:18x4',
      'gru0.weight_hh:18x6',
      'gru0.bias_ih:18',
      'gru0.bias_hh:18',
      'attn.in_proj_weight:18x6',
      'attn.in_proj_bias:18',
      'attn.out_proj.weight:6x6',
      'attn.out_proj.bias:6',
    ]);
    expect(plan.masks).toEqual([{ name: 'attn.mask', layer: 'attn', shape: [2, 5, 5], rate: 0.1 }]);
    expect(plan.outputShape).toEqual([5, 6]);
    const values = initParameters(plan.parameters, 1);
    const bound = (name: string): number => Math.max(...Array.from(values.get(name)?.data ?? [], Math.abs));
    expect(bound('lstm0.weight_hh')).toBeLessThanOrEqual(0.5);
    expect(bound('lstm0.bias_ih')).toBeGreaterThan(0.25);
    expect(bound('gru0.weight_ih')).toBeLessThanOrEqual(1 / Math.sqrt(6));
    expect(bound('attn.in_proj_weight')).toBeLessThanOrEqual(Math.sqrt(6 / 24));
    expect(bound('attn.in_proj_bias')).toBe(0);
  });

  it('returnSequences false gives the last state; transformerBlock names its sub-layers', () => {
    expect(planModel(seq(5, 3, [{ type: 'gru', units: 4 }])).outputShape).toEqual([4]);
    const plan = planModel(seq(4, 8, [{ type: 'transformerBlock', heads: 2, dropout: 0.1, causal: true }]));
    expect(plan.masks.map((m) => `${m.name}:${m.shape.join('x')}`)).toEqual([
      'transformerBlock0.attn.mask:2x4x4',
      'transformerBlock0.drop1.mask:4x8',
      'transformerBlock0.drop2.mask:4x8',
    ]);
    expect(plan.parameters.map((p) => p.name)).toContain('transformerBlock0.fc1.weight');
    expect(plan.parameters.find((p) => p.name === 'transformerBlock0.fc1.weight')?.shape).toEqual([32, 8]);
  });

  it('rejects a rank-2 input and heads that do not divide the width', () => {
    expect(() => planModel({ input: { shape: [5] }, layers: [{ type: 'lstm', units: 3 }] })).toThrow(
      expect.objectContaining({ code: 'INVALID_MODEL' }),
    );
    expect(() => planModel(seq(4, 6, [{ type: 'multiHeadAttention', heads: 4 }]))).toThrow(
      expect.objectContaining({ code: 'INVALID_MODEL' }),
    );
    const rotary = { input: { shape: [4, 6] }, layers: [{ type: 'positionalEmbedding', kind: 'rotary' }] };
    expect(() => planModel(rotary)).toThrow(expect.objectContaining({ code: 'INVALID_MODEL' }));
  });
});
