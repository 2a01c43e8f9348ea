/**
 * Gradient rules of reductions and Softmax. Reduced gradients are broadcast back with
 * Expand (static shapes) or implicitly through Mul/Where broadcasting.
 */
import { expandTo, mul, reduceSum, reshape, scale, sub, where } from '../ir/ops.js';
import { normAxis, requireStatic } from '../ir/shape-utils.js';
import { getInt, getInts } from '../ir/types.js';
import type { GradContext, GradRule } from './rule.js';
import { grad0, inputOf } from './rule.js';

interface Reduced {
  readonly g: string;
  readonly x: string;
  readonly xs: number[];
  readonly axes: number[];
  /** The gradient reshaped to the keepdims shape. */
  readonly gKeep: string;
}

function reduced(ctx: GradContext, axesFromInput: boolean): Reduced | undefined {
  const g = grad0(ctx);
  if (g === undefined || ctx.needs[0] !== true) return undefined;
  const { b } = ctx;
  const x = inputOf(ctx, 0);
  const xs = requireStatic(b.shape(x), `${ctx.node.opType} gradient`);
  let raw: readonly number[] | undefined;
  if (axesFromInput) {
    const c = ctx.node.inputs[1] ? b.constantOf(ctx.node.inputs[1]) : undefined;
    raw = c === undefined ? undefined : Array.from(c.data as ArrayLike<number>, Number);
  } else {
    raw = getInts(ctx.node.attributes, 'axes');
  }
  const axes = (raw === undefined || raw.length === 0 ? xs.map((_, i) => i) : raw).map((a) =>
    normAxis(a, xs.length),
  );
  const keepShape = xs.map((d, i) => (axes.includes(i) ? 1 : d));
  return { g, x, xs, axes, gKeep: reshape(b, g, keepShape) };
}

const reduceSumRule: GradRule = (ctx) => {
  const r = reduced(ctx, true);
  return r === undefined ? [] : [expandTo(ctx.b, r.gKeep, r.xs)];
};

const reduceMeanRule: GradRule = (ctx) => {
  const r = reduced(ctx, false);
  if (r === undefined) return [];
  const count = r.axes.reduce((n, a) => n * (r.xs[a] ?? 1), 1);
  return [expandTo(ctx.b, scale(ctx.b, r.gKeep, 1 / count), r.xs)];
};

const reduceMaxRule: GradRule = (ctx) => {
  const r = reduced(ctx, false);
  if (r === undefined) return [];
  const { b } = ctx;
  const yKeep = reshape(
    b,
    ctx.node.outputs[0] ?? '',
    r.xs.map((d, i) => (r.axes.includes(i) ? 1 : d)),
  );
  const isMax = b.op1('Equal', [r.x, yKeep]);
  return [where(b, isMax, r.gKeep, b.scalar(0))];
};

const softmaxRule: GradRule = (ctx) => {
  const g = grad0(ctx);
  const y = ctx.node.outputs[0];
  if (g === undefined || y === undefined) return [];
  const { b } = ctx;
  const axis = normAxis(getInt(ctx.node.attributes, 'axis', -1), b.shape(y).length);
  const dot = reduceSum(b, mul(b, g, y), [axis], true);
  return [mul(b, y, sub(b, g, dot))];
};

/** Gradient rules of reductions and Softmax, by op type. */
export const REDUCE_RULES: Readonly<Record<string, GradRule>> = {
  ReduceSum: reduceSumRule,
  ReduceMean: reduceMeanRule,
  ReduceMax: reduceMaxRule,
  Softmax: softmaxRule,
};
