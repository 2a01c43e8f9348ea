/**
 * Conv weight gradient as one matrix product per kernel offset, the form onnxruntime's CPU
 * kernels run fastest for convolutions with many input channels (docs/performance-notes.md):
 * the output gradient as [Cout, N*P] (P output positions), shared by every offset, times
 * the channels-last strided slice of the padded input for that offset, [N*P, Cin]. The K
 * products [Cout, Cin] are stacked into [Cout, Cin, ...kernel]. Unlike the Transpose +
 * Conv form (a skinny GEMM per input channel whose "kernel" is the whole output gradient)
 * every product has the large N*P as its inner dimension, and unlike an explicit im2col it
 * needs no K-times-larger patch buffer. Standard ONNX ops only (Pad, Transpose, Slice,
 * Reshape, MatMul, Concat), all of which onnxruntime-web's WebGPU provider runs.
 */
import type { GraphBuilder } from '../ir/builder.js';
import { reshape, transpose } from '../ir/ops.js';
import type { WindowAttrs } from '../ir/shape-infer-window.js';
import { attrInt } from '../ir/types.js';

/**
 * Input channels from which {@link offsetMatMulWeightGrad} is used. With fewer (a model's
 * first conv over 1-3 image channels) every product is a matrix-vector product and the
 * Transpose + Conv form measured as fast or faster.
 */
export const OFFSET_WEIGHT_GRAD_MIN_CHANNELS = 8;

/** Every kernel offset, row-major over the spatial axes: [[0,0],[0,1],...] for 2x2. */
export function kernelOffsets(kernel: readonly number[]): number[][] {
  let out: number[][] = [[]];
  for (const k of kernel) out = out.flatMap((o) => Array.from({ length: k }, (_, i) => [...o, i]));
  return out;
}

/** Static shapes {@link offsetMatMulWeightGrad} needs. */
export interface WeightGradShapes {
  /** Input shape [N, Cin, ...spatial]. */
  readonly xs: readonly number[];
  /** Output-gradient shape [N, Cout, ...outSpatial]. */
  readonly gs: readonly number[];
}

/**
 * The weight gradient [Cout, Cin, ...kernel] of an ungrouped Conv (`group` 1) of input `x`
 * given its output gradient `g`. Any rank, strides, dilations and explicit pads (`w`);
 * the caller checks the group. Zero-padding is applied once to `x` (Pad), so padded
 * positions contribute nothing.
 */
export function offsetMatMulWeightGrad(
  b: GraphBuilder,
  x: string,
  g: string,
  w: WindowAttrs,
  s: WeightGradShapes,
): string {
  const [n = 1, cin = 1] = s.xs;
  const [, cout = 1, ...outSp] = s.gs;
  const rank = w.kernel.length;
  const spatial = w.kernel.map((_, i) => i + 2);
  let xp = x;
  if (w.pads.some((p) => p !== 0)) {
    const pads = [0, 0, ...w.pads.slice(0, rank), 0, 0, ...w.pads.slice(rank)];
    xp = b.op1('Pad', [x, b.ints(pads)]);
  }
  const channelsLast = transpose(b, xp, [0, ...spatial, 1]);
  const axes = b.ints(w.kernel.map((_, i) => i + 1));
  const strided = w.strides.some((v) => v !== 1) ? [b.ints([...w.strides])] : [];
  const positions = n * outSp.reduce((a, v) => a * v, 1);
  const gc = reshape(b, transpose(b, g, [1, 0, ...spatial]), [cout, positions]);
  const parts = kernelOffsets(w.kernel).map((off) => {
    const starts = off.map((o, i) => o * (w.dilations[i] ?? 1));
    const ends = starts.map((st, i) => st + ((outSp[i] ?? 1) - 1) * (w.strides[i] ?? 1) + 1);
    const slice = b.op1('Slice', [channelsLast, b.ints(starts), b.ints(ends), axes, ...strided]);
    return reshape(b, b.op1('MatMul', [gc, reshape(b, slice, [positions, cin])]), [cout, cin, 1]);
  });
  const stacked = parts.length === 1 ? (parts[0] ?? '') : b.op1('Concat', parts, { axis: attrInt(2) });
  return reshape(b, stacked, [cout, cin, ...w.kernel]);
}
