/**
 * Imported ops that map one-to-one onto IR nodes (the node's own attributes), and the
 * opset-20 Gelu written with Erf or Tanh.
 */
import { EdgefedError } from '../../errors.js';
import type { GraphBuilder } from '../ir/builder.js';
import { add, mul, scale } from '../ir/ops.js';
import type { Attributes, NodeIR } from '../ir/types.js';

/** Ops emitted as they are (output 0 only; MaxPool's Indices output is rejected). */
export const DIRECT_OPS: ReadonlySet<string> = new Set([
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Pow',
  'Neg',
  'Sqrt',
  'Exp',
  'Log',
  'Relu',
  'LeakyRelu',
  'Sigmoid',
  'Tanh',
  'Erf',
  'Softmax',
  'Identity',
  'MatMul',
  'Gemm',
  'Conv',
  'ConvTranspose',
  'MaxPool',
  'AveragePool',
  'GlobalAveragePool',
  'Flatten',
  'Transpose',
  'Concat',
  'ReduceMean',
]);

/** Reads a string attribute, or `fallback` when absent. */
export function getString(attrs: Attributes, name: string, fallback: string): string {
  const a = attrs[name];
  return a?.kind === 'string' ? a.value : fallback;
}

/** Emits a {@link DIRECT_OPS} node on the given input values; returns output 0. */
export function emitDirect(b: GraphBuilder, node: NodeIR, inputs: readonly string[]): string {
  if (!DIRECT_OPS.has(node.opType))
    throw new EdgefedError('UNSUPPORTED_OP', `${node.opType} ${node.name} is not supported`);
  if (node.opType === 'MaxPool' && (node.outputs[1] ?? '') !== '') {
    throw new EdgefedError('UNSUPPORTED_OP', `MaxPool ${node.name}: the Indices output is not supported`);
  }
  let ins = [...inputs];
  while (ins.length > 0 && ins.at(-1) === '') ins = ins.slice(0, -1);
  return b.op1(node.opType, ins, node.attributes);
}

/** Gelu (opset 20): 0.5 x (1 + erf(x / sqrt 2)), or the tanh approximation. */
export function emitGelu(b: GraphBuilder, x: string, approximate: string): string {
  if (approximate === 'tanh') {
    const cube = mul(b, mul(b, x, x), x);
    const inner = scale(b, add(b, x, scale(b, cube, 0.044715)), Math.sqrt(2 / Math.PI));
    return scale(b, mul(b, x, add(b, b.op1('Tanh', [inner]), b.scalar(1))), 0.5);
  }
  const e = b.op1('Erf', [scale(b, x, Math.SQRT1_2)]);
  return scale(b, mul(b, x, add(b, e, b.scalar(1))), 0.5);
}
