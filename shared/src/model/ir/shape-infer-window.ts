/**
 * Shape inference for windowed ops: Conv, ConvTranspose, MaxPool, AveragePool and
 * GlobalAveragePool (NCHW, explicit pads; `auto_pad` other than NOTSET is unsupported).
 */
import { EdgefedError } from '../../errors.js';
import type { InferContext } from './shape-infer.js';
import { windowOutput } from './shape-utils.js';
import type { Dim, ElemType, NodeIR, ValueInfo } from './types.js';
import { getInt, getInts } from './types.js';

/** Normalised window attributes of a Conv/pool node with `spatial` spatial axes. */
export interface WindowAttrs {
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
  /** ONNX layout: all begins, then all ends. */
  readonly pads: readonly number[];
}

/** Reads kernel/strides/dilations/pads of a windowed node, filling ONNX defaults. */
export function windowAttrs(node: NodeIR, kernel: readonly number[]): WindowAttrs {
  const at = node.attributes;
  const autoPad = at.auto_pad;
  if (autoPad?.kind === 'string' && autoPad.value !== 'NOTSET' && autoPad.value !== 'VALID') {
    throw new EdgefedError(
      'UNSUPPORTED_OP',
      `${node.opType} ${node.name}: auto_pad ${autoPad.value} unsupported; use explicit pads`,
    );
  }
  const n = kernel.length;
  const ones = kernel.map(() => 1);
  return {
    kernel,
    strides: getInts(at, 'strides') ?? ones,
    dilations: getInts(at, 'dilations') ?? ones,
    pads: getInts(at, 'pads') ?? new Array<number>(2 * n).fill(0),
  };
}

function spatialOut(x: readonly Dim[], w: WindowAttrs): Dim[] {
  return w.kernel.map((k, i) =>
    windowOutput({
      size: x[i + 2] ?? 0,
      kernel: k,
      stride: w.strides[i] ?? 1,
      dilation: w.dilations[i] ?? 1,
      padBegin: w.pads[i] ?? 0,
      padEnd: w.pads[i + w.kernel.length] ?? 0,
    }),
  );
}

function convTransposeOut(node: NodeIR, x: readonly Dim[], w: WindowAttrs): Dim[] {
  const op = getInts(node.attributes, 'output_padding') ?? w.kernel.map(() => 0);
  return w.kernel.map((k, i) => {
    const d = x[i + 2] ?? 0;
    if (typeof d !== 'number') return `${d}_t`;
    const n = w.kernel.length;
    const eff = (k - 1) * (w.dilations[i] ?? 1) + 1;
    return (w.strides[i] ?? 1) * (d - 1) + (op[i] ?? 0) + eff - (w.pads[i] ?? 0) - (w.pads[i + n] ?? 0);
  });
}

/** Infers windowed ops; `undefined` for any other op. */
export function inferWindowOp(
  ctx: InferContext,
  node: NodeIR,
  x: ValueInfo,
): { dtype: ElemType; shape: Dim[] }[] | undefined {
  const s = x.shape;
  const batch = s[0] ?? 1;
  switch (node.opType) {
    case 'Conv':
    case 'ConvTranspose': {
      const wShape = ctx.info(node.inputs[1] ?? '').shape;
      const kernel = wShape.slice(2).map(Number);
      const w = windowAttrs(node, getInts(node.attributes, 'kernel_shape') ?? kernel);
      const group = getInt(node.attributes, 'group', 1);
      if (node.opType === 'Conv')
        return [{ dtype: x.dtype, shape: [batch, wShape[0] ?? 0, ...spatialOut(s, w)] }];
      const cOut = typeof wShape[1] === 'number' ? wShape[1] * group : (wShape[1] ?? 0);
      return [{ dtype: x.dtype, shape: [batch, cOut, ...convTransposeOut(node, s, w)] }];
    }
    case 'MaxPool':
    case 'AveragePool': {
      const kernel = getInts(node.attributes, 'kernel_shape');
      if (kernel === undefined)
        throw new EdgefedError('INVALID_MODEL', `${node.opType} ${node.name} needs kernel_shape`);
      if (getInt(node.attributes, 'ceil_mode', 0) !== 0) {
        throw new EdgefedError('UNSUPPORTED_OP', `${node.opType} ${node.name}: ceil_mode unsupported`);
      }
      return [{ dtype: x.dtype, shape: [batch, s[1] ?? 0, ...spatialOut(s, windowAttrs(node, kernel))] }];
    }
    case 'GlobalAveragePool':
      return [{ dtype: x.dtype, shape: [batch, s[1] ?? 0, ...s.slice(2).map(() => 1)] }];
    default:
      return undefined;
  }
}
