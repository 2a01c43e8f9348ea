/**
 * Opens the RunStore, BlobStore and ModelLibrary the configuration names: SQLite + files
 * under the data directory (the default; uploaded models in `<dataDir>/models` and the
 * blobs), PostgreSQL (runs, and blobs unless `store.blobs` names a shared directory; one
 * connection pool for all; uploaded-model entries in the `models` table, so every node sees
 * every upload), or all in memory.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { EdgefedError } from '@edgefed/shared';
import type { CoordinatorConfig } from '../config/schema.js';
import type { BlobStore } from '../store/blob-store.js';
import { openFsBlobStore } from '../store/fs-blob-store.js';
import { openFsModelLibrary } from '../store/fs-model-library.js';
import { createMemoryModelLibrary, type ModelLibrary } from '../store/model-library.js';
import { createMemoryBlobStore } from '../store/memory-blob-store.js';
import { createMemoryRunStore } from '../store/memory-run-store.js';
import type { RunStore } from '../store/run-store.js';
import { openSqliteRunStore } from '../store/sqlite-run-store.js';
import { openPgBlobStore } from '../store/pg-blob-store.js';
import { openPool } from '../store/pg-connection.js';
import { openPgModelLibrary } from '../store/pg-model-library.js';
import { openPgRunStore } from '../store/pg-run-store.js';

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
  if (config.kind === 'postgres') return openPgStores(config);
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

/** PostgreSQL stores; `STORE_ERROR` (pool closed again) when the database cannot be used. */
async function openPgStores(config: CoordinatorConfig['store']): Promise<Stores> {
  if (config.url === undefined)
    throw new EdgefedError('INVALID_CONFIG', 'store.url is required for postgres');
  const { pool } = openPool({
    url: config.url,
    ...(config.maxConnections === undefined ? {} : { maxConnections: config.maxConnections }),
  });
  const where = { pool, ...(config.schema === undefined ? {} : { schema: config.schema }) };
  const opened: { close(): Promise<void> }[] = [];
  try {
    const runs = await openPgRunStore(where);
    opened.push(runs);
    const blobDir = config.blobs === undefined || config.blobs === 'postgres' ? undefined : config.blobs.dir;
    const blobs = await (blobDir === undefined ? openPgBlobStore(where) : openFsBlobStore({ dir: blobDir }));
    opened.push(blobs);
    mkdirSync(config.dataDir, { recursive: true });
    const models = await openPgModelLibrary({ ...where, blobs });
    await adoptLocalModels(models, blobs, join(config.dataDir, 'models'));
    return {
      runs,
      blobs,
      models,
      close: async () => {
        await models.close();
        await Promise.all([runs.close(), blobs.close()]);
        await pool.end();
      },
    };
  } catch (error) {
    await Promise.all(opened.map((s) => s.close().catch(() => undefined)));
    await pool.end().catch(() => undefined);
    throw error;
  }
}

/**
 * Models uploaded to this node before the library moved into PostgreSQL (entries in
 * `<dataDir>/models`) are added to the shared library once, so no run loses its model.
 */
async function adoptLocalModels(models: ModelLibrary, blobs: BlobStore, dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  const local = await openFsModelLibrary({ dir, blobs });
  try {
    for (const e of local.list()) {
      if (!models.list().some((m) => m.hash === e.hash))
        await models.add(local.bytes(e.hash), { name: e.name });
    }
  } finally {
    await local.close();
  }
}
