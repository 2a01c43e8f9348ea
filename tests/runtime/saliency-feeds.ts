/**
 * Feeds of the saliency-graph WebGPU test, built the same way in the page and in Node:
 * seeded parameters of a small CNN, one synthetic digit, zero or seeded SmoothGrad noise, a
 * one-hot target, and integrated-gradients path points; and the attention graph (mean over
 * heads) of a small causal transformer with seeded parameters and token ids.
 */
import {
  compileAttentionGraph,
  compileSaliencyGraphs,
  createPrng,
  initParameters,
  planModel,
  type ModelSpec,
} from '@edgefed/shared';

/** A small CNN with the layer kinds of tiny-cnn (conv, ReLU, max pool, dense), 8x8 input. */
export const SALIENCY_CNN: ModelSpec = {
  input: { shape: [1, 8, 8] },
  layers: [
    { type: 'conv2d', filters: 4, kernelSize: 3, padding: 'same' },
    { type: 'relu' },
    { type: 'maxPool2d', poolSize: 2 },
    { type: 'flatten' },
    { type: 'dense', units: 10 },
  ],
};
const PIXELS = 64;

/** A small causal transformer (embedding, learned positions, one pre-LN block, 2 heads). */
export const ATTENTION_MODEL: ModelSpec = {
  input: { shape: [6] },
  layers: [
    { type: 'embedding', vocabSize: 9, dim: 8 },
    { type: 'positionalEmbedding', kind: 'learned' },
    { type: 'transformerBlock', heads: 2, mlpDim: 16, causal: true },
    { type: 'layerNorm' },
    { type: 'dense', units: 9 },
  ],
};

function plainParams(spec: ModelSpec, seed: number): Record<string, Plain> {
  const out: Record<string, Plain> = {};
  for (const [name, t] of initParameters(planModel(spec).parameters, seed))
    out[name] = { dims: [...t.shape], data: t.data as Float32Array };
  return out;
}

/** A tensor as plain data (crosses the page boundary as JSON). */
export interface Plain {
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

/** Graph name -> ONNX bytes and feeds. */
export function saliencyCases(): Record<string, { onnx: Uint8Array; feeds: Record<string, Plain> }> {
  const plan = planModel(SALIENCY_CNN);
  const graphs = compileSaliencyGraphs(SALIENCY_CNN, { batchSize: 2, steps: 4 });
  const params: Record<string, Plain> = {};
  for (const [name, t] of initParameters(plan.parameters, 3))
    params[name] = { dims: [...t.shape], data: t.data as Float32Array };
  const rng = createPrng(9);
  const digit = Float32Array.from({ length: PIXELS }, (_, i) =>
    ((i % 8) - 4) ** 2 + (Math.floor(i / 8) - 4) ** 2 < 9 ? 1 : 0,
  );
  const two = new Float32Array(2 * PIXELS);
  two.set(digit, 0);
  two.set(digit, PIXELS);
  const noise = Float32Array.from({ length: 2 * PIXELS }, (_, i) => (i < PIXELS ? 0 : 0.2 * rng.normal()));
  const target = new Float32Array(20);
  target[3] = 1;
  target[13] = 1;
  const oneTarget = new Float32Array(10);
  oneTarget[3] = 1;
  return {
    saliency: {
      onnx: graphs.saliency.onnx,
      feeds: {
        ...params,
        x: { dims: [2, 1, 8, 8], data: two },
        noise: { dims: [2, 1, 8, 8], data: noise },
        target: { dims: [2, 10], data: target },
      },
    },
    attention: {
      onnx: compileAttentionGraph(ATTENTION_MODEL, { head: 'mean' }).onnx,
      feeds: {
        ...plainParams(ATTENTION_MODEL, 5),
        x: { dims: [2, 6], data: Float32Array.from([1, 4, 2, 8, 0, 3, 5, 5, 7, 6, 2, 1]) },
      },
    },
    'integrated-gradients': {
      onnx: graphs.integratedGradients.onnx,
      feeds: {
        ...params,
        x: { dims: [1, 1, 8, 8], data: digit },
        baseline: { dims: [1, 1, 8, 8], data: new Float32Array(PIXELS) },
        alphas: { dims: [4, 1, 1, 1], data: Float32Array.from({ length: 4 }, (_, k) => (k + 0.5) / 4) },
        target: { dims: [1, 10], data: oneTarget },
      },
    },
  };
}
