/**
 * Whole-TensorMap helpers: layout checks, element-wise add/subtract (deltas), finiteness
 * and size totals. Maps are compared in iteration order.
 */
import { EdgefedError } from '../errors.js';
import { toFloat32 } from './convert.js';
import { sameShape, type Float32Tensor, type Tensor, type TensorMap } from './tensor.js';
import { assertValidTensor } from './validate.js';

/**
 * Throws unless `a` and `b` have the same tensor names in the same order (`NAME_MISMATCH`),
 * and per tensor the same dtype (`DTYPE_MISMATCH`) and shape (`SHAPE_MISMATCH`). Two empty
 * maps match. Does not look at values or int8 scales.
 */
export function assertSameMapLayout(a: TensorMap, b: TensorMap): void {
  const namesA = [...a.keys()];
  const namesB = [...b.keys()];
  const firstDiff = namesA.findIndex((n, i) => n !== namesB[i]);
  if (namesA.length !== namesB.length || firstDiff !== -1) {
    throw new EdgefedError('NAME_MISMATCH', 'TensorMaps differ in tensor names or order', {
      details: { at: firstDiff === -1 ? namesA.length : firstDiff, a: namesA.length, b: namesB.length },
    });
  }
  for (const [name, ta] of a) {
    const tb = b.get(name) as Tensor;
    if (ta.dtype !== tb.dtype) {
      throw new EdgefedError('DTYPE_MISMATCH', `Tensor "${name}" is ${ta.dtype} vs ${tb.dtype}`, {
        details: { name, a: ta.dtype, b: tb.dtype },
      });
    }
    if (!sameShape(ta.shape, tb.shape)) {
      throw new EdgefedError('SHAPE_MISMATCH', `Tensor "${name}" shapes differ`, {
        details: { name, a: [...ta.shape], b: [...tb.shape] },
      });
    }
  }
}

function combine(a: TensorMap, b: TensorMap, sign: 1 | -1): Map<string, Float32Tensor> {
  assertSameMapLayout(a, b);
  const out = new Map<string, Float32Tensor>();
  for (const [name, ta] of a) {
    const x = toFloat32(ta).data;
    const y = toFloat32(b.get(name) as Tensor).data;
    const r = new Float32Array(x.length);
    if (sign === 1) for (let i = 0; i < r.length; i++) r[i] = (x[i] as number) + (y[i] as number);
    else for (let i = 0; i < r.length; i++) r[i] = (x[i] as number) - (y[i] as number);
    out.set(name, { dtype: 'float32', shape: [...ta.shape], data: r });
  }
  return out;
}

/**
 * a - b element-wise (e.g. an update delta = trained - global), as new float32 tensors in
 * `a`'s order; float16/int8 inputs are dequantized first. Throws like `assertSameMapLayout`.
 * NaN/Infinity propagate (check with `hasNonFinite`).
 */
export function subtractMaps(a: TensorMap, b: TensorMap): Map<string, Float32Tensor> {
  return combine(a, b, -1);
}

/** a + b element-wise (e.g. global + delta), as new float32 tensors; see `subtractMaps`. */
export function addMaps(a: TensorMap, b: TensorMap): Map<string, Float32Tensor> {
  return combine(a, b, 1);
}

/** True when any value of `tensor` is NaN or +-Infinity (int8 values never are). */
export function tensorHasNonFinite(tensor: Tensor): boolean {
  assertValidTensor(tensor);
  if (tensor.dtype === 'int8') return false;
  if (tensor.dtype === 'float16') return tensor.data.some((h) => (h & 0x7c00) === 0x7c00);
  for (const x of tensor.data) if (x - x !== 0) return true;
  return false;
}

/** True when any tensor of `map` holds NaN or +-Infinity; false for an empty map. */
export function hasNonFinite(map: TensorMap): boolean {
  for (const t of map.values()) if (tensorHasNonFinite(t)) return true;
  return false;
}

/** Total number of elements over all tensors (0 for an empty map). */
export function parameterCount(map: TensorMap): number {
  let n = 0;
  for (const t of map.values()) n += t.data.length;
  return n;
}

/** Total bytes of tensor data over all tensors, at each tensor's dtype (no header). */
export function parameterBytes(map: TensorMap): number {
  let n = 0;
  for (const t of map.values()) n += t.data.byteLength;
  return n;
}
