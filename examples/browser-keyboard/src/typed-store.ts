/**
 * Where the keyboard keeps what the user typed: one IndexedDB database per user on this
 * device (`<name>`, object store `typed`, key `text`). Nothing here sends anything; the
 * participant trains on this text inside the browser and only model updates leave.
 */

/** The user's typed text on this device. */
export interface TypedStore {
  /** The saved text ('' when nothing was typed yet). */
  load(): Promise<string>;
  /** Replaces the saved text. */
  save(text: string): Promise<void>;
  /** Closes the connection. */
  close(): void;
}

const STORE = 'typed';
const KEY = 'text';

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => {
      resolve(r.result);
    };
    r.onerror = () => {
      reject(r.error ?? new Error('IndexedDB request failed'));
    };
  });
}

/** Opens (creating on first use) the typed-text database `name`. */
export async function openTypedStore(name: string): Promise<TypedStore> {
  const open = indexedDB.open(name, 1);
  open.onupgradeneeded = () => {
    open.result.createObjectStore(STORE);
  };
  const db = await request(open);
  db.onversionchange = () => {
    db.close();
  };
  const store = (mode: IDBTransactionMode): IDBObjectStore => db.transaction(STORE, mode).objectStore(STORE);
  return {
    async load() {
      const v: unknown = await request(store('readonly').get(KEY));
      return typeof v === 'string' ? v : '';
    },
    async save(text) {
      await request(store('readwrite').put(text, KEY));
    },
    close() {
      db.close();
    },
  };
}

/** Deletes the typed-text database `name` (open connections close first). */
export async function forgetTyped(name: string): Promise<void> {
  await request(indexedDB.deleteDatabase(name));
}
