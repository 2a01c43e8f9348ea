/**
 * Gradient rules of data-movement ops: Reshape-like ops, Transpose, Concat, Slice, Expand,
 * Gather (embedding lookups: the table gradient is a one-hot matrix times the output
 * gradient, built from float Equal/Where and Gemm, never from OneHot or int64 compares).
 */
import { EdgefedError } from '../../errors.js';
import { reshape, transpose, unbroadcast, where } from '../ir/ops.js';
import { normAxis, requireStatic } from '../ir/shape-utils.js';
import { attrInt, getInt, getInts } from '../ir/types.js';
import type { GradRule } from './rule.js';
import { grad0, inputOf } from './rule.js';

const reshapeLike: GradRule = (ctx) => {
  const g = grad0(ctx);
  if (g === undefined) return [];
  return [reshape(ctx.b, g, requireStatic(ctx.b.shape(inputOf(ctx, 0)), `${ctx.node.opType} gradient`))];
};

const transposeRule: GradRule = (ctx) => {
  const g = grad0(ctx);
  if (g === undefined) return [];
  const rank = ctx.b.shape(g).length;
  const perm = getInts(ctx.node.attributes, 'perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
  const inv = new Array<number>(rank).fill(0);
  perm.forEach((p, i) => (inv[p] = i));
  return [transpose(ctx.b, g, inv)];
};

const concatRule: GradRule = (ctx) => {
  const g = grad0(ctx);
  if (g === undefined) return [];
  const { b } = ctx;
  const axis = normAxis(getInt(ctx.node.attributes, 'axis', 0), b.shape(g).length);
  let offset = 0;
  return ctx.node.inputs.map((name, i) => {
    const len = requireStatic(b.shape(name), 'Concat gradient')[axis] ?? 0;
    const start = offset;
    offset += len;
    if (ctx.needs[i] !== true) return undefined;
    return b.op1('Slice', [g, b.ints([start]), b.ints([start + len]), b.ints([axis])]);
  });
};

const sliceRule: GradRule = (ctx) => {
  const g = grad0(ctx);
  if (g === undefined) return [];
  const { b } = ctx;
  const xs = requireStatic(b.shape(inputOf(ctx, 0)), 'Slice gradient');
  const read = (i: number): number[] | undefined => {
    const c = ctx.node.inputs[i] ? b.constantOf(ctx.node.inputs[i]) : undefined;
    return c === undefined ? undefined : Array.from(c.data as ArrayLike<number>, Number);
  };
  const starts = read(1) ?? [];
  const ends = read(2) ?? [];
  const axes = read(3) ?? starts.map((_, i) => i);
  if ((read(4) ?? []).some((s) => s !== 1))
    throw new EdgefedError('UNSUPPORTED_OP', 'Slice gradient needs steps of 1');
  const pads = new Array<number>(2 * xs.length).fill(0);
  axes.forEach((ax, i) => {
    const a = normAxis(ax, xs.length);
    const d = xs[a] ?? 0;
    const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + d : v, 0), d);
    const s = clamp(starts[i] ?? 0);
    pads[a] = s;
    pads[a + xs.length] = d - Math.max(s, clamp(ends[i] ?? d));
  });
  return [b.op1('Pad', [g, b.ints(pads)])];
};

const gatherRule: GradRule = (ctx) => {
  const g = grad0(ctx);
  if (g === undefined || ctx.needs[0] !== true) return [];
  const { b } = ctx;
  if (getInt(ctx.node.attributes, 'axis', 0) !== 0)
    throw new EdgefedError('UNSUPPORTED_OP', 'Gather gradient needs axis 0');
  const table = requireStatic(b.shape(inputOf(ctx, 0)), 'Gather gradient');
  const [vocab = 0, ...rest] = table;
  const width = rest.reduce((a, c) => a * c, 1);
  const range = b.floatConstant(
    [vocab],
    Array.from({ length: vocab }, (_, i) => i),
  );
  const idx = b.op1('Cast', [inputOf(ctx, 1)], { to: attrInt(b.floatType === 'float32' ? 1 : 11) });
  const hit = b.op1('Equal', [reshape(b, idx, [-1, 1]), range]);
  const onehot = where(b, hit, b.scalar(1), b.scalar(0));
  const gt = b.op1('Gemm', [onehot, reshape(b, g, [-1, width])], { transA: attrInt(1) });
  return [reshape(b, gt, table), undefined];
};

/** Gradient rules of data-movement ops, by op type. */
export const SHAPE_RULES: Readonly<Record<string, GradRule>> = {
  Reshape: reshapeLike,
  Flatten: reshapeLike,
  Squeeze: reshapeLike,
  Unsqueeze: reshapeLike,
  Transpose: transposeRule,
  Concat: concatRule,
  Slice: sliceRule,
  Gather: gatherRule,
  Expand: (ctx) => {
    const g = grad0(ctx);
    return g === undefined ? [] : [unbroadcast(ctx.b, g, ctx.b.shape(inputOf(ctx, 0)))];
  },
};
