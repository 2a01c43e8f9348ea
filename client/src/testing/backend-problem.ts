/**
 * The fixed problem of the backend conformance suite: softmax regression (one dense layer,
 * 4 features -> 3 classes, batch 4) compiled by edgefed's own compiler, seeded data whose
 * labels a linear model can learn, and a float64 reference of the same SGD steps and
 * evaluation written out by hand, independent of every runtime.
 */
import { compileModel, createPrng, initParameters, type CompiledModel } from '@edgefed/shared';

/** Features per example. */
export const FEATURES = 4;
/** Classes. */
export const CLASSES = 3;
/** Rows of one training batch. */
export const BATCH = 4;

/** The one-layer model every backend trains. */
export const PROBLEM_SPEC = {
  name: 'backend-conformance',
  input: { shape: [FEATURES] },
  layers: [{ type: 'dense', units: CLASSES }],
} as const;

/** Parameters of the problem: `weight` [CLASSES, FEATURES] (row = class), `bias` [CLASSES]. */
export interface ProblemParameters {
  readonly weight: Float64Array;
  readonly bias: Float64Array;
}

/** Seeded examples: `x` [n, FEATURES], one-hot `y` [n, CLASSES], class indices `labels`. */
export interface ProblemBatch {
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly labels: readonly number[];
}

/** Compiles the problem (SGD, softmax cross-entropy, batch {@link BATCH}). */
export function compileProblem(): CompiledModel {
  return compileModel(PROBLEM_SPEC, {
    loss: 'softmax-cross-entropy',
    optimizer: { type: 'sgd' },
    batchSize: BATCH,
  });
}

/** The seeded initial parameters (edgefed's glorot/zeros init). */
export function initialParameters(model: CompiledModel): ProblemParameters {
  const init = initParameters(model.parameters, 3);
  const weight = init.get('dense0.weight')?.data;
  const bias = init.get('dense0.bias')?.data;
  if (weight === undefined || bias === undefined)
    throw new Error('backend conformance: no dense0 parameters');
  return { weight: Float64Array.from(weight), bias: Float64Array.from(bias) };
}

/** `n` seeded examples labelled by a fixed linear teacher (learnable by the model). */
export function problemBatch(n: number, seed: number): ProblemBatch {
  const rng = createPrng(seed);
  const teacher = [1.5, -1, 0.5, 0, -0.5, 1, -1, 0.5, 0, 0.5, 1, -1.5];
  const x = Float32Array.from({ length: n * FEATURES }, () => rng.nextFloat() * 2 - 1);
  const y = new Float32Array(n * CLASSES);
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const logits = teacherLogits(teacher, x, i);
    const label = logits.indexOf(Math.max(...logits));
    labels.push(label);
    y[i * CLASSES + label] = 1;
  }
  return { x, y, labels };
}

function teacherLogits(w: readonly number[], x: Float32Array, row: number): number[] {
  return Array.from({ length: CLASSES }, (_, c) => {
    let s = 0;
    for (let f = 0; f < FEATURES; f++) s += (w[c * FEATURES + f] ?? 0) * (x[row * FEATURES + f] ?? 0);
    return s;
  });
}

/** Class probabilities of row `row` under `p`, in float64. */
function probabilities(p: ProblemParameters, x: Float32Array, row: number): number[] {
  const logits = Array.from({ length: CLASSES }, (_, c) => {
    let s = p.bias[c] ?? 0;
    for (let f = 0; f < FEATURES; f++) s += (p.weight[c * FEATURES + f] ?? 0) * (x[row * FEATURES + f] ?? 0);
    return s;
  });
  const max = Math.max(...logits);
  const exps = logits.map((l) => Math.exp(l - max));
  const sum = exps.reduce((a, v) => a + v, 0);
  return exps.map((e) => e / sum);
}

/** Loss sum, correct rows and row count over the rows whose `mask` is 1. */
export function referenceEvaluate(
  p: ProblemParameters,
  batch: ProblemBatch,
  mask: ArrayLike<number>,
): { lossSum: number; correct: number; count: number } {
  let lossSum = 0;
  let correct = 0;
  let count = 0;
  batch.labels.forEach((label, i) => {
    if ((mask[i] ?? 0) === 0) return;
    const probs = probabilities(p, batch.x, i);
    lossSum -= Math.log(probs[label] ?? Number.NaN);
    if (probs.indexOf(Math.max(...probs)) === label) correct++;
    count++;
  });
  return { lossSum, correct, count };
}

/**
 * One SGD step on a full batch (every row real): returns the mean loss before the update
 * and the updated parameters, `w - lr * dL/dw` with `dL/dlogits = (softmax - onehot) / n`.
 */
export function referenceStep(
  p: ProblemParameters,
  batch: ProblemBatch,
  lr: number,
): { loss: number; next: ProblemParameters } {
  const n = batch.labels.length;
  const weight = Float64Array.from(p.weight);
  const bias = Float64Array.from(p.bias);
  let loss = 0;
  batch.labels.forEach((label, i) => {
    const probs = probabilities(p, batch.x, i);
    loss -= Math.log(probs[label] ?? Number.NaN) / n;
    for (let c = 0; c < CLASSES; c++) {
      const g = ((probs[c] ?? 0) - (c === label ? 1 : 0)) / n;
      bias[c] = (bias[c] ?? 0) - lr * g;
      for (let f = 0; f < FEATURES; f++) {
        const k = c * FEATURES + f;
        weight[k] = (weight[k] ?? 0) - lr * g * (batch.x[i * FEATURES + f] ?? 0);
      }
    }
  });
  return { loss, next: { weight, bias } };
}
