/**
 * The mask generator: the AES-256-CTR keystream of a 32-byte seed, read as 32-bit words
 * (little-endian, as every JavaScript engine edgefed runs on). It is produced with Web Crypto's
 * AES-GCM, whose ciphertext of zeros *is* the AES-CTR keystream (counter block = 96-bit IV ||
 * 32-bit counter from 2; the GHASH tag is dropped): Node's Web Crypto runs AES-GCM about 8x
 * faster than its AES-CTR (measured: ~1.5 GB/s against ~0.2 GB/s of CPU), browsers run both
 * fast. Chunk c of 8 MiB uses IV = c (big-endian), so no (key, counter block) pair ever repeats;
 * every key is used for one vector only (fresh keys and round salt every round).
 * Also the mod-2^32 vector arithmetic the masks need: a Uint32Array store wraps mod 2^32.
 */
import { EdgefedError } from '../errors.js';
import { ownBytes, subtle, type CryptoKeyLike } from './webcrypto.js';

/** Bytes of keystream per Web Crypto call (8 MiB: Node's AES-GCM is fast only on large calls). */
const CHUNK_BYTES = 1 << 23;

/** GCM's tag, appended to every ciphertext and dropped here. */
const TAG_BYTES = 16;

/** A shared all-zero plaintext for the keystream (never written). */
const ZEROS = new Uint8Array(CHUNK_BYTES);

/** The 12-byte IV of chunk `chunk` (big-endian). */
function chunkIv(chunk: number): Uint8Array<ArrayBuffer> {
  const iv = new Uint8Array(12);
  let v = chunk;
  for (let i = 11; i >= 4 && v > 0; i--) {
    iv[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return iv;
}

/**
 * `length` pseudo-random words: the AES-256-CTR keystream of the 32-byte `seed` (see above). The same seed
 * gives the same words on every runtime; different seeds give independent-looking streams.
 */
export async function expandMask(seed: Uint8Array, length: number): Promise<Uint32Array> {
  if (!Number.isInteger(length) || length < 0) {
    throw new EdgefedError('INVALID_ARGUMENT', `Bad mask length ${length}`);
  }
  return expandMaskWithKey(await maskKey(seed), length);
}

/** {@link expandMask} from an AES-256-GCM key already imported or derived (see keys.ts). */
export async function expandMaskWithKey(key: CryptoKeyLike, length: number): Promise<Uint32Array> {
  const out = new Uint32Array(length);
  await applyMask(out, key, 1);
  return out;
}

/**
 * target += sign x the mask of `key` (mod 2^32), in place, one 1 MiB keystream chunk at a time:
 * no mask-sized buffer is ever allocated, however large the model.
 */
export async function applyMask(target: Uint32Array, key: CryptoKeyLike, sign: 1 | -1): Promise<void> {
  const bytes = target.length * 4;
  for (let at = 0; at < bytes; at += CHUNK_BYTES) {
    const n = Math.min(CHUNK_BYTES, bytes - at);
    const sealed = await subtle().encrypt(
      { name: 'AES-GCM', iv: chunkIv(at / CHUNK_BYTES) },
      key,
      n === CHUNK_BYTES ? ZEROS : ZEROS.subarray(0, n),
    );
    const stream = sealed.slice(0, sealed.byteLength - TAG_BYTES);
    const mask = new Uint32Array(stream);
    const part = target.subarray(at / 4, at / 4 + n / 4);
    if (sign === 1) addMask(part, mask);
    else subtractMask(part, mask);
  }
}

/** The mask-generator key (AES-256-GCM) for a 32-byte seed (`INVALID_ARGUMENT` for another size). */
export async function maskKey(seed: Uint8Array): Promise<CryptoKeyLike> {
  if (seed.length !== 32) {
    throw new EdgefedError('INVALID_ARGUMENT', `A mask seed has 32 bytes, not ${seed.length}`);
  }
  return subtle().importKey('raw', ownBytes(seed), { name: 'AES-GCM' }, false, ['encrypt']);
}

/** target += mask (mod 2^32), in place. */
export function addMask(target: Uint32Array, mask: Uint32Array): void {
  for (let i = 0; i < target.length; i++) target[i] = (target[i] ?? 0) + (mask[i] ?? 0);
}

/** target -= mask (mod 2^32), in place. */
export function subtractMask(target: Uint32Array, mask: Uint32Array): void {
  for (let i = 0; i < target.length; i++) target[i] = (target[i] ?? 0) - (mask[i] ?? 0);
}
