/**
 * The largest encoded update a model's tensors can give at a compression: what
 * `encodeTensorMap(compressUpdate(delta, spec))` produces at most for a delta with the
 * model's tensor names and shapes (or any subset of them, such as an update without a
 * model's local layers). The coordinator refuses a larger upload on its first chunk
 * (`UPLOAD_TOO_LARGE`), before it allocates anything for it.
 */
import { alignUp, CODEC_ALIGNMENT, ENTRY_FIXED_BYTES, FIXED_HEADER_BYTES } from '../tensor/codec-format.js';
import {
  COMPRESSION_META_NAME,
  COMPRESSION_META_VERSION,
  parseCompressionSpec,
  topKCount,
  type CompressionSpec,
} from './compression-spec.js';

/** A tensor of a model as far as the update size is concerned: its name and shape. */
export interface TensorShapeEntry {
  readonly name: string;
  readonly shape: readonly number[];
}

/**
 * Bytes added to {@link maxEncodedUpdateBytes} for framing an honest encoder may lay out
 * differently from edgefed's own: the compression metadata is JSON, and another client
 * implementation may order its keys or write a number differently. 4 KiB.
 */
export const UPDATE_FRAMING_SLACK_BYTES = 4096;

const utf8 = new TextEncoder();

/** Bytes of one sorted index list of `count` indices below `n` (`encodeIndices`), at most. */
function maxIndexBytes(count: number, n: number): number {
  let perIndex = 1;
  for (let limit = 0x80; limit <= n - 1 && perIndex < 5; limit *= 0x80) perIndex++;
  return count * perIndex;
}

/** One planned codec entry: its name and rank (for the header) and its data bytes. */
interface Part {
  readonly name: string;
  readonly rank: number;
  readonly dataBytes: number;
}

function partsOf(t: TensorShapeEntry, spec: CompressionSpec): Part[] {
  const n = t.shape.reduce((a, b) => a * b, 1);
  const rank = t.shape.length;
  switch (spec.method) {
    case 'none':
      return [{ name: t.name, rank, dataBytes: 4 * n }];
    case 'fp16':
      return [{ name: t.name, rank, dataBytes: 2 * n }];
    case 'int8':
      return [{ name: t.name, rank, dataBytes: n }];
    case 'topk': {
      const k = topKCount(n, spec.fraction);
      return [
        { name: `${t.name}/values`, rank: 1, dataBytes: 4 * k },
        { name: `${t.name}/indices`, rank: 1, dataBytes: maxIndexBytes(k, n) },
      ];
    }
  }
}

/**
 * The exact upper bound, in bytes, of an encoded compressed update of `tensors` at `spec`
 * (without {@link UPDATE_FRAMING_SLACK_BYTES}; add it for a limit): the codec header, one
 * entry per part (the metadata tensor, then each tensor, or its top-k values and indices),
 * and each part's data padded to the codec's 16-byte alignment, whatever the order. Top-k
 * index lists are counted at their longest varint coding. An empty list gives the size of
 * an update of no tensors (the header and the metadata).
 *
 * Throws `INVALID_ARGUMENT` for a malformed `spec`.
 */
export function maxEncodedUpdateBytes(tensors: readonly TensorShapeEntry[], spec: CompressionSpec): number {
  const checked = parseCompressionSpec(spec);
  const meta = {
    v: COMPRESSION_META_VERSION,
    spec: checked,
    tensors: tensors.map((t) => ({ name: t.name, shape: [...t.shape] })),
  };
  const parts: Part[] = [
    { name: COMPRESSION_META_NAME, rank: 1, dataBytes: utf8.encode(JSON.stringify(meta)).length },
  ];
  for (const t of tensors) parts.push(...partsOf(t, checked));
  let header = FIXED_HEADER_BYTES;
  let data = 0;
  for (const p of parts) {
    header += alignUp(ENTRY_FIXED_BYTES + 4 * p.rank + utf8.encode(p.name).length, 8);
    data += alignUp(p.dataBytes, CODEC_ALIGNMENT);
  }
  return alignUp(header, CODEC_ALIGNMENT) + data;
}
