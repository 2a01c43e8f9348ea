/**
 * Local state of a browser participant in IndexedDB: downloaded global models (a
 * `ModelCache`, so a reload trains on the cached model instead of downloading it again)
 * and the device's identity (a random id made once, the last coordinator client id, and the
 * coordinator's latest resume token so a reloaded page keeps its client id).
 * `forgetDevice` deletes all of it ("forget me"). Works in pages and workers.
 */
import { EdgefedError } from '@edgefed/shared';
import type { ModelCache } from '../participant/model-fetcher.js';

/** Default IndexedDB database name. */
export const DEFAULT_STORE_NAME = 'edgefed';
const MODELS = 'models';
const META = 'meta';
const SESSION = 'session';

/** Who this device is, as far as edgefed is concerned. Never holds training data. */
export interface DeviceIdentity {
  /** Random id made on first use (not derived from anything on the device). */
  readonly deviceId: string;
  readonly createdAt: number;
  /** The client id the coordinator gave the last connection. */
  readonly lastClientId?: string;
}

/**
 * The coordinator session to resume after a reload. The token is a bearer secret for the
 * client id: it is kept only in this store and sent only to the coordinator at `url`.
 */
export interface SavedSession {
  /** The coordinator URL the token came from; another URL never sees it. */
  readonly url: string;
  readonly resumeToken: string;
  readonly savedAt: number;
}

/** Options of {@link openDeviceStore}. */
export interface DeviceStoreOptions {
  /** Database name (default {@link DEFAULT_STORE_NAME}). */
  readonly name?: string;
  /** Models kept; older ones are deleted on `put` (default 2). */
  readonly keepModels?: number;
}

/** The opened store. Model bytes are keyed by the hex SHA-256 the coordinator announced. */
export interface DeviceStore extends ModelCache {
  /** The identity, created and saved on the first call. */
  identity(): Promise<DeviceIdentity>;
  /** Records the coordinator's client id for this device. */
  rememberClientId(clientId: string): Promise<void>;
  /**
   * The saved session for coordinator `url`, or undefined when none was saved, it came from
   * another URL, or the stored row is malformed (then it is ignored, not an error).
   */
  savedSession(url: string): Promise<SavedSession | undefined>;
  /** Saves (replaces) the session; `INVALID_ARGUMENT` for an empty url or token. */
  saveSession(url: string, resumeToken: string): Promise<void>;
  /** Hashes of the cached models, oldest first. */
  modelHashes(): Promise<string[]>;
  /** Closes the connection (idempotent). */
  close(): void;
}

interface ModelRow {
  readonly hash: string;
  readonly bytes: ArrayBuffer;
  readonly storedAt: number;
}

function idb(): IDBFactory {
  const f = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (f === undefined) throw new EdgefedError('UNSUPPORTED', 'IndexedDB is not available here');
  return f;
}

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => {
      resolve(r.result);
    };
    r.onerror = () => {
      reject(new EdgefedError('UNAVAILABLE', `IndexedDB: ${r.error?.message ?? 'request failed'}`));
    };
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => {
      resolve();
    };
    tx.onerror = tx.onabort = () => {
      reject(new EdgefedError('UNAVAILABLE', `IndexedDB: ${tx.error?.message ?? 'transaction aborted'}`));
    };
  });
}

function randomId(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

class IdbDeviceStore implements DeviceStore {
  #closed = false;
  constructor(
    private readonly db: IDBDatabase,
    private readonly keep: number,
  ) {
    // Let "forget me" (deleteDatabase) proceed even while this connection is open.
    db.onversionchange = () => {
      this.close();
    };
  }

  #store(name: string, mode: IDBTransactionMode): { store: IDBObjectStore; tx: IDBTransaction } {
    if (this.#closed) throw new EdgefedError('FAILED_PRECONDITION', 'The device store is closed');
    const tx = this.db.transaction(name, mode);
    return { store: tx.objectStore(name), tx };
  }

  async get(hash: string): Promise<Uint8Array | undefined> {
    const row = (await request(this.#store(MODELS, 'readonly').store.get(hash))) as ModelRow | undefined;
    return row === undefined ? undefined : new Uint8Array(row.bytes);
  }

  async put(hash: string, bytes: Uint8Array): Promise<void> {
    const copy = bytes.slice().buffer;
    const { store, tx } = this.#store(MODELS, 'readwrite');
    store.put({ hash, bytes: copy, storedAt: Date.now() } satisfies ModelRow);
    await done(tx);
    const hashes = await this.modelHashes();
    const stale = hashes.slice(0, Math.max(0, hashes.length - this.keep));
    if (stale.length === 0) return;
    const del = this.#store(MODELS, 'readwrite');
    for (const h of stale) del.store.delete(h);
    await done(del.tx);
  }

  async modelHashes(): Promise<string[]> {
    const rows = (await request(this.#store(MODELS, 'readonly').store.getAll())) as ModelRow[];
    return rows.sort((a, b) => a.storedAt - b.storedAt).map((r) => r.hash);
  }

  async identity(): Promise<DeviceIdentity> {
    const found = (await request(this.#store(META, 'readonly').store.get('identity'))) as
      DeviceIdentity | undefined;
    if (found !== undefined) return found;
    const made: DeviceIdentity = { deviceId: randomId(), createdAt: Date.now() };
    const { store, tx } = this.#store(META, 'readwrite');
    store.put(made, 'identity');
    await done(tx);
    return made;
  }

  async savedSession(url: string): Promise<SavedSession | undefined> {
    const row: unknown = await request(this.#store(META, 'readonly').store.get(SESSION));
    if (typeof row !== 'object' || row === null) return undefined;
    const s = row as Partial<SavedSession>;
    if (s.url !== url || typeof s.resumeToken !== 'string' || s.resumeToken === '') return undefined;
    return { url, resumeToken: s.resumeToken, savedAt: typeof s.savedAt === 'number' ? s.savedAt : 0 };
  }

  async saveSession(url: string, resumeToken: string): Promise<void> {
    if (url === '' || resumeToken === '')
      throw new EdgefedError('INVALID_ARGUMENT', 'saveSession needs a url and a resume token');
    const { store, tx } = this.#store(META, 'readwrite');
    store.put({ url, resumeToken, savedAt: Date.now() } satisfies SavedSession, SESSION);
    await done(tx);
  }

  async rememberClientId(clientId: string): Promise<void> {
    const current = await this.identity();
    const { store, tx } = this.#store(META, 'readwrite');
    store.put({ ...current, lastClientId: clientId } satisfies DeviceIdentity, 'identity');
    await done(tx);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.db.close();
  }
}

/**
 * Opens (creating on first use) the device store. Throws `UNSUPPORTED` without IndexedDB
 * (Node, some private modes), `UNAVAILABLE` when the browser refuses to open it,
 * `INVALID_ARGUMENT` for `keepModels` < 1.
 */
export async function openDeviceStore(options: DeviceStoreOptions = {}): Promise<DeviceStore> {
  const keep = options.keepModels ?? 2;
  if (!Number.isInteger(keep) || keep < 1)
    throw new EdgefedError('INVALID_ARGUMENT', `keepModels must be a positive integer, got ${keep}`);
  const open = idb().open(options.name ?? DEFAULT_STORE_NAME, 1);
  open.onupgradeneeded = () => {
    const db = open.result;
    if (!db.objectStoreNames.contains(MODELS)) db.createObjectStore(MODELS, { keyPath: 'hash' });
    if (!db.objectStoreNames.contains(META)) db.createObjectStore(META);
  };
  return new IdbDeviceStore(await request(open), keep);
}

/**
 * "Forget me": deletes the whole database (cached models and identity). Open stores are
 * closed by the browser's `versionchange` event first. Throws `UNSUPPORTED` without
 * IndexedDB, `UNAVAILABLE` when deletion fails.
 */
export async function forgetDevice(name: string = DEFAULT_STORE_NAME): Promise<void> {
  await request(idb().deleteDatabase(name));
}
