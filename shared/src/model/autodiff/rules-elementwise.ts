/**
 * Gradient rules of elementwise ops. Binary ops reduce their gradients over broadcast
 * axes (ReduceSum + Reshape) so each gradient has its input's shape.
 */
import { EdgefedError } from '../../errors.js';
import { div, maskBy, mul, neg, scale, sub, unbroadcast, where } from '../ir/ops.js';
import { getFloat } from '../ir/types.js';
import type { GradContext, GradRule } from './rule.js';
import { grad0, inputOf } from './rule.js';

function binary(
  ctx: GradContext,
  fa: (g: string) => string,
  fb: (g: string) => string,
): (string | undefined)[] {
  const g = grad0(ctx);
  if (g === undefined) return [];
  const { b } = ctx;
  return [
    ctx.needs[0] ? unbroadcast(b, fa(g), b.shape(inputOf(ctx, 0))) : undefined,
    ctx.needs[1] ? unbroadcast(b, fb(g), b.shape(inputOf(ctx, 1))) : undefined,
  ];
}

function unary(ctx: GradContext, f: (g: string, x: string, y: string) => string): (string | undefined)[] {
  const g = grad0(ctx);
  const y = ctx.node.outputs[0];
  if (g === undefined || y === undefined) return [];
  return [f(g, inputOf(ctx, 0), y)];
}

const powRule: GradRule = (ctx) => {
  const { b } = ctx;
  const e = b.constantOf(inputOf(ctx, 1));
  if (e?.data.length !== 1 || e.dtype === 'bool') {
    throw new EdgefedError('UNSUPPORTED_OP', 'Pow gradient needs a constant scalar exponent');
  }
  const c = Number(e.data[0]);
  return unary(ctx, (g, x) => {
    const d = c === 2 ? scale(b, x, 2) : scale(b, b.op1('Pow', [x, b.scalar(c - 1)]), c);
    return mul(b, g, d);
  });
};

/** Gradient rules of elementwise ops, by op type. */
export const ELEMENTWISE_RULES: Readonly<Record<string, GradRule>> = {
  Identity: (ctx) => [grad0(ctx)],
  Add: (ctx) =>
    binary(
      ctx,
      (g) => g,
      (g) => g,
    ),
  Sub: (ctx) =>
    binary(
      ctx,
      (g) => g,
      (g) => neg(ctx.b, g),
    ),
  Mul: (ctx) =>
    binary(
      ctx,
      (g) => mul(ctx.b, g, inputOf(ctx, 1)),
      (g) => mul(ctx.b, g, inputOf(ctx, 0)),
    ),
  Div: (ctx) => {
    const { b } = ctx;
    const y = ctx.node.outputs[0] ?? '';
    const den = inputOf(ctx, 1);
    return binary(
      ctx,
      (g) => div(b, g, den),
      (g) => neg(b, div(b, mul(b, g, y), den)),
    );
  },
  Neg: (ctx) => unary(ctx, (g) => neg(ctx.b, g)),
  Relu: (ctx) => {
    const { b } = ctx;
    // The mask reads the output (y > 0 exactly when x > 0), so the pre-activation has no
    // other consumer and onnxruntime fuses Conv/Gemm + Relu in the forward pass.
    return unary(ctx, (g, _x, y) => maskBy(b, g, b.op1('Greater', [y, b.scalar(0)])));
  },
  LeakyRelu: (ctx) => {
    const { b } = ctx;
    const alpha = getFloat(ctx.node.attributes, 'alpha', 0.01);
    return unary(ctx, (g, x) => where(b, b.op1('Greater', [x, b.scalar(0)]), g, scale(b, g, alpha)));
  },
  Tanh: (ctx) => unary(ctx, (g, _x, y) => mul(ctx.b, g, sub(ctx.b, ctx.b.scalar(1), mul(ctx.b, y, y)))),
  Sigmoid: (ctx) => unary(ctx, (g, _x, y) => mul(ctx.b, g, mul(ctx.b, y, sub(ctx.b, ctx.b.scalar(1), y)))),
  Erf: (ctx) => {
    const { b } = ctx;
    return unary(ctx, (g, x) => {
      const e = b.op1('Exp', [neg(b, mul(b, x, x))]);
      return mul(b, g, scale(b, e, 2 / Math.sqrt(Math.PI)));
    });
  },
  Exp: (ctx) => unary(ctx, (g, _x, y) => mul(ctx.b, g, y)),
  Log: (ctx) => unary(ctx, (g, x) => div(ctx.b, g, x)),
  Sqrt: (ctx) => unary(ctx, (g, _x, y) => div(ctx.b, scale(ctx.b, g, 0.5), y)),
  Pow: powRule,
  Where: (ctx) => {
    const g = grad0(ctx);
    if (g === undefined) return [];
    const { b } = ctx;
    const cond = inputOf(ctx, 0);
    const zero = b.scalar(0);
    return [
      undefined,
      ctx.needs[1] ? unbroadcast(b, where(b, cond, g, zero), b.shape(inputOf(ctx, 1))) : undefined,
      ctx.needs[2] ? unbroadcast(b, where(b, cond, zero, g), b.shape(inputOf(ctx, 2))) : undefined,
    ];
  },
};
