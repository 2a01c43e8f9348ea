/**
 * Downloads global models by content hash over HTTP (the coordinator's data plane), checks
 * the SHA-256 of what arrived, decodes it and keeps the latest few in memory, so a
 * participant doing several tasks on one model version downloads it once. An optional
 * persistent cache (IndexedDB in browsers) plugs in through `ModelCache`.
 */
import { EdgefedError, decodeTensorMap, type TensorMap } from '@edgefed/shared';

/** A persistent cache of model bytes by hex hash (e.g. IndexedDB). */
export interface ModelCache {
  get(hash: string): Promise<Uint8Array | undefined>;
  put(hash: string, bytes: Uint8Array): Promise<void>;
}

/** Options of {@link ModelFetcher}. */
export interface ModelFetcherOptions {
  readonly token: string;
  /** Defaults to globalThis.fetch. */
  readonly fetch?: typeof fetch;
  readonly cache?: ModelCache;
  /** Largest model accepted in bytes (default 1 GiB). */
  readonly maxBytes?: number;
  /** Decoded models kept in memory (default 2). */
  readonly keep?: number;
}

/** Hex SHA-256 of bytes with WebCrypto (browsers, workers, Node >= 20). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Parses `sha256:<hex>`; anything else throws `INVALID_MESSAGE`. */
export function parseSha256(hash: string): string {
  const m = /^sha256:([0-9a-f]{64})$/.exec(hash);
  if (m?.[1] === undefined)
    throw new EdgefedError('INVALID_MESSAGE', `Expected a sha256 model hash, got "${hash}"`);
  return m[1];
}

export class ModelFetcher {
  readonly #o: ModelFetcherOptions;
  readonly #memory = new Map<string, TensorMap>();
  #bytesDown = 0;

  constructor(options: ModelFetcherOptions) {
    this.#o = options;
  }

  /** Bytes downloaded so far. */
  get bytesDown(): number {
    return this.#bytesDown;
  }

  /** The model with `hash` (`sha256:<hex>`) from `url`, verified and decoded. */
  async get(url: string, hash: string, signal?: AbortSignal): Promise<TensorMap> {
    const hex = parseSha256(hash);
    const hit = this.#memory.get(hex);
    if (hit !== undefined) return hit;
    let bytes = await this.#o.cache?.get(hex);
    if (bytes === undefined || (await sha256Hex(bytes)) !== hex) {
      bytes = await this.#download(url, hex, signal);
      await this.#o.cache?.put(hex, bytes);
    }
    const model = decodeTensorMap(bytes);
    this.#memory.set(hex, model);
    while (this.#memory.size > (this.#o.keep ?? 2)) {
      const oldest = this.#memory.keys().next();
      if (oldest.done === true) break;
      this.#memory.delete(oldest.value);
    }
    return model;
  }

  async #download(url: string, hex: string, signal?: AbortSignal): Promise<Uint8Array> {
    const f = this.#o.fetch ?? globalThis.fetch;
    const res = await f(url, {
      headers: { authorization: `Bearer ${this.#o.token}` },
      ...(signal === undefined ? {} : { signal }),
    });
    if (!res.ok) {
      throw new EdgefedError(
        res.status === 401 ? 'UNAUTHORIZED' : 'UNAVAILABLE',
        `Model download failed: HTTP ${res.status}`,
      );
    }
    const max = this.#o.maxBytes ?? 2 ** 30;
    const length = Number(res.headers.get('content-length') ?? '0');
    if (length > max) throw new EdgefedError('PAYLOAD_TOO_LARGE', `Model of ${length} bytes exceeds ${max}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (bytes.byteLength > max) throw new EdgefedError('PAYLOAD_TOO_LARGE', `Model exceeds ${max} bytes`);
    if ((await sha256Hex(bytes)) !== hex) {
      throw new EdgefedError('CHECKSUM_MISMATCH', 'Downloaded model does not match its hash');
    }
    this.#bytesDown += bytes.byteLength;
    return bytes;
  }
}
