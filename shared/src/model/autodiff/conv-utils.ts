/**
 * Helpers shared by the Conv and pooling gradient rules.
 */
import type { WindowAttrs } from '../ir/shape-infer-window.js';
import { attrInt, attrInts, type Attributes } from '../ir/types.js';

/** output_padding that makes a ConvTranspose of `out` reproduce the input's spatial size. */
export function outputPadding(xs: readonly number[], ys: readonly number[], w: WindowAttrs): number[] {
  const n = w.kernel.length;
  return w.kernel.map((k, i) => {
    const s = w.strides[i] ?? 1;
    const full =
      s * ((ys[i + 2] ?? 1) - 1) +
      (k - 1) * (w.dilations[i] ?? 1) +
      1 -
      (w.pads[i] ?? 0) -
      (w.pads[i + n] ?? 0);
    return (xs[i + 2] ?? 0) - full;
  });
}

/** Attributes of a ConvTranspose that undoes the window `w` from output shape `ys` to `xs`. */
export function transposeAttrs(
  xs: readonly number[],
  ys: readonly number[],
  w: WindowAttrs,
  group: number,
): Attributes {
  const op = outputPadding(xs, ys, w);
  const attrs: Record<string, Attributes[string]> = {
    kernel_shape: attrInts(w.kernel),
    strides: attrInts(w.strides),
    dilations: attrInts(w.dilations),
    pads: attrInts(w.pads),
    group: attrInt(group),
  };
  if (op.some((v) => v !== 0)) attrs.output_padding = attrInts(op);
  return attrs;
}
