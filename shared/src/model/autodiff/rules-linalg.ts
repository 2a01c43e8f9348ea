/**
 * Gradient rules of MatMul and Gemm. Weight gradients of 2-D right operands use Gemm with
 * transA/transB so no Transpose node is needed (the fast path for Dense layers).
 */
import { EdgefedError } from '../../errors.js';
import { reshape, scale, transpose, unbroadcast } from '../ir/ops.js';
import { requireStatic } from '../ir/shape-utils.js';
import { attrFloat, attrInt, getFloat, getInt } from '../ir/types.js';
import type { GradContext, GradRule } from './rule.js';
import { grad0, inputOf } from './rule.js';

function swapLast(rank: number): number[] {
  const p = Array.from({ length: rank }, (_, i) => i);
  p[rank - 2] = rank - 1;
  p[rank - 1] = rank - 2;
  return p;
}

function gemm(
  ctx: GradContext,
  a: string,
  c: string,
  opts: { transA?: boolean; transB?: boolean; alpha?: number },
): string {
  const attrs: Record<string, ReturnType<typeof attrInt>> = {};
  if (opts.transA === true) attrs.transA = attrInt(1);
  if (opts.transB === true) attrs.transB = attrInt(1);
  if (opts.alpha !== undefined && opts.alpha !== 1) attrs.alpha = attrFloat(opts.alpha);
  return ctx.b.op1('Gemm', [a, c], attrs);
}

const matmulRule: GradRule = (ctx) => {
  const g = grad0(ctx);
  if (g === undefined) return [];
  const { b } = ctx;
  const a = inputOf(ctx, 0);
  const w = inputOf(ctx, 1);
  const as = requireStatic(b.shape(a), 'MatMul gradient');
  const ws = requireStatic(b.shape(w), 'MatMul gradient');
  if (as.length < 2 || ws.length < 2)
    throw new EdgefedError('UNSUPPORTED_OP', 'MatMul gradient needs operands of rank >= 2');
  let ga: string | undefined;
  let gw: string | undefined;
  if (ws.length === 2) {
    const [k, m] = ws as [number, number];
    if (ctx.needs[0])
      ga =
        as.length === 2 ? gemm(ctx, g, w, { transB: true }) : b.op1('MatMul', [g, transpose(b, w, [1, 0])]);
    if (ctx.needs[1]) gw = gemm(ctx, reshape(b, a, [-1, k]), reshape(b, g, [-1, m]), { transA: true });
  } else {
    if (ctx.needs[0]) ga = unbroadcast(b, b.op1('MatMul', [g, transpose(b, w, swapLast(ws.length))]), as);
    if (ctx.needs[1]) gw = unbroadcast(b, b.op1('MatMul', [transpose(b, a, swapLast(as.length)), g]), ws);
  }
  return [ga, gw];
};

const gemmRule: GradRule = (ctx) => {
  const g = grad0(ctx);
  if (g === undefined) return [];
  const at = ctx.node.attributes;
  const tA = getInt(at, 'transA', 0) === 1;
  const tB = getInt(at, 'transB', 0) === 1;
  const alpha = getFloat(at, 'alpha', 1);
  const beta = getFloat(at, 'beta', 1);
  const a = inputOf(ctx, 0);
  const w = inputOf(ctx, 1);
  let ga: string | undefined;
  let gw: string | undefined;
  if (ctx.needs[0]) {
    ga = tA ? gemm(ctx, w, g, { transA: tB, transB: true, alpha }) : gemm(ctx, g, w, { transB: !tB, alpha });
  }
  if (ctx.needs[1]) {
    gw = tB ? gemm(ctx, g, a, { transA: true, transB: tA, alpha }) : gemm(ctx, a, g, { transA: !tA, alpha });
  }
  const c = inputOf(ctx, 2);
  const gc =
    ctx.needs[2] === true && c !== '' ? unbroadcast(ctx.b, scale(ctx.b, g, beta), ctx.b.shape(c)) : undefined;
  return [ga, gw, gc];
};

/** Gradient rules of matrix products, by op type. */
export const LINALG_RULES: Readonly<Record<string, GradRule>> = { MatMul: matmulRule, Gemm: gemmRule };
