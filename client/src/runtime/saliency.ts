/**
 * Saliency maps on any TrainingBackend (onnxruntime-node, wasm, WebGPU): for each input,
 * the model's predicted class and the gradient of that class's score with respect to the
 * input, from the compiler's saliency graph (shared: saliency-graphs.ts). Plain gradients,
 * or SmoothGrad: `samples` noisy copies per input with seeded Gaussian noise of standard
 * deviation `sigma` (drawn here, outside the graph) and the rows averaged. Everything runs
 * where it is called: a browser computes the map of its user's input on the device.
 */
import {
  EdgefedError,
  compileSaliencyGraphs,
  createPrng,
  exportInferenceModel,
  planModel,
  type TensorMap,
} from '@edgefed/shared';
import type { BackendTensor, TrainingBackend } from './backend.js';

/** Options of {@link computeSaliency}. */
export interface SaliencyOptions {
  readonly backend: TrainingBackend;
  readonly spec: unknown;
  readonly parameters: TensorMap;
  /** `n` inputs, one after another (n * input size floats). */
  readonly inputs: Float32Array;
  /** SmoothGrad instead of plain gradients. */
  readonly smoothGrad?: { readonly samples: number; readonly sigma: number; readonly seed: number };
}

/** One input's prediction and map. */
export interface SaliencyMap {
  readonly predicted: number;
  readonly probabilities: Float32Array;
  /** d score(predicted) / d input, one value per input element. */
  readonly saliency: Float32Array;
}

async function readAndDispose(out: Record<string, BackendTensor>, name: string): Promise<Float32Array> {
  const t = out[name];
  if (t === undefined) throw new EdgefedError('INVALID_MODEL', `The graph has no ${name} output`);
  const data = (await t.read()).slice();
  for (const v of Object.values(out)) v.dispose();
  return data;
}

const argmax = (v: Float32Array): number =>
  v.reduce((best, x, i) => (x > (v[best] ?? -Infinity) ? i : best), 0);

/**
 * Predictions and saliency maps of `inputs`. Throws `SHAPE_MISMATCH` when `inputs` is not
 * a whole number of inputs, `INVALID_ARGUMENT` for bad SmoothGrad settings, and what the
 * compiler and backend throw.
 */
export async function computeSaliency(o: SaliencyOptions): Promise<SaliencyMap[]> {
  const plan = planModel(o.spec);
  const inSize = plan.inputShape.reduce((a, b) => a * b, 1);
  const classes = plan.outputShape.reduce((a, b) => a * b, 1);
  if (o.inputs.length === 0 || o.inputs.length % inSize !== 0)
    throw new EdgefedError('SHAPE_MISMATCH', `${o.inputs.length} values are not whole inputs of ${inSize}`);
  const sg = o.smoothGrad;
  if (
    sg !== undefined &&
    (!Number.isInteger(sg.samples) || sg.samples < 1 || sg.samples > 256 || !(sg.sigma >= 0))
  )
    throw new EdgefedError('INVALID_ARGUMENT', 'smoothGrad needs 1-256 samples and sigma >= 0');
  const n = o.inputs.length / inSize;
  const rows = sg?.samples ?? 1;
  const inference = await o.backend.createSession(
    exportInferenceModel(o.spec, 'softmax-cross-entropy', o.parameters).onnx,
  );
  const probs = await readAndDispose(
    await inference.run({ x: o.backend.tensor(o.inputs, [n, ...plan.inputShape]) }),
    'probabilities',
  );
  await inference.release();
  const graph = compileSaliencyGraphs(o.spec, { batchSize: rows }).saliency;
  const session = await o.backend.createSession(graph.onnx);
  const feeds: Record<string, BackendTensor> = {};
  for (const p of plan.parameters) {
    const t = o.parameters.get(p.name);
    if (t === undefined) throw new EdgefedError('NAME_MISMATCH', `Missing parameter ${p.name}`);
    feeds[p.name] = o.backend.tensor(t.data as Float32Array, [...p.shape]);
  }
  const rng = createPrng(sg?.seed ?? 0);
  const out: SaliencyMap[] = [];
  for (let i = 0; i < n; i++) {
    const p = probs.slice(i * classes, (i + 1) * classes);
    const predicted = argmax(p);
    const x = new Float32Array(rows * inSize);
    const noise = new Float32Array(rows * inSize);
    const target = new Float32Array(rows * classes);
    for (let r = 0; r < rows; r++) {
      x.set(o.inputs.subarray(i * inSize, (i + 1) * inSize), r * inSize);
      target[r * classes + predicted] = 1;
      if (sg !== undefined) for (let j = 0; j < inSize; j++) noise[r * inSize + j] = sg.sigma * rng.normal();
    }
    const grads = await readAndDispose(
      await session.run({
        ...feeds,
        x: o.backend.tensor(x, [rows, ...plan.inputShape]),
        noise: o.backend.tensor(noise, [rows, ...plan.inputShape]),
        target: o.backend.tensor(target, [rows, classes]),
      }),
      'saliency',
    );
    const saliency = new Float32Array(inSize);
    for (let r = 0; r < rows; r++)
      for (let j = 0; j < inSize; j++) saliency[j] = (saliency[j] ?? 0) + (grads[r * inSize + j] ?? 0) / rows;
    out.push({ predicted, probabilities: p, saliency });
  }
  await session.release();
  return out;
}
