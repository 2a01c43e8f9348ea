/**
 * Shape arithmetic shared by shape inference, autodiff and the layer API: numpy-style
 * broadcasting with symbolic dimensions, axis normalisation, convolution output sizes.
 */
import { EdgefedError } from '../../errors.js';
import type { Dim } from './types.js';

/**
 * Broadcasts two shapes (numpy rules, right-aligned). A symbolic dimension against 1 stays
 * symbolic; against a number other than 1 it takes the number. Throws `SHAPE_MISMATCH` for
 * two different fixed sizes neither of which is 1.
 */
export function broadcastShapes(a: readonly Dim[], b: readonly Dim[]): Dim[] {
  const n = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da === db || db === 1) out.push(da);
    else if (da === 1) out.push(db);
    else if (typeof da === 'string') out.push(db);
    else if (typeof db === 'string') out.push(da);
    else {
      throw new EdgefedError('SHAPE_MISMATCH', `Cannot broadcast [${a.join(', ')}] with [${b.join(', ')}]`);
    }
  }
  return out;
}

/** Normalises a possibly negative axis for a tensor of `rank`; throws `INVALID_ARGUMENT` if out of range. */
export function normAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    throw new EdgefedError('INVALID_ARGUMENT', `Axis ${axis} out of range for rank ${rank}`);
  }
  return a;
}

/** Multiplies dimensions; symbolic dimensions make a new symbol naming the product. */
export function dimProduct(dims: readonly Dim[]): Dim {
  let n = 1;
  const syms: string[] = [];
  for (const d of dims) {
    if (typeof d === 'number') n *= d;
    else syms.push(d);
  }
  if (syms.length === 0) return n;
  if (n === 1 && syms.length === 1 && syms[0] !== undefined) return syms[0];
  return [...syms, ...(n === 1 ? [] : [String(n)])].join('*');
}

/** Options of one spatial axis of a convolution or pooling window. */
export interface WindowAxis {
  readonly size: Dim;
  readonly kernel: number;
  readonly stride: number;
  readonly dilation: number;
  readonly padBegin: number;
  readonly padEnd: number;
}

/** Output size along one axis of Conv/MaxPool/AveragePool (floor mode). Symbolic in, symbolic out. */
export function windowOutput(a: WindowAxis): Dim {
  if (typeof a.size !== 'number') return `${a.size}_w`;
  const eff = (a.kernel - 1) * a.dilation + 1;
  const out = Math.floor((a.size + a.padBegin + a.padEnd - eff) / a.stride) + 1;
  if (out < 1) {
    throw new EdgefedError(
      'SHAPE_MISMATCH',
      `Window ${a.kernel} (dilation ${a.dilation}) larger than padded input ${a.size}`,
    );
  }
  return out;
}

/** Requires a static shape (the training graph has a fixed batch size); throws `SHAPE_MISMATCH` otherwise. */
export function requireStatic(shape: readonly Dim[], what: string): number[] {
  const out: number[] = [];
  for (const d of shape) {
    if (typeof d !== 'number') {
      throw new EdgefedError('SHAPE_MISMATCH', `${what} needs a static shape, got [${shape.join(', ')}]`);
    }
    out.push(d);
  }
  return out;
}
