/**
 * Where the mask keystream comes from: AES-256-CTR over zeros, from block `firstBlock` on, with
 * the counter block laid out as Web Crypto's `{ name: 'AES-CTR', length: 64 }` takes it (high 64
 * bits zero, low 64 bits the block index, big-endian). The keystream is the protocol: every
 * engine gives the same bytes for the same key and block, and browsers and Node must agree.
 *
 * Two engines, one conformance test (keystream.test.ts):
 * - `webcrypto`: SubtleCrypto's AES-CTR, everywhere (browsers, workers, Node). One call per chunk.
 * - `node`: node:crypto's `createCipheriv('aes-256-ctr')` on the same key (a Web Crypto key turned
 *   into a KeyObject, never exported). Synchronous and without Web Crypto's per-call thread hop
 *   and copies. It is found at run time through `process.getBuiltinModule` (Node >= 20.16), so
 *   `shared` imports nothing Node-only and a browser bundle never sees node:crypto.
 *   OpenSSL's CTR carries into the high 64 counter bits where Web Crypto's `length: 64` wraps to
 *   0; the two differ only past block 2^64, and this engine refuses any block past 2^53.
 */
import { EdgefedError } from '../errors.js';
import { subtle, type CryptoKeyLike } from './webcrypto.js';

/** A source of AES-256-CTR keystream (see the file comment for the counter layout). */
export interface KeystreamEngine {
  readonly name: string;
  /** Bytes a caller should ask for per call: large enough to amortise a call, small enough for the cache. */
  readonly chunkBytes: number;
  /**
   * `bytes` bytes of keystream under `key` from block `firstBlock` (a safe integer >= 0); `bytes`
   * need not be a multiple of 16. The result is 4-byte aligned and the caller's to keep.
   */
  keystream(key: CryptoKeyLike, firstBlock: number, bytes: number): Promise<Uint8Array> | Uint8Array;
}

/** The 16-byte counter block for AES block index `block` (big-endian in the low 64 bits). */
export function counterBlock(block: number): Uint8Array<ArrayBuffer> {
  if (!Number.isSafeInteger(block) || block < 0) {
    throw new EdgefedError('INVALID_ARGUMENT', `Bad keystream block index ${block}`);
  }
  const counter = new Uint8Array(16);
  let v = block;
  for (let i = 15; i >= 8 && v > 0; i--) {
    counter[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return counter;
}

function checkRequest(firstBlock: number, bytes: number): void {
  if (!Number.isSafeInteger(bytes) || bytes < 0) {
    throw new EdgefedError('INVALID_ARGUMENT', `Bad keystream length ${bytes}`);
  }
  if (!Number.isSafeInteger(firstBlock + Math.ceil(bytes / 16))) {
    throw new EdgefedError('INVALID_ARGUMENT', `Keystream block ${firstBlock} + ${bytes} bytes is past 2^53`);
  }
}

/** An all-zero buffer of at least `bytes` bytes per engine (never written). */
function zeroSource(): (bytes: number) => Uint8Array<ArrayBuffer> {
  let zeros = new Uint8Array(0);
  return (bytes) => {
    if (zeros.length < bytes) zeros = new Uint8Array(bytes);
    return zeros.length === bytes ? zeros : zeros.subarray(0, bytes);
  };
}

/** Web Crypto's AES-CTR (1 MiB calls: larger calls gained nothing measurable here). */
export function webCryptoKeystream(): KeystreamEngine {
  const zeros = zeroSource();
  return {
    name: 'webcrypto',
    chunkBytes: 1 << 20,
    async keystream(key, firstBlock, bytes) {
      checkRequest(firstBlock, bytes);
      const stream = await subtle().encrypt(
        { name: 'AES-CTR', counter: counterBlock(firstBlock), length: 64 },
        key,
        zeros(bytes),
      );
      return new Uint8Array(stream);
    },
  };
}

/** The slice of node:crypto the `node` engine uses. */
interface NodeCrypto {
  createCipheriv(
    algorithm: 'aes-256-ctr',
    key: object,
    iv: Uint8Array,
  ): { update(data: Uint8Array): Uint8Array; final(): Uint8Array };
  KeyObject: { from(key: CryptoKeyLike): object };
}

/** node:crypto through `process.getBuiltinModule`, or undefined outside Node (or before 20.16). */
function nodeCrypto(): NodeCrypto | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof proc?.getBuiltinModule !== 'function') return undefined;
  const crypto = proc.getBuiltinModule('node:crypto') as Partial<NodeCrypto> | undefined;
  if (typeof crypto?.createCipheriv !== 'function' || typeof crypto.KeyObject?.from !== 'function') {
    return undefined;
  }
  return crypto as NodeCrypto;
}

/**
 * node:crypto's AES-256-CTR on the same keys; `UNSUPPORTED` outside Node. A key that is not a
 * Web Crypto AES key of this runtime fails in `KeyObject.from` (a TypeError, left as is).
 */
export function nodeKeystream(): KeystreamEngine {
  const crypto = nodeCrypto();
  if (crypto === undefined) throw new EdgefedError('UNSUPPORTED', 'No node:crypto in this runtime');
  const zeros = zeroSource();
  const keyObjects = new WeakMap<CryptoKeyLike, object>();
  return {
    name: 'node',
    chunkBytes: 1 << 20, // 64 and 256 KiB calls were slower in the fused mask sum (bench secagg)
    keystream(key, firstBlock, bytes) {
      checkRequest(firstBlock, bytes);
      let keyObject = keyObjects.get(key);
      if (keyObject === undefined) {
        keyObject = crypto.KeyObject.from(key);
        keyObjects.set(key, keyObject);
      }
      const out = crypto
        .createCipheriv('aes-256-ctr', keyObject, counterBlock(firstBlock))
        .update(zeros(bytes));
      return out.byteOffset % 4 === 0 ? out : new Uint8Array(out); // (a copy, aligned)
    },
  };
}

let fallback: KeystreamEngine | undefined;

/** The engine masks use by default: `node` where node:crypto is reachable, else `webcrypto`. */
export function defaultKeystream(): KeystreamEngine {
  fallback ??= nodeCrypto() === undefined ? webCryptoKeystream() : nodeKeystream();
  return fallback;
}
