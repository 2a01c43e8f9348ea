/**
 * The contract of one gradient rule: given a forward node and the gradients of its
 * outputs, emit (into the same builder) the gradients of the inputs that need one.
 */
import type { GraphBuilder } from '../ir/builder.js';
import type { NodeIR } from '../ir/types.js';

/** What a gradient rule sees. */
export interface GradContext {
  readonly b: GraphBuilder;
  readonly node: NodeIR;
  /** Gradient of each output; `undefined` where no gradient flows. */
  readonly gradOut: readonly (string | undefined)[];
  /** Per input: whether a gradient is wanted (skip work for the others). */
  readonly needs: readonly boolean[];
}

/**
 * A gradient rule. Returns one entry per input: the gradient value (shaped like the input)
 * or `undefined`. Rules emit only standard ONNX ops that run on onnxruntime-web's WebGPU
 * provider and throw `UNSUPPORTED_OP` for attribute combinations they do not handle.
 */
export type GradRule = (ctx: GradContext) => (string | undefined)[];

/** The gradient of output 0; rules call this when only output 0 is differentiable. */
export function grad0(ctx: GradContext): string | undefined {
  return ctx.gradOut[0];
}

/** Name of input `i` (empty string when an optional input is absent). */
export function inputOf(ctx: GradContext, i: number): string {
  return ctx.node.inputs[i] ?? '';
}
