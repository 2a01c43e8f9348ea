/**
 * The mask generator: AES-256-CTR (Web Crypto) keyed by a 32-byte seed, run over zeros, read as
 * 32-bit words (little-endian, as every JavaScript engine edgefed runs on). The counter starts
 * at 0 and covers the whole vector, so a seed expands to one keystream of up to 2^64 blocks;
 * seeds are never reused across rounds (fresh keys and a fresh round salt every round).
 * Also the mod-2^32 vector arithmetic the masks need: a Uint32Array store wraps mod 2^32.
 */
import { EdgefedError } from '../errors.js';
import { ownBytes, subtle, type CryptoKeyLike } from './webcrypto.js';

/** Bytes of keystream per Web Crypto call (1 MiB: large enough to amortise the call, small enough for the cache). */
const CHUNK_BYTES = 1 << 20;

/** A shared all-zero plaintext for the keystream (never written). */
const ZEROS = new Uint8Array(CHUNK_BYTES);

/** The 16-byte initial counter block for AES block index `block` (big-endian, low 64 bits). */
function counterBlock(block: number): Uint8Array<ArrayBuffer> {
  const counter = new Uint8Array(16);
  let v = block;
  for (let i = 15; i >= 8 && v > 0; i--) {
    counter[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return counter;
}

/**
 * `length` pseudo-random words: AES-256-CTR keyed by the 32-byte `seed` over zeros. The same seed
 * gives the same words on every runtime; different seeds give independent-looking streams.
 */
export async function expandMask(seed: Uint8Array, length: number): Promise<Uint32Array> {
  if (!Number.isInteger(length) || length < 0) {
    throw new EdgefedError('INVALID_ARGUMENT', `Bad mask length ${length}`);
  }
  return expandMaskWithKey(await maskKey(seed), length);
}

/** {@link expandMask} from an AES-256-CTR key already imported or derived (see keys.ts). */
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
    const stream = await subtle().encrypt(
      { name: 'AES-CTR', counter: counterBlock(at / 16), length: 64 },
      key,
      n === CHUNK_BYTES ? ZEROS : ZEROS.subarray(0, n),
    );
    const mask = new Uint32Array(stream);
    const part = target.subarray(at / 4, at / 4 + n / 4);
    if (sign === 1) addMask(part, mask);
    else subtractMask(part, mask);
  }
}

/** The AES-256-CTR key for a 32-byte seed (`INVALID_ARGUMENT` for another size). */
export async function maskKey(seed: Uint8Array): Promise<CryptoKeyLike> {
  if (seed.length !== 32) {
    throw new EdgefedError('INVALID_ARGUMENT', `A mask seed has 32 bytes, not ${seed.length}`);
  }
  return subtle().importKey('raw', ownBytes(seed), { name: 'AES-CTR' }, false, ['encrypt']);
}

/** target += mask (mod 2^32), in place. */
export function addMask(target: Uint32Array, mask: Uint32Array): void {
  for (let i = 0; i < target.length; i++) target[i] = (target[i] ?? 0) + (mask[i] ?? 0);
}

/** target -= mask (mod 2^32), in place. */
export function subtractMask(target: Uint32Array, mask: Uint32Array): void {
  for (let i = 0; i < target.length; i++) target[i] = (target[i] ?? 0) - (mask[i] ?? 0);
}
