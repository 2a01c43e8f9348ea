/**
 * Opens the RunStore, BlobStore and ModelLibrary the configuration names: SQLite + files
 * under the data directory (the default; uploaded models in `<dataDir>/models` and the
 * blobs), or all in memory.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CoordinatorConfig } from '../config/schema.js';
import type { BlobStore } from '../store/blob-store.js';
import { openFsBlobStore } from '../store/fs-blob-store.js';
import { openFsModelLibrary } from '../store/fs-model-library.js';
import { createMemoryModelLibrary, type ModelLibrary } from '../store/model-library.js';
import { createMemoryBlobStore } from '../store/memory-blob-store.js';
import { createMemoryRunStore } from '../store/memory-run-store.js';
import type { RunStore } from '../store/run-store.js';
import { openSqliteRunStore } from '../store/sqlite-run-store.js';

/** The coordinator's stores: runs, blobs, and the uploaded ONNX models. */
export interface Stores {
  readonly runs: RunStore;
  readonly blobs: BlobStore;
  readonly models: ModelLibrary;
  close(): Promise<void>;
}

/** Opens the stores for `config`. */
export async function openStores(config: CoordinatorConfig['store']): Promise<Stores> {
  if (config.kind === 'memory') {
    const runs = createMemoryRunStore();
    const blobs = createMemoryBlobStore();
    const models = await createMemoryModelLibrary();
    return {
      runs,
      blobs,
      models,
      close: async () => {
        await Promise.all([runs.close(), blobs.close(), models.close()]);
      },
    };
  }
  mkdirSync(config.dataDir, { recursive: true });
  const runs = openSqliteRunStore({ path: join(config.dataDir, 'edgefed.db') });
  const blobs = await openFsBlobStore({ dir: join(config.dataDir, 'blobs') });
  const models = await openFsModelLibrary({ dir: join(config.dataDir, 'models'), blobs });
  return {
    runs,
    blobs,
    models,
    close: async () => {
      await models.close();
      await Promise.all([runs.close(), blobs.close()]);
    },
  };
}
