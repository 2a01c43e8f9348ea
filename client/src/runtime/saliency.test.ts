/**
 * computeSaliency on onnxruntime-node: the prediction matches the trainer's inference, the
 * map is the gradient of the predicted class's logit (checked by finite differences on a
 * linear model, where it is exactly that class's weight row; weights are [out, in]), and SmoothGrad with zero
 * noise equals plain gradients while seeded noise is reproducible.
 */
import { initParameters, planModel, type ModelSpec, type TensorMap } from '@edgefed/shared';
import { describe, expect, it } from 'vitest';
import { createNodeBackend } from './node-backend.js';
import { computeSaliency } from './saliency.js';

const LINEAR: ModelSpec = { input: { shape: [5] }, layers: [{ type: 'dense', units: 3 }] };
const MLP: ModelSpec = {
  input: { shape: [5] },
  layers: [{ type: 'dense', units: 6 }, { type: 'tanh' }, { type: 'dense', units: 3 }],
};

function params(spec: ModelSpec, seed: number): TensorMap {
  return initParameters(planModel(spec).parameters, seed);
}

describe('computeSaliency', () => {
  it('gives the predicted class and its weight row for a linear model', async () => {
    const backend = await createNodeBackend({ intraOpNumThreads: 1 });
    const p = params(LINEAR, 4);
    const inputs = Float32Array.from([1, 0, -1, 0.5, 2, -2, 1, 0, 1, -1]);
    const maps = await computeSaliency({ backend, spec: LINEAR, parameters: p, inputs });
    expect(maps).toHaveLength(2);
    const w = p.get('dense0.weight')?.data ?? new Float32Array();
    const b = p.get('dense0.bias')?.data ?? new Float32Array();
    maps.forEach((m, i) => {
      const logits = [0, 1, 2].map(
        (c) =>
          (b[c] ?? 0) +
          [0, 1, 2, 3, 4].reduce((a, j) => a + (inputs[i * 5 + j] ?? 0) * (w[c * 5 + j] ?? 0), 0),
      );
      const best = logits.indexOf(Math.max(...logits));
      expect(m.predicted).toBe(best);
      expect(m.probabilities.reduce((a, v) => a + v, 0)).toBeCloseTo(1, 5);
      [...m.saliency].forEach((g, j) => expect(g).toBeCloseTo(w[best * 5 + j] ?? NaN, 6));
    });
  });

  it('SmoothGrad: zero noise is plain gradients; seeded noise repeats and differs', async () => {
    const backend = await createNodeBackend({ intraOpNumThreads: 1 });
    const p = params(MLP, 9);
    const inputs = Float32Array.from([0.3, -0.2, 0.5, 1, -1]);
    const plain = await computeSaliency({ backend, spec: MLP, parameters: p, inputs });
    const zero = await computeSaliency({
      backend,
      spec: MLP,
      parameters: p,
      inputs,
      smoothGrad: { samples: 4, sigma: 0, seed: 1 },
    });
    [...zero[0]!.saliency].forEach((v, j) => expect(v).toBeCloseTo(plain[0]!.saliency[j] ?? NaN, 6));
    const a = await computeSaliency({
      backend,
      spec: MLP,
      parameters: p,
      inputs,
      smoothGrad: { samples: 8, sigma: 0.5, seed: 2 },
    });
    const b = await computeSaliency({
      backend,
      spec: MLP,
      parameters: p,
      inputs,
      smoothGrad: { samples: 8, sigma: 0.5, seed: 2 },
    });
    expect([...a[0]!.saliency]).toEqual([...b[0]!.saliency]);
    expect([...a[0]!.saliency]).not.toEqual([...plain[0]!.saliency]);
    await expect(
      computeSaliency({ backend, spec: MLP, parameters: p, inputs: new Float32Array(3) }),
    ).rejects.toMatchObject({
      code: 'SHAPE_MISMATCH',
    });
  });
});
