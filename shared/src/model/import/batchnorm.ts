/**
 * BatchNormalization of an imported model (NCHW, channel axis 1), written with elementwise
 * ops and ReduceMean so autodiff differentiates it and WebGPU runs it. Training graphs
 * normalise with the batch statistics and emit the running-stat update PyTorch makes:
 * running = (1 - m) * running + m * batch, with the unbiased variance (m = 1 - the ONNX
 * `momentum` attribute). Other graphs normalise with the running statistics.
 */
import { EdgefedError } from '../../errors.js';
import type { GraphBuilder } from '../ir/builder.js';
import { add, div, mul, reshape, scale, sub } from '../ir/ops.js';
import { attrInt, attrInts, getFloat, type NodeIR } from '../ir/types.js';

/** The BatchNormalization inputs and where its running statistics go. */
export interface BatchNormArgs {
  readonly b: GraphBuilder;
  readonly node: NodeIR;
  /** Values of X, scale, B, input_mean, input_var. */
  readonly inputs: readonly [string, string, string, string, string];
  readonly training: boolean;
  /** Receives the updated running mean / var (training graphs; absent for frozen stats). */
  readonly update?: ((which: 'mean' | 'var', value: string) => void) | undefined;
}

/** Emits one BatchNormalization; returns its output Y. */
export function emitBatchNorm(a: BatchNormArgs): string {
  const { b, node } = a;
  const [x, gamma, beta, runMean, runVar] = a.inputs;
  const shape = b.shape(x);
  const c = shape[1];
  if (typeof c !== 'number' || shape.length < 2)
    throw new EdgefedError('INVALID_MODEL', `BatchNormalization ${node.name}: needs a static channel axis 1`);
  const eps = getFloat(node.attributes, 'epsilon', 1e-5);
  const momentum = 1 - getFloat(node.attributes, 'momentum', 0.9);
  const bshape = shape.map((_, i) => (i === 1 ? c : 1));
  const axes = shape.map((_, i) => i).filter((i) => i !== 1);
  const perChannel = (v: string): string => reshape(b, v, bshape);
  let mean: string;
  let variance: string;
  let centered: string;
  if (a.training) {
    const reduceMean = (v: string): string =>
      b.op1('ReduceMean', [v], { axes: attrInts(axes), keepdims: attrInt(1) });
    mean = reduceMean(x);
    centered = sub(b, x, mean);
    variance = reduceMean(mul(b, centered, centered));
    if (a.update !== undefined) emitRunningUpdate(a, mean, variance, momentum);
  } else {
    mean = perChannel(runMean);
    variance = perChannel(runVar);
    centered = sub(b, x, mean);
  }
  const inv = div(b, b.scalar(1), b.op1('Sqrt', [add(b, variance, b.scalar(eps))]));
  return add(b, mul(b, mul(b, centered, inv), perChannel(gamma)), perChannel(beta));
}

function emitRunningUpdate(a: BatchNormArgs, mean: string, variance: string, m: number): void {
  const { b } = a;
  const shape = b.shape(a.inputs[0]);
  const c = Number(shape[1]);
  const n = shape.reduce<number>((acc, d, i) => (i === 1 ? acc : acc * Number(d)), 1);
  if (!Number.isFinite(n))
    throw new EdgefedError(
      'INVALID_MODEL',
      `BatchNormalization ${a.node.name}: training needs static shapes`,
    );
  // Not on the loss path, so no gradient flows through the update (no stopGradient needed:
  // it would also cut the gradient through the batch statistics).
  const blend = (running: string, batch: string): string =>
    add(b, scale(b, running, 1 - m), scale(b, reshape(b, batch, [c]), m));
  a.update?.('mean', blend(a.inputs[3], mean));
  const unbiased = scale(b, variance, n > 1 ? n / (n - 1) : 1);
  a.update?.('var', blend(a.inputs[4], unbiased));
}
