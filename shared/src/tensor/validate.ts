/**
 * Structural checks of a single tensor, shared by the codec, the converters and the
 * compression methods, so every entry point rejects the same malformed tensors.
 */
import { EdgefedError } from '../errors.js';
import { shapeSize, type DType, type Tensor } from './tensor.js';

const ARRAY_TYPES: Readonly<Record<DType, { new (n: number): unknown }>> = {
  float32: Float32Array,
  float16: Uint16Array,
  int8: Int8Array,
};

/** Array.isArray without its type narrowing (which would widen a readonly number[] to any[]). */
function isArrayValue(value: unknown): boolean {
  return Array.isArray(value);
}

/**
 * Throws unless `tensor` is well formed: a known dtype (`DTYPE_MISMATCH`), `data` of that
 * dtype's typed array class (`DTYPE_MISMATCH`), a shape of non-negative integers whose
 * product equals `data.length` (`SHAPE_MISMATCH`), and for int8 a finite, non-negative
 * `scale` while other dtypes carry none (`INVALID_ARGUMENT`). A scale of 0 is allowed
 * (an all-zero tensor). `name` only labels the error.
 */
export function assertValidTensor(tensor: Tensor, name = '<tensor>'): void {
  const dtype: unknown = tensor.dtype;
  const ctor = (ARRAY_TYPES as Partial<Record<string, unknown>>)[String(dtype)];
  if (ctor === undefined) {
    throw new EdgefedError('DTYPE_MISMATCH', `Tensor "${name}" has unknown dtype ${String(dtype)}`, {
      details: { name },
    });
  }
  if (!(tensor.data instanceof (ctor as typeof Float32Array))) {
    throw new EdgefedError(
      'DTYPE_MISMATCH',
      `Tensor "${name}" (${tensor.dtype}) holds the wrong array type`,
      {
        details: { name, dtype: tensor.dtype },
      },
    );
  }
  const shape: readonly number[] = tensor.shape;
  if (!isArrayValue(shape)) {
    throw new EdgefedError('SHAPE_MISMATCH', `Tensor "${name}" has no shape array`, { details: { name } });
  }
  const n = shapeSize(shape);
  if (n !== tensor.data.length) {
    throw new EdgefedError(
      'SHAPE_MISMATCH',
      `Tensor "${name}" has shape [${shape.join(', ')}] (${n} elements) but ${tensor.data.length} values`,
      { details: { name, shape: [...shape], length: tensor.data.length } },
    );
  }
  const scale = tensor.scale;
  if (tensor.dtype === 'int8') {
    if (typeof scale !== 'number' || !Number.isFinite(scale) || scale < 0) {
      throw new EdgefedError('INVALID_ARGUMENT', `int8 tensor "${name}" needs a finite scale >= 0`, {
        details: { name, scale: String(scale) },
      });
    }
  } else if (scale !== undefined) {
    throw new EdgefedError('INVALID_ARGUMENT', `Tensor "${name}" is ${tensor.dtype} but carries a scale`, {
      details: { name, dtype: tensor.dtype },
    });
  }
}
