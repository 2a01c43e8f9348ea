/**
 * Shape and element-type inference for the ONNX ops the compiler emits or imports.
 * Constant inputs (shapes, axes, slice bounds) must be initializers; an op not listed here
 * throws `UNSUPPORTED_OP`.
 */
import { EdgefedError } from '../../errors.js';
import { broadcastShapes, dimProduct, normAxis } from './shape-utils.js';
import { inferWindowOp } from './shape-infer-window.js';
import type { ConstTensor, Dim, ElemType, NodeIR, ValueInfo } from './types.js';
import { getInt, getInts } from './types.js';

/** What shape inference may look at besides the node itself. */
export interface InferContext {
  /** Type and shape of an existing value; throws if unknown. */
  readonly info: (name: string) => ValueInfo;
  /** The constant behind a value, when it is an initializer. */
  readonly constant: (name: string) => ConstTensor | undefined;
}

type Out = { dtype: ElemType; shape: Dim[] };

const UNARY = new Set([
  'Relu',
  'LeakyRelu',
  'Tanh',
  'Sigmoid',
  'Erf',
  'Exp',
  'Log',
  'Sqrt',
  'Neg',
  'Abs',
  'Reciprocal',
  'Identity',
  'Softmax',
  'Clip',
  'Floor',
  'Ceil',
]);
const BINARY = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min']);
const COMPARE = new Set(['Equal', 'Greater', 'Less', 'GreaterOrEqual', 'LessOrEqual']);
const CAST_TO: Readonly<Record<number, ElemType>> = {
  1: 'float32',
  6: 'int32',
  7: 'int64',
  9: 'bool',
  11: 'float64',
};

/** Reads an int64 constant input as numbers; throws `INVALID_MODEL` when it is not constant. */
export function constInts(ctx: InferContext, node: NodeIR, index: number): number[] | undefined {
  const name = node.inputs[index];
  if (name === undefined || name === '') return undefined;
  const c = ctx.constant(name);
  if (c === undefined) {
    throw new EdgefedError('INVALID_MODEL', `${node.opType} ${node.name}: input ${index} must be a constant`);
  }
  return Array.from(c.data as ArrayLike<number>, Number);
}

function inShape(ctx: InferContext, node: NodeIR, i: number): readonly Dim[] {
  return ctx.info(node.inputs[i] ?? '').shape;
}

function reduceShape(shape: readonly Dim[], axes: readonly number[] | undefined, keep: boolean): Dim[] {
  const set = new Set((axes ?? shape.map((_, i) => i)).map((a) => normAxis(a, shape.length)));
  const out: Dim[] = [];
  shape.forEach((d, i) => {
    if (!set.has(i)) out.push(d);
    else if (keep) out.push(1);
  });
  return out;
}

function reshapeShape(input: readonly Dim[], target: readonly number[]): Dim[] {
  const out: Dim[] = target.map((t, i) => (t === 0 ? (input[i] ?? 0) : t));
  const minus = out.indexOf(-1);
  if (minus < 0) return out;
  const known = out.filter((_, i) => i !== minus);
  const inNum = input.filter((d) => typeof d === 'number').reduce((a, b) => a * b, 1);
  const outNum = known.filter((d) => typeof d === 'number').reduce((a, b) => a * b, 1);
  const inSyms = input.filter((d) => typeof d === 'string');
  const outSyms = known.filter((d) => typeof d === 'string');
  if (inSyms.length === 0 && outSyms.length === 0) {
    if (inNum % outNum !== 0) {
      throw new EdgefedError(
        'SHAPE_MISMATCH',
        `Cannot reshape [${input.join(', ')}] to [${target.join(', ')}]`,
      );
    }
    out[minus] = inNum / outNum;
  } else if (inSyms.length === 1 && outSyms.length === 0 && inNum === outNum) {
    out[minus] = inSyms[0] ?? 'N';
  } else {
    out[minus] = dimProduct([...inSyms, inNum / outNum]);
  }
  return out;
}

function matmulShape(a: readonly Dim[], b: readonly Dim[]): Dim[] {
  const a2 = a.length === 1 ? [1, ...a] : a;
  const b2 = b.length === 1 ? [...b, 1] : b;
  const batch = broadcastShapes(a2.slice(0, -2), b2.slice(0, -2));
  const out = [...batch, a2[a2.length - 2] ?? 1, b2[b2.length - 1] ?? 1];
  if (a.length === 1) out.splice(out.length - 2, 1);
  if (b.length === 1) out.pop();
  return out;
}

function sliceShape(ctx: InferContext, node: NodeIR, shape: readonly Dim[]): Dim[] {
  const starts = constInts(ctx, node, 1) ?? [];
  const ends = constInts(ctx, node, 2) ?? [];
  const axes = constInts(ctx, node, 3) ?? starts.map((_, i) => i);
  const steps = constInts(ctx, node, 4) ?? starts.map(() => 1);
  const out = [...shape];
  axes.forEach((ax, i) => {
    const a = normAxis(ax, shape.length);
    const d = shape[a];
    const step = steps[i] ?? 1;
    if (typeof d !== 'number' || step <= 0) {
      throw new EdgefedError('UNSUPPORTED_OP', `Slice ${node.name}: needs a static axis and positive steps`);
    }
    const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + d : v, 0), d);
    const s = clamp(starts[i] ?? 0);
    const e = clamp(ends[i] ?? d);
    out[a] = Math.max(0, Math.ceil((e - s) / step));
  });
  return out;
}

/** Split along `axis` into equal parts (one per output) or the constant sizes of input 1. */
function splitShapes(ctx: InferContext, node: NodeIR, x: ValueInfo): Out[] {
  const s = x.shape;
  const ax = normAxis(getInt(node.attributes, 'axis', 0), s.length);
  const d = s[ax];
  const n = node.outputs.length;
  const sizes =
    constInts(ctx, node, 1) ?? (typeof d === 'number' && d % n === 0 ? new Array<number>(n).fill(d / n) : []);
  if (sizes.length !== n)
    throw new EdgefedError(
      'SHAPE_MISMATCH',
      `Split ${node.name}: cannot split axis ${ax} of [${s.join(', ')}] into ${n} parts`,
    );
  return sizes.map((size) => ({ dtype: x.dtype, shape: s.map((v, i) => (i === ax ? size : v)) }));
}

function inferStructural(ctx: InferContext, node: NodeIR, x: ValueInfo): Out[] | undefined {
  const at = node.attributes;
  const s = x.shape;
  switch (node.opType) {
    case 'Reshape':
      return [{ dtype: x.dtype, shape: reshapeShape(s, constInts(ctx, node, 1) ?? []) }];
    case 'Flatten': {
      const ax = normAxis(getInt(at, 'axis', 1), s.length + 1);
      return [{ dtype: x.dtype, shape: [dimProduct(s.slice(0, ax)), dimProduct(s.slice(ax))] }];
    }
    case 'Transpose': {
      const perm = getInts(at, 'perm') ?? s.map((_, i) => s.length - 1 - i);
      return [{ dtype: x.dtype, shape: perm.map((p) => s[p] ?? 0) }];
    }
    case 'Concat': {
      const ax = normAxis(getInt(at, 'axis', 0), s.length);
      const shapes = node.inputs.map((_, i) => inShape(ctx, node, i));
      const out = [...s];
      out[ax] = dimProduct([shapes.reduce<Dim>((acc, sh) => addDims(acc, sh[ax] ?? 0), 0)]);
      return [{ dtype: x.dtype, shape: out }];
    }
    case 'Slice':
      return [{ dtype: x.dtype, shape: sliceShape(ctx, node, s) }];
    case 'Gather': {
      const ax = normAxis(getInt(at, 'axis', 0), s.length);
      return [{ dtype: x.dtype, shape: [...s.slice(0, ax), ...inShape(ctx, node, 1), ...s.slice(ax + 1)] }];
    }
    case 'Squeeze': {
      const axes = new Set((constInts(ctx, node, 1) ?? []).map((a) => normAxis(a, s.length)));
      return [{ dtype: x.dtype, shape: s.filter((d, i) => (axes.size === 0 ? d !== 1 : !axes.has(i))) }];
    }
    case 'Unsqueeze': {
      const raw = constInts(ctx, node, 1) ?? [];
      const rank = s.length + raw.length;
      const axes = new Set(raw.map((a) => normAxis(a, rank)));
      const rest = [...s];
      return [
        {
          dtype: x.dtype,
          shape: Array.from({ length: rank }, (_, i) => (axes.has(i) ? 1 : (rest.shift() ?? 1))),
        },
      ];
    }
    case 'Expand':
      return [{ dtype: x.dtype, shape: broadcastShapes(s, constInts(ctx, node, 1) ?? []) }];
    case 'Pad': {
      const pads = constInts(ctx, node, 1) ?? [];
      const r = s.length;
      return [{ dtype: x.dtype, shape: s.map((d, i) => addDims(d, (pads[i] ?? 0) + (pads[i + r] ?? 0))) }];
    }
    case 'Resize': {
      const c = ctx.constant(node.inputs[2] ?? '');
      if (c === undefined || c.data.length !== s.length) {
        throw new EdgefedError('UNSUPPORTED_OP', `Resize ${node.name}: needs constant scales, one per axis`);
      }
      const sc = Array.from(c.data as ArrayLike<number>, Number);
      return [
        {
          dtype: x.dtype,
          shape: s.map((d, i) => (typeof d === 'number' ? Math.floor(d * (sc[i] ?? 1)) : d)),
        },
      ];
    }
    case 'Split':
      return splitShapes(ctx, node, x);
    case 'Cast': {
      const to = CAST_TO[getInt(at, 'to', 0)];
      if (to === undefined)
        throw new EdgefedError('UNSUPPORTED_OP', `Cast ${node.name}: unsupported target type`);
      return [{ dtype: to, shape: [...s] }];
    }
    default:
      return undefined;
  }
}

function addDims(a: Dim, b: Dim): Dim {
  return typeof a === 'number' && typeof b === 'number' ? a + b : `${String(a)}+${String(b)}`;
}

function inferMath(ctx: InferContext, node: NodeIR, x: ValueInfo): Out[] | undefined {
  const at = node.attributes;
  const op = node.opType;
  if (UNARY.has(op)) return [{ dtype: x.dtype, shape: [...x.shape] }];
  if (BINARY.has(op)) return [{ dtype: x.dtype, shape: broadcastShapes(x.shape, inShape(ctx, node, 1)) }];
  if (COMPARE.has(op)) return [{ dtype: 'bool', shape: broadcastShapes(x.shape, inShape(ctx, node, 1)) }];
  switch (op) {
    case 'Where': {
      const a = ctx.info(node.inputs[1] ?? '');
      const sh = broadcastShapes(broadcastShapes(x.shape, a.shape), inShape(ctx, node, 2));
      return [{ dtype: a.dtype, shape: sh }];
    }
    case 'MatMul':
      return [{ dtype: x.dtype, shape: matmulShape(x.shape, inShape(ctx, node, 1)) }];
    case 'Gemm': {
      const b = inShape(ctx, node, 1);
      const m = getInt(at, 'transA', 0) ? x.shape[1] : x.shape[0];
      const n = getInt(at, 'transB', 0) ? b[0] : b[1];
      return [{ dtype: x.dtype, shape: [m ?? 0, n ?? 0] }];
    }
    case 'ReduceSum':
      return [
        {
          dtype: x.dtype,
          shape: reduceShape(x.shape, constInts(ctx, node, 1), getInt(at, 'keepdims', 1) === 1),
        },
      ];
    case 'ReduceMean':
    case 'ReduceMax':
      return [
        { dtype: x.dtype, shape: reduceShape(x.shape, getInts(at, 'axes'), getInt(at, 'keepdims', 1) === 1) },
      ];
    case 'LayerNormalization': {
      const ax = normAxis(getInt(at, 'axis', -1), x.shape.length);
      const stat = x.shape.map((d, i) => (i < ax ? d : 1));
      const statType: ElemType = getInt(at, 'stash_type', 1) === 11 ? 'float64' : 'float32';
      return [
        { dtype: x.dtype, shape: [...x.shape] },
        { dtype: statType, shape: stat },
        { dtype: statType, shape: [...stat] },
      ].slice(0, node.outputs.length);
    }
    default:
      return undefined;
  }
}

/**
 * Infers the outputs of `node`. Throws `UNSUPPORTED_OP` for ops it does not know,
 * `SHAPE_MISMATCH` for incompatible shapes and `INVALID_MODEL` for missing constants.
 */
export function inferNode(ctx: InferContext, node: NodeIR): ValueInfo[] {
  const first = node.inputs[0];
  if (first === undefined)
    throw new EdgefedError('INVALID_MODEL', `${node.opType} ${node.name} has no inputs`);
  const x = ctx.info(first);
  const outs = inferMath(ctx, node, x) ?? inferStructural(ctx, node, x) ?? inferWindowOp(ctx, node, x);
  if (outs === undefined) {
    throw new EdgefedError('UNSUPPORTED_OP', `No shape inference for op ${node.opType}`, {
      details: { op: node.opType },
    });
  }
  return node.outputs.map((name, i) => {
    const o = outs[i];
    if (o === undefined)
      throw new EdgefedError('UNSUPPORTED_OP', `${node.opType} ${node.name}: output ${i} not supported`);
    return { name, dtype: o.dtype, shape: o.shape };
  });
}
