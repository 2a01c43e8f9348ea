/**
 * Gradient rule of LayerNormalization (opset 17). Uses the node's Mean and InvStdDev
 * outputs when present, else recomputes them from ReduceMean/Sqrt.
 */
import { add, div, mul, reshape, sub, unbroadcast } from '../ir/ops.js';
import { normAxis, requireStatic } from '../ir/shape-utils.js';
import { attrInt, attrInts, getFloat, getInt } from '../ir/types.js';
import type { GradRule } from './rule.js';
import { grad0, inputOf } from './rule.js';

const layerNormRule: GradRule = (ctx) => {
  const g = grad0(ctx);
  if (g === undefined) return [];
  const { b, node } = ctx;
  const x = inputOf(ctx, 0);
  const xs = requireStatic(b.shape(x), 'LayerNormalization gradient');
  const axis = normAxis(getInt(node.attributes, 'axis', -1), xs.length);
  const axes = xs.map((_, i) => i).filter((i) => i >= axis);
  const mean = (v: string): string =>
    b.op1('ReduceMean', [v], { axes: attrInts(axes), keepdims: attrInt(1) });
  const statShape = xs.map((d, i) => (i < axis ? d : 1));
  let mu = node.outputs[1];
  let rstd = node.outputs[2];
  if (mu === undefined || mu === '' || rstd === undefined || rstd === '') {
    mu = mean(x);
    const centered = sub(b, x, mu);
    const v = mean(mul(b, centered, centered));
    rstd = div(
      b,
      b.scalar(1),
      b.op1('Sqrt', [add(b, v, b.scalar(getFloat(node.attributes, 'epsilon', 1e-5)))]),
    );
  } else {
    mu = reshape(b, mu, statShape);
    rstd = reshape(b, rstd, statShape);
  }
  const xhat = mul(b, sub(b, x, mu), rstd);
  const scaleIn = inputOf(ctx, 1);
  let gx: string | undefined;
  if (ctx.needs[0]) {
    const gh = mul(b, g, scaleIn);
    const inner = sub(b, sub(b, gh, mean(gh)), mul(b, xhat, mean(mul(b, gh, xhat))));
    gx = mul(b, inner, rstd);
  }
  const gs = ctx.needs[1] ? unbroadcast(b, mul(b, g, xhat), b.shape(scaleIn)) : undefined;
  const bias = inputOf(ctx, 2);
  const gb = ctx.needs[2] === true && bias !== '' ? unbroadcast(b, g, b.shape(bias)) : undefined;
  return [gx, gs, gb];
};

/** Gradient rules of normalisation ops, by op type. */
export const NORM_RULES: Readonly<Record<string, GradRule>> = { LayerNormalization: layerNormRule };
