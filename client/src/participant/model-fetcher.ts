/**
 * Downloads global models by content hash over HTTP (the coordinator's data plane), checks
 * the SHA-256 of what arrived, decodes it and keeps the latest few in memory, so a
 * participant doing several tasks on one model version downloads it once. An optional
 * persistent cache (IndexedDB in browsers) plugs in through `ModelCache`. A download whose
 * connection drops mid-body resumes with an HTTP `Range` request from the bytes already
 * received (`If-Range` with the model's ETag) instead of starting over; the hash check covers
 * the joined bytes. A server that answers the resume with the whole model (200) is read from
 * the start again.
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
  /**
   * A download that breaks off mid-body resumes with `Range` from the bytes it has (when the
   * server offered `Accept-Ranges: bytes` and a strong ETag, sent back as `If-Range`). It
   * gives up (`UNAVAILABLE`) after this many breaks in a row without a new byte, failed resume
   * requests included (default 3).
   */
  readonly resumeAttempts?: number;
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
    const max = this.#o.maxBytes ?? 2 ** 30;
    const body: Body = { parts: [], received: 0 };
    let etag: string | undefined;
    let length = 0; // the whole model's, from the first response
    let failedInARow = 0;
    for (;;) {
      const from = body.received;
      let res: Response;
      try {
        res = await this.#request(url, from > 0 ? { from, etag } : undefined, signal);
      } catch (err) {
        // a resume that got no answer (the node went away; the next try may reach another)
        const retry = from > 0 && err instanceof EdgefedError && err.code === 'UNAVAILABLE';
        if (!retry || ++failedInARow >= (this.#o.resumeAttempts ?? 3)) throw err;
        continue;
      }
      if (from > 0 && !resumedAt(res, from)) {
        body.parts.length = 0; // the whole model again (it changed, or ranges went away)
        body.received = 0;
      }
      if (body.received === 0) {
        etag = res.status === 200 && res.headers.get('accept-ranges') === 'bytes' ? etagOf(res) : undefined;
        length = Number(res.headers.get('content-length') ?? '0');
        if (length > max)
          throw new EdgefedError('PAYLOAD_TOO_LARGE', `Model of ${length} bytes exceeds ${max}`);
      }
      const before = body.received;
      try {
        await readBody(res, body, max);
        this.#bytesDown += body.received - before;
        break;
      } catch (err) {
        this.#bytesDown += body.received - before;
        if (err instanceof EdgefedError || signal?.aborted === true || etag === undefined) throw err;
        if (length > 0 && body.received === length) break; // it broke after the last byte
        failedInARow = body.received > before ? 0 : failedInARow + 1;
        if (failedInARow >= (this.#o.resumeAttempts ?? 3)) throw toUnavailable(err);
      }
    }
    const bytes = concat(body.parts, body.received);
    if ((await sha256Hex(bytes)) !== hex) {
      throw new EdgefedError('CHECKSUM_MISMATCH', 'Downloaded model does not match its hash');
    }
    return bytes;
  }

  /** One GET; `resume` asks for the bytes from `from` on, if the model is still `etag`. */
  async #request(
    url: string,
    resume: { from: number; etag: string | undefined } | undefined,
    signal?: AbortSignal,
  ): Promise<Response> {
    const f = this.#o.fetch ?? globalThis.fetch;
    const headers: Record<string, string> = { authorization: `Bearer ${this.#o.token}` };
    if (resume?.etag !== undefined) {
      headers.range = `bytes=${resume.from}-`;
      headers['if-range'] = resume.etag;
    }
    let res: Response;
    try {
      res = await f(url, { headers, ...(signal === undefined ? {} : { signal }) });
    } catch (err) {
      if (signal?.aborted === true) throw err;
      throw toUnavailable(err);
    }
    if (!res.ok) {
      throw new EdgefedError(
        res.status === 401 ? 'UNAUTHORIZED' : 'UNAVAILABLE',
        `Model download failed: HTTP ${res.status}`,
      );
    }
    return res;
  }
}

/** The strong ETag of a response, if it has one. */
function etagOf(res: Response): string | undefined {
  const tag = res.headers.get('etag');
  return tag !== null && tag.startsWith('"') ? tag : undefined;
}

/** Whether `res` is a 206 continuing exactly at byte `from`. */
function resumedAt(res: Response, from: number): boolean {
  if (res.status !== 206) return false;
  const m = /^bytes (\d+)-\d+\/\d+$/.exec(res.headers.get('content-range') ?? '');
  return m?.[1] !== undefined && Number(m[1]) === from;
}

/** The bytes of one model received so far, over one or more responses. */
interface Body {
  readonly parts: Uint8Array[];
  received: number;
}

/** Appends the response body's chunks to `body` as they arrive (so a break keeps them). */
async function readBody(res: Response, body: Body, max: number): Promise<void> {
  if (res.body === null) return;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    if (body.received + value.byteLength > max) {
      await reader.cancel().catch(() => undefined);
      throw new EdgefedError('PAYLOAD_TOO_LARGE', `Model exceeds ${max} bytes`);
    }
    body.parts.push(value);
    body.received += value.byteLength;
  }
}

function concat(parts: readonly Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1 && parts[0]?.byteLength === length) return parts[0];
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

function toUnavailable(err: unknown): EdgefedError {
  const why = err instanceof Error ? err.message : String(err);
  return new EdgefedError('UNAVAILABLE', `Model download failed: ${why}`, { cause: err });
}
