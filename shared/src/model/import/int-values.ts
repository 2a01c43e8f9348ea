/**
 * Compile-time integer tensors of an imported graph: the Shape -> Gather -> Unsqueeze ->
 * Concat chains exporters emit for reshapes, evaluated during import so they fold away.
 * Values may be symbolic dimensions (the batch), which only a Reshape can consume.
 */
import { EdgefedError } from '../../errors.js';
import { normAxis } from '../ir/shape-utils.js';
import { getInt, getInts, type Dim, type NodeIR } from '../ir/types.js';

/** An integer tensor known at import time (rank 0 or 1; entries may be symbolic dims). */
export interface KnownInts {
  readonly shape: readonly number[];
  readonly values: readonly Dim[];
}

/** Ops {@link evalInts} computes when all their data inputs are known integers. */
export const INT_OPS: ReadonlySet<string> = new Set([
  'Shape',
  'Gather',
  'Unsqueeze',
  'Squeeze',
  'Concat',
  'Slice',
  'Cast',
  'Identity',
  'Reshape',
  'Add',
  'Sub',
  'Mul',
  'Div',
]);

function num(v: Dim | undefined, node: NodeIR): number {
  if (typeof v !== 'number') {
    throw new EdgefedError(
      'UNSUPPORTED_OP',
      `${node.opType} ${node.name}: cannot compute with the symbolic dimension ${String(v)}`,
    );
  }
  return v;
}

function arith(node: NodeIR, a: KnownInts, b: KnownInts): KnownInts {
  const n = Math.max(a.values.length, b.values.length);
  const at = (k: KnownInts, i: number): Dim | undefined =>
    k.values.length === 1 ? k.values[0] : k.values[i];
  const values = Array.from({ length: n }, (_, i): Dim => {
    const x = at(a, i);
    const y = at(b, i);
    if (node.opType === 'Mul' && y === 1) return x ?? 0;
    if (node.opType === 'Mul' && x === 1) return y ?? 0;
    const p = num(x, node);
    const q = num(y, node);
    if (node.opType === 'Add') return p + q;
    if (node.opType === 'Sub') return p - q;
    if (node.opType === 'Mul') return p * q;
    return Math.trunc(p / q);
  });
  return { shape: a.shape.length >= b.shape.length ? a.shape : b.shape, values };
}

function slice(node: NodeIR, x: KnownInts, ins: readonly (KnownInts | undefined)[]): KnownInts {
  const len = x.values.length;
  const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + len : v, 0), len);
  const s = clamp(num(ins[1]?.values[0], node));
  const e = clamp(num(ins[2]?.values[0], node));
  const step = num(ins[4]?.values[0] ?? 1, node);
  if (step !== 1) throw new EdgefedError('UNSUPPORTED_OP', `Slice ${node.name}: step ${step} on a shape`);
  const values = x.values.slice(s, e);
  return { shape: [values.length], values };
}

/**
 * Evaluates `node` on known integer inputs (`ins[i]` undefined for absent inputs).
 * `shapeOf` gives the shape of a float value (for Shape). Throws `UNSUPPORTED_OP` for
 * forms it cannot evaluate (computation on a symbolic dimension).
 */
export function evalInts(
  node: NodeIR,
  ins: readonly (KnownInts | undefined)[],
  shapeOf: (name: string) => readonly Dim[],
): KnownInts {
  const at = node.attributes;
  const x = ins[0];
  if (node.opType === 'Shape') {
    const full = shapeOf(node.inputs[0] ?? '');
    const start = normAxis(getInt(at, 'start', 0), full.length + 1);
    const end = at.end === undefined ? full.length : normAxis(getInt(at, 'end', 0), full.length + 1);
    const values = full.slice(start, end);
    return { shape: [values.length], values };
  }
  if (x === undefined) throw new EdgefedError('INTERNAL', `${node.opType} ${node.name}: missing input`);
  switch (node.opType) {
    case 'Gather': {
      const idx = ins[1];
      const values = (idx?.values ?? []).map((i) => {
        const k = num(i, node);
        return x.values[k < 0 ? k + x.values.length : k] ?? 0;
      });
      return { shape: idx?.shape ?? [], values };
    }
    case 'Unsqueeze':
    case 'Squeeze': {
      const values = x.values;
      return { shape: values.length === 1 && node.opType === 'Unsqueeze' ? [1] : [], values };
    }
    case 'Concat': {
      const values = ins.flatMap((k) => k?.values ?? []);
      return { shape: [values.length], values };
    }
    case 'Slice':
      return slice(node, x, ins);
    case 'Reshape':
      return { shape: (ins[1]?.values ?? []).map((v) => num(v, node)), values: x.values };
    case 'Cast':
    case 'Identity':
      return x;
    default:
      return arith(node, x, ins[1] ?? { shape: [], values: [0] });
  }
}

/** Axes of Squeeze/Unsqueeze/ReduceX: the `axes` input (opset 13+) or attribute. */
export function axesOf(node: NodeIR, input: KnownInts | undefined): number[] | undefined {
  if (input !== undefined) return input.values.map((v) => num(v, node));
  const a = getInts(node.attributes, 'axes');
  return a === undefined ? undefined : [...a];
}
