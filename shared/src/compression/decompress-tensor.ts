/**
 * Decoding side of compression: reads the metadata tensor and rebuilds each dense float32
 * tensor from its compressed parts, validating every part against the metadata.
 */
import { EdgefedError } from '../errors.js';
import { toFloat32 } from '../tensor/convert.js';
import {
  sameShape,
  shapeSize,
  type DType,
  type Float32Tensor,
  type Tensor,
  type TensorMap,
} from '../tensor/tensor.js';
import { COMPRESSION_META_NAME, compressionMetaSchema, topKCount } from './compression-spec.js';
import type { CompressionMeta, CompressionSpec } from './compression-spec.js';
import { decodeIndices } from './index-coding.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

function corrupt(message: string): never {
  throw new EdgefedError('CORRUPT_PAYLOAD', message);
}

function bytesOf(t: Tensor | undefined, what: string): Uint8Array {
  if (t?.dtype !== 'int8' || t.shape.length !== 1) return corrupt(`${what} is not a byte tensor`);
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.length);
}

/** Parses and validates the metadata tensor of a compressed map; `CORRUPT_PAYLOAD` if bad. */
export function decodeCompressionMeta(map: TensorMap): CompressionMeta {
  const bytes = bytesOf(map.get(COMPRESSION_META_NAME), 'Compression metadata');
  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(bytes));
  } catch {
    return corrupt('Compression metadata is not UTF-8 JSON');
  }
  const result = compressionMetaSchema.safeParse(json);
  if (!result.success) corrupt(`Invalid compression metadata: ${result.error.issues[0]?.message ?? ''}`);
  return result.data;
}

/**
 * A part of `map` with the dtype and shape the metadata implies. A missing part or one of
 * another shape makes the map inconsistent (`CORRUPT_PAYLOAD`); a present part of another
 * dtype is a well-formed tensor of the wrong type (`DTYPE_MISMATCH`, e.g. float16 data in a
 * `none` update, which must hold float32).
 */
function part(map: TensorMap, name: string, dtype: DType, shape: readonly number[]): Tensor {
  const t = map.get(name);
  if (t === undefined) return corrupt(`Part "${name}" is missing`);
  if (t.dtype !== dtype) {
    throw new EdgefedError('DTYPE_MISMATCH', `Tensor "${name}" is ${t.dtype}, expected ${dtype}`, {
      details: { name, expected: dtype, actual: t.dtype },
    });
  }
  if (!sameShape(t.shape, shape)) {
    return corrupt(`Part "${name}" is [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
  }
  return t;
}

/** One tensor's description from the metadata, plus the method. */
export interface TensorToDecompress {
  readonly name: string;
  readonly shape: readonly number[];
  readonly spec: CompressionSpec;
}

/** Rebuilds one dense tensor; `used` is how many tensors of `map` it consumed. */
export function decompressTensor(
  map: TensorMap,
  { name, shape, spec }: TensorToDecompress,
): { tensor: Float32Tensor; used: number } {
  const n = shapeSize(shape);
  if (!Number.isSafeInteger(n)) corrupt(`Shape of "${name}" is absurd`);
  switch (spec.method) {
    case 'none':
      return { tensor: toFloat32(part(map, name, 'float32', shape)), used: 1 };
    case 'fp16':
      return { tensor: toFloat32(part(map, name, 'float16', shape)), used: 1 };
    case 'int8':
      return { tensor: toFloat32(part(map, name, 'int8', shape)), used: 1 };
    case 'topk': {
      const k = topKCount(n, spec.fraction);
      const values = part(map, `${name}/values`, 'float32', [k]).data as Float32Array;
      const indexBytes = bytesOf(map.get(`${name}/indices`), `Part "${name}/indices"`);
      const indices = decodeIndices(indexBytes, k, n);
      const data = new Float32Array(n);
      for (let i = 0; i < k; i++) data[indices[i] as number] = values[i] as number;
      return { tensor: { dtype: 'float32', shape: [...shape], data }, used: 2 };
    }
  }
}
