/**
 * A ModelCache shared by all participants of one worker: the coordinator's model bytes
 * are downloaded once per worker and version, and every participant decodes views of the
 * same buffer, so memory stays O(versions kept x model), not O(clients x model).
 */
import type { ModelCache } from '../participant/model-fetcher.js';

/** In-memory model bytes by hash, newest `keep` versions. */
export class SharedModelCache implements ModelCache {
  readonly #bytes = new Map<string, Uint8Array>();
  readonly #keep: number;
  #hits = 0;

  /** `keep`: versions held (a positive integer; default 2). */
  constructor(keep = 2) {
    this.#keep = Math.max(1, Math.floor(keep));
  }

  /** Lookups answered from memory. */
  get hits(): number {
    return this.#hits;
  }

  get(hash: string): Promise<Uint8Array | undefined> {
    const hit = this.#bytes.get(hash);
    if (hit !== undefined) this.#hits++;
    return Promise.resolve(hit);
  }

  put(hash: string, bytes: Uint8Array): Promise<void> {
    this.#bytes.set(hash, bytes);
    while (this.#bytes.size > this.#keep) {
      const [oldest] = this.#bytes.keys();
      if (oldest === undefined) break;
      this.#bytes.delete(oldest);
    }
    return Promise.resolve();
  }
}
