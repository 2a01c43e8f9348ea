/**
 * The masked upload of a secure fit task on the wire: the masked vector (the core's
 * `MaskedInput.masked`, `update length + 1` words of Z_{2^32}) as raw little-endian uint32
 * bytes, sent with the ordinary `upload-chunk` messages and referred to by `result.update`.
 * No header: the coordinator knows the length from the model.
 */
import { EdgefedError } from '../errors.js';

/** The masked words as little-endian bytes (a fresh buffer). */
export function encodeMaskedWords(words: Uint32Array): Uint8Array {
  const out = new Uint8Array(words.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < words.length; i++) view.setUint32(i * 4, words[i] as number, true);
  return out;
}

/**
 * Reads `expectedWords` little-endian uint32 words. Throws `CORRUPT_PAYLOAD` when the payload
 * does not hold exactly that many (`details.expectedBytes`, `details.byteLength`).
 */
export function decodeMaskedWords(bytes: Uint8Array, expectedWords: number): Uint32Array {
  if (bytes.byteLength !== expectedWords * 4) {
    throw new EdgefedError(
      'CORRUPT_PAYLOAD',
      `A masked upload of this model has ${expectedWords * 4} bytes, got ${bytes.byteLength}`,
      { details: { expectedBytes: expectedWords * 4, byteLength: bytes.byteLength } },
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Uint32Array(expectedWords);
  for (let i = 0; i < expectedWords; i++) out[i] = view.getUint32(i * 4, true);
  return out;
}
