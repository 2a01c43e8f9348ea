/**
 * Gradient rules of Conv and pooling (NCHW). Conv input gradients use ConvTranspose;
 * Conv weight gradients use one MatMul per kernel offset (conv-weight-grad.ts) for
 * ungrouped convs with at least 8 input channels, else Transpose + Conv + Transpose; MaxPool gradients compare the
 * input with the pooled maxima (Equal/Where) instead of using MaxPool's Indices output,
 * which onnxruntime-web's WebGPU provider cannot produce.
 */
import { EdgefedError } from '../../errors.js';
import { expandTo, reduceSum, reshape, scale, transpose } from '../ir/ops.js';
import { windowAttrs, type WindowAttrs } from '../ir/shape-infer-window.js';
import { requireStatic } from '../ir/shape-utils.js';
import { attrInt, attrInts, getInt, getInts } from '../ir/types.js';
import type { GradContext, GradRule } from './rule.js';
import { grad0, inputOf } from './rule.js';
import { maxPoolRule } from './rules-maxpool.js';
import { transposeAttrs } from './conv-utils.js';
import { OFFSET_WEIGHT_GRAD_MIN_CHANNELS, offsetMatMulWeightGrad } from './conv-weight-grad.js';

/** Weight gradient of a Conv (any group) from its input (node input 0) and output gradient `g`. */
export function convWeightGrad(ctx: GradContext, g: string, w: WindowAttrs, group: number): string {
  const { b } = ctx;
  const x = inputOf(ctx, 0);
  const xs = requireStatic(b.shape(x), 'Conv gradient');
  const ws = requireStatic(b.shape(inputOf(ctx, 1)), 'Conv gradient');
  const gs = requireStatic(b.shape(g), 'Conv gradient');
  const [n = 1, cin = 1, ...sp] = xs;
  const [cout = 1] = ws;
  const cig = cin / group;
  const cog = cout / group;
  const spatial = sp.map((_, i) => i + 2);
  let xt: string;
  let gt: string;
  if (group === 1) {
    xt = transpose(b, x, [1, 0, ...spatial]);
    gt = transpose(b, g, [1, 0, ...spatial]);
  } else {
    const x5 = reshape(b, x, [n, group, cig, ...sp]);
    xt = reshape(b, transpose(b, x5, [2, 1, 0, ...spatial.map((a) => a + 1)]), [cig, group * n, ...sp]);
    const g5 = reshape(b, g, [n, group, cog, ...gs.slice(2)]);
    gt = reshape(b, transpose(b, g5, [1, 2, 0, ...spatial.map((a) => a + 1)]), [cout, n, ...gs.slice(2)]);
  }
  let gw = b.op1('Conv', [xt, gt], {
    kernel_shape: attrInts(gs.slice(2)),
    strides: attrInts(w.dilations),
    dilations: attrInts(w.strides),
    pads: attrInts(w.pads),
    group: attrInt(group),
  });
  const got = requireStatic(b.shape(gw), 'Conv gradient');
  if (got.slice(2).some((d, i) => d !== w.kernel[i])) {
    const zeros = w.kernel.map(() => 0);
    gw = b.op1('Slice', [gw, b.ints(zeros), b.ints([...w.kernel]), b.ints(spatial)]);
  }
  return transpose(b, gw, [1, 0, ...spatial]);
}

const convRule: GradRule = (ctx) => {
  const g = grad0(ctx);
  if (g === undefined) return [];
  const { b } = ctx;
  const ws = requireStatic(b.shape(inputOf(ctx, 1)), 'Conv gradient');
  const w = windowAttrs(ctx.node, getInts(ctx.node.attributes, 'kernel_shape') ?? ws.slice(2));
  const group = getInt(ctx.node.attributes, 'group', 1);
  const xs = requireStatic(b.shape(inputOf(ctx, 0)), 'Conv gradient');
  const gs = requireStatic(b.shape(g), 'Conv gradient');
  const gx = ctx.needs[0]
    ? b.op1('ConvTranspose', [g, inputOf(ctx, 1)], transposeAttrs(xs, gs, w, group))
    : undefined;
  const byOffset = group === 1 && (xs[1] ?? 1) >= OFFSET_WEIGHT_GRAD_MIN_CHANNELS;
  let gw: string | undefined;
  if (ctx.needs[1] === true)
    gw = byOffset
      ? offsetMatMulWeightGrad(b, inputOf(ctx, 0), g, w, { xs, gs })
      : convWeightGrad(ctx, g, w, group);
  const gb =
    ctx.needs[2] === true ? reduceSum(b, g, [0, ...gs.slice(2).map((_, i) => i + 2)], false) : undefined;
  return [gx, gw, gb];
};

const avgPoolRule: GradRule = (ctx) => {
  const g = grad0(ctx);
  if (g === undefined) return [];
  const { b } = ctx;
  const kernel = getInts(ctx.node.attributes, 'kernel_shape') ?? [];
  const w = windowAttrs(ctx.node, kernel);
  if (w.pads.some((p) => p !== 0) && getInt(ctx.node.attributes, 'count_include_pad', 0) === 0) {
    throw new EdgefedError('UNSUPPORTED_OP', 'AveragePool gradient with padding needs count_include_pad=1');
  }
  const xs = requireStatic(b.shape(inputOf(ctx, 0)), 'AveragePool gradient');
  const gs = requireStatic(b.shape(g), 'AveragePool gradient');
  const c = xs[1] ?? 1;
  const kk = kernel.reduce((a, v) => a * v, 1);
  const weight = b.floatConstant([c, 1, ...kernel], new Array<number>(c * kk).fill(1 / kk));
  return [b.op1('ConvTranspose', [g, weight], transposeAttrs(xs, gs, w, c))];
};

const globalAvgPoolRule: GradRule = (ctx) => {
  const g = grad0(ctx);
  if (g === undefined) return [];
  const xs = requireStatic(ctx.b.shape(inputOf(ctx, 0)), 'GlobalAveragePool gradient');
  const area = xs.slice(2).reduce((a, v) => a * v, 1);
  return [expandTo(ctx.b, scale(ctx.b, g, 1 / area), xs)];
};

/** Gradient rules of Conv and pooling ops, by op type. */
export const CONV_RULES: Readonly<Record<string, GradRule>> = {
  Conv: convRule,
  MaxPool: maxPoolRule,
  AveragePool: avgPoolRule,
  GlobalAveragePool: globalAvgPoolRule,
};
