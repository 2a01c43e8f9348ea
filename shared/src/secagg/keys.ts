/**
 * The key material of a secure round, all through Web Crypto: X25519 key pairs, ECDH + HKDF-SHA-256
 * to derive a pair's channel key (AES-256-GCM, for the shares routed through the coordinator) and
 * its mask seed (AES-256-CTR, see prg.ts), and the raw 32-byte private key form that Shamir shares.
 * Every derivation is salted with the round's seed and labelled with the round and the ordered
 * pair of client ids, so no key is reused across rounds, pairs or purposes.
 */
import { EdgefedError } from '../errors.js';
import { concatBytes, ownBytes, randomBytes, subtle, utf8, type CryptoKeyLike } from './webcrypto.js';

/** Bytes of a raw X25519 public or private key. */
export const KEY_BYTES = 32;

const X25519 = { name: 'X25519' } as const;

/** PKCS#8 header of an X25519 private key (RFC 8410): the raw 32 bytes follow it. */
const PKCS8_PREFIX = new Uint8Array([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
]);

/** AES-GCM nonce bytes. */
const IV_BYTES = 12;

/** A fresh X25519 key pair with its raw public key. */
export interface X25519Pair {
  readonly privateKey: CryptoKeyLike;
  readonly publicKey: Uint8Array;
}

/** Generates an X25519 key pair (`UNSUPPORTED` where Web Crypto lacks X25519). */
export async function generateX25519(): Promise<X25519Pair> {
  let pair;
  try {
    pair = await subtle().generateKey(X25519, true, ['deriveBits']);
  } catch (cause) {
    throw new EdgefedError('UNSUPPORTED', 'This runtime has no X25519 in Web Crypto', { cause });
  }
  const publicKey = new Uint8Array(await subtle().exportKey('raw', pair.publicKey));
  return { privateKey: pair.privateKey, publicKey };
}

/** The raw 32-byte private key (the tail of its PKCS#8 form). */
export async function exportPrivate(key: CryptoKeyLike): Promise<Uint8Array> {
  const pkcs8 = new Uint8Array(await subtle().exportKey('pkcs8', key));
  return pkcs8.slice(pkcs8.length - KEY_BYTES);
}

/** Imports a raw 32-byte X25519 private key (as rebuilt from shares). */
export async function importPrivate(raw: Uint8Array): Promise<CryptoKeyLike> {
  try {
    return await subtle().importKey('pkcs8', concatBytes(PKCS8_PREFIX, raw), X25519, true, ['deriveBits']);
  } catch (cause) {
    throw new EdgefedError('SECAGG_BAD_MESSAGE', 'Not an X25519 private key', { cause });
  }
}

/** Decodes unpadded base64url (as JWK fields are). */
function fromBase64Url(text: string): Uint8Array {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const out: number[] = [];
  let bits = 0;
  let acc = 0;
  for (const ch of text) {
    const v = alphabet.indexOf(ch);
    if (v < 0) throw new EdgefedError('SECAGG_BAD_MESSAGE', 'Bad base64url in a JWK');
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
  }
  return new Uint8Array(out);
}

/** The raw public key of an (extractable) X25519 private key, from its JWK form. */
export async function publicKeyOf(privateKey: CryptoKeyLike): Promise<Uint8Array> {
  const jwk = await subtle().exportKey('jwk', privateKey);
  if (jwk.x === undefined)
    throw new EdgefedError('UNSUPPORTED', 'This runtime exports no public part of an X25519 JWK');
  return fromBase64Url(jwk.x);
}

/** Imports a raw 32-byte X25519 public key; `SECAGG_BAD_MESSAGE` when it is not one. */
export async function importPublic(raw: Uint8Array): Promise<CryptoKeyLike> {
  if (raw.length !== KEY_BYTES)
    throw new EdgefedError('SECAGG_BAD_MESSAGE', `A public key has 32 bytes, not ${raw.length}`);
  try {
    return await subtle().importKey('raw', ownBytes(raw), X25519, true, []);
  } catch (cause) {
    throw new EdgefedError('SECAGG_BAD_MESSAGE', 'Not an X25519 public key', { cause });
  }
}

/** What a derived key is for. */
export type KeyPurpose = 'channel' | 'mask';

/** The context of a pair key: the round's seed and number, and the two client ids. */
export interface PairContext {
  readonly seed: Uint8Array;
  readonly round: number;
  readonly a: string;
  readonly b: string;
}

/** HKDF info: purpose, round and the pair in sorted order (JSON, so ids cannot run together). */
function pairInfo(purpose: KeyPurpose, ctx: PairContext): Uint8Array<ArrayBuffer> {
  const [lo, hi] = ctx.a < ctx.b ? [ctx.a, ctx.b] : [ctx.b, ctx.a];
  return utf8(JSON.stringify(['edgefed/secagg/v1', purpose, ctx.round, lo, hi]));
}

/** The Web Crypto algorithm each purpose's key is for. */
const PURPOSE_ALGORITHM = {
  channel: { algorithm: { name: 'AES-GCM', length: 256 }, usages: ['encrypt', 'decrypt'] },
  mask: { algorithm: { name: 'AES-CTR', length: 256 }, usages: ['encrypt'] },
} as const;

/**
 * The AES-256 key a pair shares for `purpose` (AES-GCM for `channel`, AES-CTR for `mask`):
 * HKDF-SHA-256(ECDH(own private, their public), salt = round seed, info = purpose, round, pair).
 * Not extractable. `SECAGG_BAD_MESSAGE` for a bad or low-order public key (ECDH fails).
 */
export async function derivePairKey(
  privateKey: CryptoKeyLike,
  publicKey: Uint8Array,
  purpose: KeyPurpose,
  ctx: PairContext,
): Promise<CryptoKeyLike> {
  const theirs = await importPublic(publicKey);
  let shared: ArrayBuffer;
  try {
    shared = await subtle().deriveBits({ name: 'X25519', public: theirs }, privateKey, 256);
  } catch (cause) {
    throw new EdgefedError('SECAGG_BAD_MESSAGE', 'X25519 key agreement failed (bad public key)', { cause });
  }
  const ikm = await subtle().importKey('raw', new Uint8Array(shared), 'HKDF', false, ['deriveKey']);
  const { algorithm, usages } = PURPOSE_ALGORITHM[purpose];
  return subtle().deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: ownBytes(ctx.seed), info: pairInfo(purpose, ctx) },
    ikm,
    algorithm,
    false,
    [...usages],
  );
}

/** Associated data of a share: round, sender, recipient. */
function shareAad(round: number, from: string, to: string): Uint8Array<ArrayBuffer> {
  return utf8(JSON.stringify(['edgefed/secagg/v1/share', round, from, to]));
}

/** `iv || AES-256-GCM(plaintext)` under a channel key, bound to (round, from, to). */
export async function sealShare(
  key: CryptoKeyLike,
  plaintext: Uint8Array,
  bind: { round: number; from: string; to: string },
): Promise<Uint8Array> {
  const iv = randomBytes(IV_BYTES);
  const sealed = await subtle().encrypt(
    { name: 'AES-GCM', iv, additionalData: shareAad(bind.round, bind.from, bind.to) },
    key,
    ownBytes(plaintext),
  );
  return concatBytes(iv, new Uint8Array(sealed));
}

/** Opens {@link sealShare}'s output; `SECAGG_DECRYPT_FAILED` when it was altered or misrouted. */
export async function openShare(
  key: CryptoKeyLike,
  ciphertext: Uint8Array,
  bind: { round: number; from: string; to: string },
): Promise<Uint8Array> {
  try {
    const plain = await subtle().decrypt(
      {
        name: 'AES-GCM',
        iv: ownBytes(ciphertext.subarray(0, IV_BYTES)),
        additionalData: shareAad(bind.round, bind.from, bind.to),
      },
      key,
      ownBytes(ciphertext.subarray(IV_BYTES)),
    );
    return new Uint8Array(plain);
  } catch (cause) {
    throw new EdgefedError(
      'SECAGG_DECRYPT_FAILED',
      `The share from ${bind.from} to ${bind.to} does not decrypt`,
      {
        cause,
        details: { from: bind.from, to: bind.to },
      },
    );
  }
}
