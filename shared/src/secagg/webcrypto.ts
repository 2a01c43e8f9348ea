/**
 * Typed access to the platform's Web Crypto (`globalThis.crypto`), which browsers, workers and
 * Node >= 20 all provide. `shared` compiles without the DOM library, so the few SubtleCrypto
 * calls secure aggregation makes are declared here. Nothing here falls back to a weaker source:
 * a runtime without Web Crypto (or without X25519 in it) gets `UNSUPPORTED`.
 */
import { EdgefedError } from '../errors.js';

/** An opaque Web Crypto key handle. */
export interface CryptoKeyLike {
  readonly type: string;
}

/** An X25519 key pair as `generateKey` returns it. */
export interface CryptoKeyPairLike {
  readonly publicKey: CryptoKeyLike;
  readonly privateKey: CryptoKeyLike;
}

type Bytes = Uint8Array<ArrayBuffer>;
type Algorithm = Readonly<Record<string, unknown>>;

/** The subset of SubtleCrypto used by secure aggregation. */
export interface SubtleLike {
  generateKey(algorithm: Algorithm, extractable: boolean, usages: string[]): Promise<CryptoKeyPairLike>;
  exportKey(format: 'raw' | 'pkcs8', key: CryptoKeyLike): Promise<ArrayBuffer>;
  exportKey(format: 'jwk', key: CryptoKeyLike): Promise<{ readonly x?: string }>;
  importKey(
    format: 'raw' | 'pkcs8',
    data: Bytes,
    algorithm: Algorithm | string,
    extractable: boolean,
    usages: string[],
  ): Promise<CryptoKeyLike>;
  deriveBits(algorithm: Algorithm, key: CryptoKeyLike, length: number): Promise<ArrayBuffer>;
  deriveKey(
    algorithm: Algorithm,
    key: CryptoKeyLike,
    derived: Algorithm,
    extractable: boolean,
    usages: string[],
  ): Promise<CryptoKeyLike>;
  encrypt(algorithm: Algorithm, key: CryptoKeyLike, data: Bytes): Promise<ArrayBuffer>;
  decrypt(algorithm: Algorithm, key: CryptoKeyLike, data: Bytes): Promise<ArrayBuffer>;
  digest(algorithm: string, data: Bytes): Promise<ArrayBuffer>;
}

interface CryptoLike {
  readonly subtle: SubtleLike;
  getRandomValues<T extends Uint8Array>(array: T): T;
}

function webCrypto(): CryptoLike {
  const crypto = (globalThis as unknown as { crypto?: Partial<CryptoLike> }).crypto;
  if (crypto?.subtle === undefined || typeof crypto.getRandomValues !== 'function') {
    throw new EdgefedError('UNSUPPORTED', 'No Web Crypto in this runtime: secure aggregation needs it');
  }
  return crypto as CryptoLike;
}

/** The platform's SubtleCrypto (`UNSUPPORTED` when missing). */
export function subtle(): SubtleLike {
  return webCrypto().subtle;
}

/** `n` bytes from the platform CSPRNG (any size; getRandomValues takes 64 KiB a call). */
export function randomBytes(n: number): Bytes {
  const out = new Uint8Array(n);
  const crypto = webCrypto();
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
}

/** A copy of `bytes` in a fresh ArrayBuffer (Web Crypto rejects views of shared buffers). */
export function ownBytes(bytes: Uint8Array): Bytes {
  const out = new Uint8Array(bytes.length);
  out.set(bytes);
  return out;
}

/** Concatenation of byte arrays. */
export function concatBytes(...parts: readonly Uint8Array[]): Bytes {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** UTF-8 bytes of a string. */
export function utf8(text: string): Bytes {
  return ownBytes(new TextEncoder().encode(text));
}
