/**
 * The attention graph on onnxruntime-node: its `attention` output matches PyTorch's
 * `nn.MultiheadAttention` weights per head (need_weights, average_attn_weights=False; the
 * mha-causal fixture of make_seq_fixtures.py) and their mean over heads; rows sum to 1 and
 * the causal mask zeroes every later key; the logits are the inference model's; layers are
 * found by name or block; every graph is WebGPU-clean; bad requests fail with codes.
 */
import { describe, expect, it } from 'vitest';
import { decodeModel } from '../onnx/codec.js';
import type { ModelSpec } from '../spec/model-spec.js';
import { initParameters } from '../spec/init.js';
import mhaCausal from '../testing/fixtures/mha-causal.json' with { type: 'json' };
import type { HostTensor } from '../testing/grad-check.js';
import { f32, loadOrt } from '../testing/ort-load.test.js';
import { listAttentionLayers } from './attention-graph.js';
import { compileAttentionGraph, exportInferenceModel } from './compile-model.js';
import { planModel } from './plan.js';
import { findWebGpuIssues } from './webgpu-check.js';

const [B, H, T] = mhaCausal.attention.shape as [number, number, number, number];

/** Two causal pre-LN blocks over tokens, like the keyboard example's model. */
const TWO_BLOCKS: ModelSpec = {
  input: { shape: [5] },
  layers: [
    { type: 'embedding', vocabSize: 7, dim: 8 },
    { type: 'positionalEmbedding', kind: 'learned' },
    { type: 'transformerBlock', heads: 2, mlpDim: 16, causal: true },
    { type: 'transformerBlock', heads: 2, mlpDim: 16, causal: true },
    { type: 'layerNorm' },
    { type: 'dense', units: 7 },
  ],
};

async function runFixture(head: number | 'mean'): Promise<Record<string, HostTensor>> {
  const graph = compileAttentionGraph(mhaCausal.spec, { layer: 'attn', head });
  const run = await loadOrt(graph.onnx);
  const feeds: Record<string, HostTensor> = { x: f32(mhaCausal.x.shape, mhaCausal.x.data) };
  for (const [name, p] of Object.entries(mhaCausal.params)) feeds[name] = f32(p.shape, p.data);
  return run(feeds);
}

/** PyTorch's weights of `head` (or the mean over heads) as [B, T, T]. */
function torchWeights(head: number | 'mean'): number[] {
  const w = mhaCausal.attention.data;
  const out: number[] = [];
  for (let b = 0; b < B; b++)
    for (let k = 0; k < T * T; k++) {
      const at = (h: number): number => w[(b * H + h) * T * T + k] ?? Number.NaN;
      out.push(
        head === 'mean' ? Array.from({ length: H }, (_, h) => at(h)).reduce((a, v) => a + v) / H : at(head),
      );
    }
  return out;
}

function expectRowsAndMask(weights: ArrayLike<number>, batch: number, t: number): void {
  for (let b = 0; b < batch; b++)
    for (let i = 0; i < t; i++) {
      let sum = 0;
      for (let j = 0; j < t; j++) {
        const w = weights[(b * t + i) * t + j] ?? Number.NaN;
        if (j > i) expect(w).toBe(0);
        else expect(w).toBeGreaterThan(0);
        sum += w;
      }
      expect(sum).toBeCloseTo(1, 5);
    }
}

describe('compileAttentionGraph', () => {
  it.each([0, 1, 'mean'] as const)('head %s matches PyTorch nn.MultiheadAttention weights', async (head) => {
    const out = await runFixture(head);
    expect(out.attention?.shape).toEqual([B, T, T]);
    const got = Array.from(out.attention?.data ?? []);
    const want = torchWeights(head);
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i] ?? Number.NaN, 5));
    expectRowsAndMask(got, B, T);
    // Same forward pass: the logits are PyTorch's too.
    Array.from(out.logits?.data ?? []).forEach((v, i) =>
      expect(v).toBeCloseTo(mhaCausal.logits.data[i] ?? Number.NaN, 4),
    );
  });

  it('picks a transformer block by name (default: the last), bakes parameters in, stays on WebGPU', async () => {
    const plan = planModel(TWO_BLOCKS);
    expect(listAttentionLayers(plan)).toEqual([
      { layer: 'transformerBlock0.attn', heads: 2, length: 5, causal: true },
      { layer: 'transformerBlock1.attn', heads: 2, length: 5, causal: true },
    ]);
    const params = initParameters(plan.parameters, 3);
    const x = f32([2, 5], [0, 3, 6, 1, 2, 5, 5, 4, 0, 1]);
    const reference = await (
      await loadOrt(exportInferenceModel(TWO_BLOCKS, 'softmax-cross-entropy', params).onnx)
    )({ x });
    const first = compileAttentionGraph(TWO_BLOCKS, { layer: 'transformerBlock0', head: 'mean' }, params);
    const last = compileAttentionGraph(TWO_BLOCKS, {}, params);
    expect(first.layer.layer).toBe('transformerBlock0.attn');
    expect(last.layer.layer).toBe('transformerBlock1.attn');
    expect(last.manifest.outputs.map((o) => [o.name, o.shape])).toEqual([
      ['logits', ['N', 5, 7]],
      ['probabilities', ['N', 5, 7]],
      ['attention', ['N', 5, 5]],
    ]);
    expect(last.manifest.inputs.map((i) => i.name)).toEqual(['x']);
    const a = await (await loadOrt(first.onnx))({ x });
    const b = await (await loadOrt(last.onnx))({ x });
    expectRowsAndMask(a.attention?.data ?? [], 2, 5);
    expectRowsAndMask(b.attention?.data ?? [], 2, 5);
    expect(Array.from(a.attention?.data ?? [])).not.toEqual(Array.from(b.attention?.data ?? []));
    for (const out of [a, b])
      Array.from(out.logits?.data ?? []).forEach((v, i) =>
        expect(v).toBeCloseTo(reference.logits?.data[i] ?? Number.NaN, 5),
      );
    for (const g of [first, last, compileAttentionGraph(TWO_BLOCKS, { head: 1 })])
      expect(findWebGpuIssues(decodeModel(g.onnx).graph)).toEqual([]);
  });

  it('rejects models without attention, unknown layers and heads out of range', () => {
    const mlp: ModelSpec = { input: { shape: [3] }, layers: [{ type: 'dense', units: 2 }] };
    expect(listAttentionLayers(planModel(mlp))).toEqual([]);
    expect(() => compileAttentionGraph(mlp)).toThrow(expect.objectContaining({ code: 'INVALID_MODEL' }));
    expect(() => compileAttentionGraph(TWO_BLOCKS, { layer: 'dense0' })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    for (const head of [2, -1, 0.5])
      expect(() => compileAttentionGraph(TWO_BLOCKS, { head })).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
      );
  });
});
