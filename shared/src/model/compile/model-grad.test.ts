import { describe, expect, it } from 'vitest';
import type { FloatType } from '../ir/types.js';
import { emitForward } from '../spec/layers.js';
import type { ModelSpec } from '../spec/model-spec.js';
import { fedAvgCnn, MODEL_2NN } from '../spec/presets.js';
import { checkGradients, type CheckInput } from '../testing/grad-check.js';
import { loadOrt } from '../testing/ort-load.test.js';
import { emitLoss } from './losses.js';
import { planModel } from './plan.js';

const TEXT: ModelSpec = {
  input: { shape: [5] },
  layers: [
    { type: 'embedding', vocabSize: 7, dim: 6, name: 'emb' },
    { type: 'layerNorm', name: 'ln' },
    { type: 'dense', units: 6 },
    { type: 'gelu' },
    { type: 'add', inputs: ['ln', 'gelu0'] },
    { type: 'flatten' },
    { type: 'dense', units: 3 },
  ],
};

/** Whole-model gradient check: forward pass + softmax cross-entropy, w.r.t. every parameter. */
async function checkModel(
  spec: ModelSpec,
  batch: number,
  floatType: FloatType,
  xData?: Float32Array | Float64Array,
  step?: number,
): Promise<number> {
  const plan = planModel(spec);
  const classes = plan.outputShape[0] ?? 1;
  const labels = new Float64Array(batch * classes);
  for (let i = 0; i < batch; i++) labels[i * classes + (i % classes)] = 1;
  const inputs: CheckInput[] = [
    {
      name: 'x',
      shape: [batch, ...plan.inputShape],
      wrt: xData === undefined,
      ...(xData ? { data: xData } : {}),
    },
    {
      name: 'y',
      shape: [batch, classes],
      wrt: false,
      data: floatType === 'float32' ? Float32Array.from(labels) : labels,
    },
    // Parameters at a realistic scale (~He) so activations stay O(1) and float32 differences are accurate.
    ...plan.parameters.map((p) => ({
      name: p.name,
      shape: [...p.shape],
      scale: p.init === 'he' || p.init === 'glorot' ? Math.sqrt(2 / p.fanIn) : 0.1,
      offset: p.init === 'ones' ? 1 : 0,
    })),
  ];
  const results = await checkGradients({
    load: loadOrt,
    inputs,
    floatType,
    seed: 5,
    directions: 1,
    ...(step === undefined ? {} : { step }),
    build: (b, names) => {
      const params = new Map(plan.parameters.map((p, i) => [p.name, names[i + 2] ?? ''] as const));
      const logits = emitForward(b, plan.spec, {
        input: names[0] ?? '',
        training: true,
        param: (p) => params.get(p.name) ?? '',
      });
      return emitLoss(b, 'softmax-cross-entropy', logits, names[1] ?? '').perExample;
    },
  });
  expect(results).toHaveLength(inputs.filter((i) => i.wrt !== false).length);
  return Math.max(...results.map((r) => r.error));
}

describe('whole-model gradients match finite differences', () => {
  it('2nn (float64)', async () => {
    expect(await checkModel(MODEL_2NN, 3, 'float64')).toBeLessThan(1e-6);
  });

  it('cnn on 8x8 input (float32: ORT has no double Conv; float32 rounding and ReLU/max kinks limit the match)', async () => {
    expect(await checkModel(fedAvgCnn(8), 2, 'float32', undefined, 1e-3)).toBeLessThan(3e-2);
  });

  it('embedding + layerNorm + GELU + residual (float32)', async () => {
    const ids = Float32Array.from([0, 3, 6, 2, 2, 1, 5, 4, 0, 6]);
    expect(await checkModel(TEXT, 2, 'float32', ids)).toBeLessThan(1e-2);
  });
});
