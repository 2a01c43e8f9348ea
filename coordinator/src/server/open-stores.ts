/**
 * Opens the RunStore and BlobStore the configuration names: SQLite + files under the data
 * directory (the default), or both in memory.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CoordinatorConfig } from '../config/schema.js';
import type { BlobStore } from '../store/blob-store.js';
import { openFsBlobStore } from '../store/fs-blob-store.js';
import { createMemoryBlobStore } from '../store/memory-blob-store.js';
import { createMemoryRunStore } from '../store/memory-run-store.js';
import type { RunStore } from '../store/run-store.js';
import { openSqliteRunStore } from '../store/sqlite-run-store.js';

/** The coordinator's two stores. */
export interface Stores {
  readonly runs: RunStore;
  readonly blobs: BlobStore;
  close(): Promise<void>;
}

/** Opens the stores for `config`. */
export async function openStores(config: CoordinatorConfig['store']): Promise<Stores> {
  if (config.kind === 'memory') {
    const runs = createMemoryRunStore();
    const blobs = createMemoryBlobStore();
    return {
      runs,
      blobs,
      close: async () => {
        await Promise.all([runs.close(), blobs.close()]);
      },
    };
  }
  mkdirSync(config.dataDir, { recursive: true });
  const runs = openSqliteRunStore({ path: join(config.dataDir, 'edgefed.db') });
  const blobs = await openFsBlobStore({ dir: join(config.dataDir, 'blobs') });
  return {
    runs,
    blobs,
    close: async () => {
      await Promise.all([runs.close(), blobs.close()]);
    },
  };
}
