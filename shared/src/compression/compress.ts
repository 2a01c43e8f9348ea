/**
 * compressUpdate / decompressUpdate: turn an update TensorMap into a smaller TensorMap
 * (encode it with `encodeTensorMap` to send it) and back into dense float32. The method
 * and original layout travel inside the map as an int8 byte tensor holding JSON.
 */
import { EdgefedError } from '../errors.js';
import { fromFloat32, toFloat32 } from '../tensor/convert.js';
import { tensorHasNonFinite } from '../tensor/map-ops.js';
import type { Float32Tensor, Tensor, TensorMap } from '../tensor/tensor.js';
import {
  COMPRESSION_META_NAME,
  COMPRESSION_META_VERSION,
  parseCompressionSpec,
  topKCount,
  type CompressionMeta,
  type CompressionSpec,
} from './compression-spec.js';
import { decodeCompressionMeta, decompressTensor } from './decompress-tensor.js';
import { encodeIndices } from './index-coding.js';
import { topKIndices } from './top-k.js';

const utf8 = new TextEncoder();

/** An int8 tensor used as a plain byte container (scale 1). */
export function byteTensor(bytes: Uint8Array): Tensor {
  const data = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  return { dtype: 'int8', shape: [bytes.length], data, scale: 1 };
}

function compressTensor(
  out: Map<string, Tensor>,
  name: string,
  t: Float32Tensor,
  spec: CompressionSpec,
): void {
  switch (spec.method) {
    case 'none':
      out.set(name, t);
      return;
    case 'fp16': {
      const half = fromFloat32(t, 'float16');
      if (tensorHasNonFinite(half)) {
        throw new EdgefedError('NON_FINITE', `Tensor "${name}" overflows float16 (|x| > 65504)`, {
          details: { name },
        });
      }
      out.set(name, half);
      return;
    }
    case 'int8':
      out.set(name, fromFloat32(t, 'int8'));
      return;
    case 'topk': {
      const indices = topKIndices(t.data, topKCount(t.data.length, spec.fraction));
      const values = Float32Array.from(indices, (i) => t.data[i] as number);
      out.set(`${name}/values`, { dtype: 'float32', shape: [values.length], data: values });
      out.set(`${name}/indices`, byteTensor(encodeIndices(indices)));
    }
  }
}

/**
 * Compresses an update. Every tensor is first read as float32 (float16/int8 inputs are
 * dequantized). The result's first tensor is the metadata (`COMPRESSION_META_NAME`);
 * then, per input tensor in order: `none` keeps it as float32 (same data, no copy),
 * `fp16` stores float16 (round to nearest even), `int8` stores int8 with
 * a per-tensor scale, `topk` stores `<name>/values` (float32) and `<name>/indices`
 * (gap-coded bytes). Zero-size tensors and an empty map are fine.
 *
 * Throws `INVALID_ARGUMENT` for a bad spec or a tensor named `COMPRESSION_META_NAME`,
 * `NON_FINITE` when any value is NaN or +-Infinity (for every method: such an update is
 * never worth sending) or, for `fp16`, beyond the float16 range (|x| > 65504), and the tensor checks' codes for malformed tensors.
 */
export function compressUpdate(map: TensorMap, spec: CompressionSpec): Map<string, Tensor> {
  const checked = parseCompressionSpec(spec);
  const meta: CompressionMeta = { v: COMPRESSION_META_VERSION, spec: checked, tensors: [] };
  const body = new Map<string, Tensor>();
  for (const [name, tensor] of map) {
    if (name === COMPRESSION_META_NAME) {
      throw new EdgefedError('INVALID_ARGUMENT', `Tensor name "${name}" is reserved`);
    }
    if (tensorHasNonFinite(tensor)) {
      throw new EdgefedError('NON_FINITE', `Tensor "${name}" holds NaN or Infinity`, { details: { name } });
    }
    meta.tensors.push({ name, shape: [...tensor.shape] });
    compressTensor(body, name, toFloat32(tensor), checked);
  }
  const out = new Map<string, Tensor>([
    [COMPRESSION_META_NAME, byteTensor(utf8.encode(JSON.stringify(meta)))],
  ]);
  for (const [name, t] of body) out.set(name, t);
  return out;
}

/** The method a compressed map was made with. Throws `CORRUPT_PAYLOAD` if it has no valid metadata. */
export function compressionSpecOf(map: TensorMap): CompressionSpec {
  return decodeCompressionMeta(map).spec;
}

/** Options for {@link decompressUpdate}. */
export interface DecompressOptions {
  /** Most elements the dense result may hold, over all tensors (default 2^28 = 1 GiB of float32). */
  readonly maxElements?: number;
}

/**
 * Rebuilds the dense float32 update from a map made by `compressUpdate` (typically after
 * `decodeTensorMap`), in the original order and shapes. `none` returns the stored data
 * without copying; other methods allocate. Throws `CORRUPT_PAYLOAD` when the metadata is
 * missing or invalid, a part is missing or of the wrong size, sparse indices are out of
 * range or unsorted, or the map holds tensors the metadata does not explain;
 * `DTYPE_MISMATCH` when a part is present with another dtype than its method stores
 * (`none` and top-k values: float32, `fp16`: float16, `int8`: int8); `PAYLOAD_TOO_LARGE`
 * when the metadata claims more than `maxElements` elements in all (checked before
 * allocating).
 */
export function decompressUpdate(
  map: TensorMap,
  options: DecompressOptions = {},
): Map<string, Float32Tensor> {
  const meta = decodeCompressionMeta(map);
  const maxElements = options.maxElements ?? 2 ** 28;
  const out = new Map<string, Float32Tensor>();
  let parts = 1;
  let elements = 0;
  for (const { name, shape } of meta.tensors) {
    if (out.has(name)) throw new EdgefedError('CORRUPT_PAYLOAD', `Duplicate tensor "${name}" in metadata`);
    elements += shape.reduce((a, b) => a * b, 1);
    if (elements > maxElements) {
      throw new EdgefedError('PAYLOAD_TOO_LARGE', `Update claims more than ${maxElements} elements`, {
        details: { maxElements },
      });
    }
    const { tensor, used } = decompressTensor(map, { name, shape, spec: meta.spec });
    out.set(name, tensor);
    parts += used;
  }
  if (parts !== map.size) {
    throw new EdgefedError('CORRUPT_PAYLOAD', `Compressed map has ${map.size - parts} unexplained tensors`);
  }
  return out;
}
