/**
 * Constant evaluation of simple ops (elementwise float math with broadcasting, reshapes,
 * casts between float types). Used to fold nodes whose inputs are all constants.
 */
import { broadcastShapes } from './shape-utils.js';
import type { ConstTensor, NodeIR, ValueInfo } from './types.js';

/** Ops {@link evaluateConstant} can compute. */
export const FOLDABLE_OPS: ReadonlySet<string> = new Set([
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Pow',
  'Neg',
  'Sqrt',
  'Exp',
  'Log',
  'Reciprocal',
  'Identity',
  'Reshape',
  'Squeeze',
  'Unsqueeze',
  'Flatten',
  'Cast',
]);

const BIN: Readonly<Record<string, (a: number, b: number) => number>> = {
  Add: (a, b) => a + b,
  Sub: (a, b) => a - b,
  Mul: (a, b) => a * b,
  Div: (a, b) => a / b,
  Pow: (a, b) => a ** b,
};
const UN: Readonly<Record<string, (a: number) => number>> = {
  Neg: (a) => -a,
  Sqrt: Math.sqrt,
  Exp: Math.exp,
  Log: Math.log,
  Reciprocal: (a) => 1 / a,
};

function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = (s[i + 1] ?? 1) * (shape[i + 1] ?? 1);
  return s;
}

function broadcastIndex(flat: number, out: readonly number[], inp: readonly number[]): number {
  const os = strides(out);
  const is = strides(inp);
  const off = out.length - inp.length;
  let idx = 0;
  for (let i = 0; i < out.length; i++) {
    const coord = Math.floor(flat / (os[i] ?? 1)) % (out[i] ?? 1);
    const j = i - off;
    if (j >= 0 && (inp[j] ?? 1) !== 1) idx += coord * (is[j] ?? 1);
  }
  return idx;
}

function floatData(dtype: 'float32' | 'float64', n: number): Float32Array | Float64Array {
  return dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
}

/**
 * Computes a node's single output from constant inputs, or `undefined` when the op or the
 * element types are not foldable. `out` is the inferred output info (its shape is used).
 */
export function evaluateConstant(
  node: NodeIR,
  inputs: readonly ConstTensor[],
  out: ValueInfo,
): ConstTensor | undefined {
  const x = inputs[0];
  if (x === undefined || !out.shape.every((d) => typeof d === 'number')) return undefined;
  const shape = out.shape as number[];
  const n = shape.reduce((a, b) => a * b, 1);
  const isFloat = (t: ConstTensor): t is Extract<ConstTensor, { dtype: 'float32' | 'float64' }> =>
    t.dtype === 'float32' || t.dtype === 'float64';
  const op = node.opType;
  if (op === 'Reshape' || op === 'Squeeze' || op === 'Unsqueeze' || op === 'Flatten' || op === 'Identity') {
    return { ...x, name: out.name, shape };
  }
  if (!isFloat(x)) return undefined;
  if (op === 'Cast') {
    if (out.dtype !== 'float32' && out.dtype !== 'float64') return undefined;
    const data = floatData(out.dtype, n);
    data.set(x.data);
    return { name: out.name, dtype: out.dtype, shape, data } as ConstTensor;
  }
  const data = floatData(x.dtype, n);
  const un = UN[op];
  const bin = BIN[op];
  if (un !== undefined) {
    for (let i = 0; i < n; i++) data[i] = un(x.data[i] ?? 0);
  } else if (bin !== undefined) {
    const y = inputs[1];
    if (y === undefined || !isFloat(y)) return undefined;
    const bs = broadcastShapes(x.shape, y.shape) as number[];
    for (let i = 0; i < n; i++) {
      const a = x.data[broadcastIndex(i, bs, x.shape)] ?? 0;
      data[i] = bin(a, y.data[broadcastIndex(i, bs, y.shape)] ?? 0);
    }
  } else {
    return undefined;
  }
  return { name: out.name, dtype: x.dtype, shape, data } as ConstTensor;
}
