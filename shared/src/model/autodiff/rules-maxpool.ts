/**
 * MaxPool gradient without the Indices output. Non-overlapping windows (stride = kernel,
 * no padding, no dilation) upsample the output and its gradient (Resize, nearest) and route
 * the gradient to the positions equal to the window maximum. Other windows compare one strided slice per
 * kernel offset with the output and scatter the routed gradients back with one grouped
 * ConvTranspose whose kernel is one-hot per offset. Ties route the gradient to every
 * position holding the maximum.
 */
import { maskBy, reshape, where } from '../ir/ops.js';
import { windowAttrs, type WindowAttrs } from '../ir/shape-infer-window.js';
import { requireStatic } from '../ir/shape-utils.js';
import { attrString, getInts } from '../ir/types.js';
import type { GradContext, GradRule } from './rule.js';
import { grad0, inputOf } from './rule.js';
import { transposeAttrs } from './conv-utils.js';

function upsample(ctx: GradContext, v: string, k: readonly number[]): string {
  const { b } = ctx;
  const scales = b.constant({
    dtype: 'float32',
    shape: [2 + k.length],
    data: Float32Array.from([1, 1, ...k]),
  });
  return b.op1('Resize', [v, '', scales], {
    mode: attrString('nearest'),
    coordinate_transformation_mode: attrString('asymmetric'),
    nearest_mode: attrString('floor'),
  });
}

function nonOverlapping(
  ctx: GradContext,
  g: string,
  xs: readonly number[],
  ys: readonly number[],
  k: readonly number[],
): string {
  const { b } = ctx;
  const used = ys.slice(2).map((o, i) => o * (k[i] ?? 1));
  const spatial = used.map((_, i) => i + 2);
  let x = inputOf(ctx, 0);
  const cropped = used.some((u, i) => u !== xs[i + 2]);
  if (cropped) x = b.op1('Slice', [x, b.ints(used.map(() => 0)), b.ints(used), b.ints(spatial)]);
  // Nearest-neighbour upsampling keeps every tensor the same shape: plain elementwise ops,
  // much faster than broadcasting over rank-6 window views.
  const isMax = b.op1('Equal', [x, upsample(ctx, ctx.node.outputs[0] ?? '', k)]);
  let gx = maskBy(b, upsample(ctx, g, k), isMax);
  if (cropped) {
    const pads = [0, 0, ...used.map(() => 0), 0, 0, ...used.map((u, i) => (xs[i + 2] ?? u) - u)];
    gx = b.op1('Pad', [gx, b.ints(pads)]);
  }
  return gx;
}

function offsets(kernel: readonly number[]): number[][] {
  let out: number[][] = [[]];
  for (const k of kernel) out = out.flatMap((o) => Array.from({ length: k }, (_, i) => [...o, i]));
  return out;
}

function general(
  ctx: GradContext,
  g: string,
  xs: readonly number[],
  ys: readonly number[],
  w: WindowAttrs,
): string {
  const { b } = ctx;
  const [n = 1, c = 1] = xs;
  const nsp = w.kernel.length;
  const spatial = w.kernel.map((_, i) => i + 2);
  let x = inputOf(ctx, 0);
  if (w.pads.some((p) => p !== 0)) {
    const pads = [0, 0, ...w.pads.slice(0, nsp), 0, 0, ...w.pads.slice(nsp)];
    x = b.op1('Pad', [x, b.ints(pads), b.scalar(-3.0e38)]);
  }
  const y = ctx.node.outputs[0] ?? '';
  const offs = offsets(w.kernel);
  const parts = offs.map((off) => {
    const starts = off.map((o, i) => o * (w.dilations[i] ?? 1));
    const ends = starts.map((s, i) => s + ((ys[i + 2] ?? 1) - 1) * (w.strides[i] ?? 1) + 1);
    const xsl = b.op1('Slice', [x, b.ints(starts), b.ints(ends), b.ints(spatial), b.ints([...w.strides])]);
    const routed = where(b, b.op1('Equal', [xsl, y]), g, b.scalar(0));
    return reshape(b, routed, [n, c, 1, ...ys.slice(2)]);
  });
  const stacked =
    parts.length === 1 ? (parts[0] ?? '') : b.op1('Concat', parts, { axis: { kind: 'int', value: 2 } });
  const kk = offs.length;
  const flat = reshape(b, stacked, [n, c * kk, ...ys.slice(2)]);
  const weights = new Array<number>(c * kk * kk).fill(0);
  for (let ch = 0; ch < c; ch++) for (let o = 0; o < kk; o++) weights[(ch * kk + o) * kk + o] = 1;
  const kernel = b.floatConstant([c * kk, 1, ...w.kernel], weights);
  return b.op1('ConvTranspose', [flat, kernel], transposeAttrs(xs, ys, w, c));
}

/** Gradient of MaxPool's first output (Indices must not be used). */
export const maxPoolRule: GradRule = (ctx) => {
  const g = grad0(ctx);
  if (g === undefined) return [];
  const { b } = ctx;
  const w = windowAttrs(ctx.node, getInts(ctx.node.attributes, 'kernel_shape') ?? []);
  const xs = requireStatic(b.shape(inputOf(ctx, 0)), 'MaxPool gradient');
  const ys = requireStatic(b.shape(g), 'MaxPool gradient');
  const simple =
    w.kernel.every((k, i) => w.strides[i] === k && w.dilations[i] === 1) && w.pads.every((p) => p === 0);
  return [simple ? nonOverlapping(ctx, g, xs, ys, w.kernel) : general(ctx, g, xs, ys, w)];
};
