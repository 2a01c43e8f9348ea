/**
 * Compact coding of sorted sparse indices: each index is stored as its gap to the
 * previous one minus 1 (the first as itself), as an unsigned LEB128 varint. Dense top-k
 * selections cost about 1 byte per index instead of 4.
 */
import { EdgefedError } from '../errors.js';

/**
 * Encodes strictly increasing `indices`. Throws `INVALID_ARGUMENT` when they are not
 * strictly increasing. An empty input gives an empty result.
 */
export function encodeIndices(indices: Uint32Array): Uint8Array {
  const out = new Uint8Array(indices.length * 5);
  let at = 0;
  let prev = -1;
  for (const index of indices) {
    if (index <= prev) throw new EdgefedError('INVALID_ARGUMENT', 'Indices must be strictly increasing');
    let gap = index - prev - 1;
    prev = index;
    while (gap >= 0x80) {
      out[at++] = (gap & 0x7f) | 0x80;
      gap >>>= 7;
    }
    out[at++] = gap;
  }
  return out.slice(0, at);
}

/**
 * Decodes exactly `count` indices, each < `limit`, using every byte of `bytes`. Throws
 * `CORRUPT_PAYLOAD` for a truncated or over-long varint, an index >= `limit`, a wrong
 * count or leftover bytes.
 */
export function decodeIndices(bytes: Uint8Array, count: number, limit: number): Uint32Array {
  const out = new Uint32Array(count);
  let at = 0;
  let prev = -1;
  for (let k = 0; k < count; k++) {
    let gap = 0;
    let shift = 0;
    for (;;) {
      if (at >= bytes.length || shift > 28) {
        throw new EdgefedError('CORRUPT_PAYLOAD', 'Sparse index list is truncated or malformed');
      }
      const b = bytes[at++] as number;
      gap += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (b < 0x80) break;
    }
    const index = prev + 1 + gap;
    if (index >= limit) throw new EdgefedError('CORRUPT_PAYLOAD', `Sparse index ${index} is out of range`);
    out[k] = index;
    prev = index;
  }
  if (at !== bytes.length) throw new EdgefedError('CORRUPT_PAYLOAD', 'Sparse index list has extra bytes');
  return out;
}
