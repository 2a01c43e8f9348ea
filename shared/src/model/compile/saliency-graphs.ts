/**
 * Saliency graphs: why the model predicts what it predicts, as gradients of a chosen class
 * score with respect to the input, built by the same reverse-mode autodiff as training.
 *
 * - `saliency`: inputs the parameters, `x` [N, ...input], `noise` [N, ...input] and
 *   `target` [N, C] (a float one-hot row per example: which class score to explain; a
 *   float one-hot, never OneHot/Gather on int64, so the graph stays on WebGPU). The score
 *   of row n is sum_c logits[n, c] * target[n, c] at input x + noise; outputs `saliency`
 *   (its gradient w.r.t. the input, [N, ...input]) and `score` [N]. Plain gradients: feed
 *   zero noise. SmoothGrad (Smilkov et al. 2017): feed N copies of one example with
 *   Gaussian noise drawn outside the graph by a seeded PRNG (like dropout masks, since
 *   random ops leave the GPU) and average the rows.
 * - `integrated-gradients` (Sundararajan et al. 2017): inputs the parameters, `x` and
 *   `baseline` [1, ...input], `alphas` [N, 1, ..., 1] (the path points in [0, 1]) and
 *   `target` [1, C]. The graph builds the batch of interpolated inputs
 *   baseline + alpha (x - baseline), differentiates the score of each, and outputs
 *   `attribution` = (x - baseline) * mean over the batch of the gradients ([1, ...input]);
 *   with midpoints alpha_k = (k + 1/2) / N its sum approaches score(x) - score(baseline).
 *
 * Only ops on the WebGPU list (docs/training-graphs.md); `findWebGpuIssues` checks them.
 */
import { EdgefedError } from '../../errors.js';
import { addGradients } from '../autodiff/autodiff.js';
import { GraphBuilder } from '../ir/builder.js';
import { add, div, mul, reduceSum, scale, sub } from '../ir/ops.js';
import type { FloatType, GraphIR } from '../ir/types.js';
import type { GraphManifest } from './manifest.js';
import { emitPlanForward, Inputs, Outputs, type ModelPlan } from './plan.js';

/** Options of the saliency graph builders. */
export interface SaliencyGraphOptions {
  /** float64 only for gradient checks (default float32). */
  readonly floatType?: FloatType;
  /**
   * Rows N of the saliency graph, or path points N of the integrated-gradients graph
   * (default 1 and 16). Static: the autodiff needs static shapes.
   */
  readonly batchSize?: number;
}

function batchOf(o: SaliencyGraphOptions, fallback: number): number {
  const n = o.batchSize ?? fallback;
  if (!Number.isInteger(n) || n < 1 || n > 65_536)
    throw new EdgefedError(
      'INVALID_ARGUMENT',
      `batchSize must be an integer in [1, 65536], got ${String(n)}`,
    );
  return n;
}

function allAxes(rank: number): number[] {
  return Array.from({ length: rank }, (_, i) => i);
}

/** Parameters as inputs, and the summed target score of the logits at `input`. */
function scoreOf(b: GraphBuilder, ins: Inputs, plan: ModelPlan, withInput: (b: GraphBuilder) => string) {
  const params = new Map(
    plan.parameters.map((p) => [p.name, ins.add(p.name, 'parameter', p.shape)] as const),
  );
  const input = withInput(b);
  const logits = emitPlanForward(b, plan, { input, training: false, param: (p) => params.get(p.name) ?? '' });
  return { input, logits };
}

/** Builds the `saliency` graph (plain gradients and SmoothGrad); see the file comment. */
export function buildSaliencyGraph(
  plan: ModelPlan,
  options: SaliencyGraphOptions = {},
): { graph: GraphIR; manifest: GraphManifest } {
  const N = batchOf(options, 1);
  const b = new GraphBuilder({
    name: 'saliency',
    ...(options.floatType === undefined ? {} : { floatType: options.floatType }),
  });
  const ins = new Inputs(b);
  let target = '';
  const { input, logits } = scoreOf(b, ins, plan, () => {
    const x = ins.add('x', 'batch', [N, ...plan.inputShape]);
    const noise = ins.add('noise', 'batch', [N, ...plan.inputShape], {
      description: 'added to x (zeros: plain gradients; seeded Gaussian noise: SmoothGrad)',
    });
    target = ins.add('target', 'label', [N, ...plan.outputShape], {
      description: 'float one-hot of the class whose score is explained, per row',
    });
    return add(b, x, noise);
  });
  const perRow = reduceSum(b, mul(b, logits, target), allAxes(plan.outputShape.length + 1).slice(1), false);
  const total = reduceSum(b, perRow, [0], false);
  const grad = addGradients(b, total, [input]).get(input) ?? '';
  const outs = new Outputs(b);
  outs.add(grad, 'saliency', 'prediction', { description: 'd score / d input, per row' });
  outs.add(perRow, 'score', 'prediction', { description: 'the explained class score (logit), per row' });
  return {
    graph: b.build(),
    manifest: {
      kind: 'saliency',
      opset: 17,
      batchSize: N,
      stepsPerRun: 1,
      inputs: ins.entries,
      outputs: outs.entries,
    },
  };
}

/** Builds the `integrated-gradients` graph; see the file comment. */
export function buildIntegratedGradientsGraph(
  plan: ModelPlan,
  options: SaliencyGraphOptions = {},
): { graph: GraphIR; manifest: GraphManifest } {
  const N = batchOf(options, 16);
  const b = new GraphBuilder({
    name: 'integrated-gradients',
    ...(options.floatType === undefined ? {} : { floatType: options.floatType }),
  });
  const ins = new Inputs(b);
  const ones = plan.inputShape.map(() => 1);
  let x = '';
  let baseline = '';
  let target = '';
  let alphas = '';
  const { input, logits } = scoreOf(b, ins, plan, () => {
    x = ins.add('x', 'batch', [1, ...plan.inputShape]);
    baseline = ins.add('baseline', 'batch', [1, ...plan.inputShape], {
      description: 'e.g. all zeros (black)',
    });
    alphas = ins.add('alphas', 'batch', [N, ...ones], { description: 'path points in [0, 1], one per row' });
    target = ins.add('target', 'label', [1, ...plan.outputShape], { description: 'float one-hot class' });
    return add(b, baseline, mul(b, alphas, sub(b, x, baseline)));
  });
  const total = reduceSum(b, mul(b, logits, target), allAxes(plan.outputShape.length + 1), false);
  const grad = addGradients(b, total, [input]).get(input) ?? '';
  const count = reduceSum(b, add(b, scale(b, alphas, 0), b.scalar(1)), [0], true);
  const meanGrad = div(b, reduceSum(b, grad, [0], true), count);
  const outs = new Outputs(b);
  outs.add(mul(b, sub(b, x, baseline), meanGrad), 'attribution', 'prediction', {
    description: '(x - baseline) * mean path gradient',
  });
  return {
    graph: b.build(),
    manifest: {
      kind: 'integrated-gradients',
      opset: 17,
      batchSize: N,
      stepsPerRun: 1,
      inputs: ins.entries,
      outputs: outs.entries,
    },
  };
}
