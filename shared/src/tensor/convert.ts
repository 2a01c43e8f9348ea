/**
 * Conversions between tensor dtypes: float32 <-> float16 (raw half bits) and symmetric
 * per-tensor int8 quantization (scale = max|x| / 127, real = q * scale).
 */
import { EdgefedError } from '../errors.js';
import { float16ArrayToFloat32, float32ArrayToFloat16 } from './float16.js';
import type { DType, Float32Tensor, Tensor } from './tensor.js';
import { assertValidTensor } from './validate.js';

/** An int8-quantized array with its dequantization scale. */
export interface Int8Quantized {
  readonly data: Int8Array;
  /** real = q * scale; 0 when every input is 0. */
  readonly scale: number;
}

/**
 * Quantizes `src` symmetrically to int8 in [-127, 127] with scale = max|x| / 127, rounding
 * half away from zero; the error per element is at most scale / 2. An empty or all-zero
 * input gives scale 0. Throws `NON_FINITE` when `src` holds NaN or +-Infinity.
 */
export function quantizeInt8(src: Float32Array): Int8Quantized {
  let maxAbs = 0;
  for (const x of src) {
    if (x - x !== 0) throw new EdgefedError('NON_FINITE', 'Cannot quantize NaN or Infinity to int8');
    const a = x < 0 ? -x : x;
    if (a > maxAbs) maxAbs = a;
  }
  const data = new Int8Array(src.length);
  if (maxAbs === 0) return { data, scale: 0 };
  const inv = 127 / maxAbs;
  for (let i = 0; i < src.length; i++) {
    const v = (src[i] as number) * inv;
    const q = v >= 0 ? Math.floor(v + 0.5) : -Math.floor(0.5 - v);
    data[i] = q > 127 ? 127 : q < -127 ? -127 : q;
  }
  return { data, scale: maxAbs / 127 };
}

/** Dequantizes int8 values: q * scale, rounded to float32 (a new array). */
export function dequantizeInt8(data: Int8Array, scale: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = (data[i] as number) * scale;
  return out;
}

/**
 * The tensor as float32. A float32 tensor is returned as a new object over the SAME data
 * (no copy); float16 and int8 are converted into a new array. Throws like
 * `assertValidTensor` for a malformed tensor.
 */
export function toFloat32(tensor: Tensor): Float32Tensor {
  assertValidTensor(tensor);
  const shape = [...tensor.shape];
  switch (tensor.dtype) {
    case 'float32':
      return { dtype: 'float32', shape, data: tensor.data };
    case 'float16':
      return { dtype: 'float32', shape, data: float16ArrayToFloat32(tensor.data) };
    case 'int8':
      return { dtype: 'float32', shape, data: dequantizeInt8(tensor.data, tensor.scale ?? 0) };
  }
}

/**
 * Converts a float32 tensor to `dtype`: float32 returns the same data (no copy), float16
 * rounds to nearest-even (overflow -> +-Infinity), int8 quantizes with a per-tensor
 * scale (throws `NON_FINITE` for NaN/Infinity input). Throws like `assertValidTensor`.
 */
export function fromFloat32(tensor: Float32Tensor, dtype: DType): Tensor {
  assertValidTensor(tensor);
  const shape = [...tensor.shape];
  switch (dtype) {
    case 'float32':
      return { dtype, shape, data: tensor.data };
    case 'float16':
      return { dtype, shape, data: float32ArrayToFloat16(tensor.data) };
    case 'int8': {
      const { data, scale } = quantizeInt8(tensor.data);
      return { dtype, shape, data, scale };
    }
  }
}
