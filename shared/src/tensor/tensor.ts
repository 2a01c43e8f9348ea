/**
 * Tensors and TensorMaps: the in-memory form of model parameters and updates.
 *
 * A TensorMap is an ordered name -> tensor map (insertion order is the wire order).
 * Shapes are non-negative integers; `data.length` always equals the product of `shape`.
 * Quantized int8 tensors carry a per-tensor `scale` (real value = int8 value * scale).
 */
import { EdgefedError } from '../errors.js';

/** Element types edgefed stores and sends. */
export type DType = 'float32' | 'float16' | 'int8';

/** The typed array that holds each dtype's elements (float16 as raw IEEE-754 half bits). */
export interface DTypeArrays {
  float32: Float32Array;
  float16: Uint16Array;
  int8: Int8Array;
}

/** One tensor: dtype, shape and a typed array of exactly `product(shape)` elements. */
export type Tensor = {
  [D in DType]: {
    readonly dtype: D;
    readonly shape: readonly number[];
    readonly data: DTypeArrays[D];
    /** For int8 only: the dequantization scale (real = value * scale). */
    readonly scale?: number;
  };
}[DType];

/** A float32 tensor, the form training and aggregation work on. */
export interface Float32Tensor {
  readonly dtype: 'float32';
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** An ordered map from tensor name to tensor. */
export type TensorMap = ReadonlyMap<string, Tensor>;

/** Bytes per element of each dtype. */
export const DTYPE_BYTES: Readonly<Record<DType, number>> = { float32: 4, float16: 2, int8: 1 };

/** Number of elements of a shape; throws `SHAPE_MISMATCH` for a negative or fractional dimension. */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new EdgefedError(
        'SHAPE_MISMATCH',
        `Invalid dimension ${String(d)} in shape [${shape.join(', ')}]`,
      );
    }
    n *= d;
  }
  return n;
}

/** Creates a float32 tensor, checking that `data` has exactly `product(shape)` elements. */
export function float32Tensor(shape: readonly number[], data?: Float32Array): Float32Tensor {
  const n = shapeSize(shape);
  const d = data ?? new Float32Array(n);
  if (d.length !== n) {
    throw new EdgefedError(
      'SHAPE_MISMATCH',
      `Shape [${shape.join(', ')}] needs ${n} elements, got ${d.length}`,
      {
        details: { shape: [...shape], length: d.length },
      },
    );
  }
  return { dtype: 'float32', shape: [...shape], data: d };
}

/** True when two shapes are identical. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
