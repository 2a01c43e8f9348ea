/** Runs the BlobStore conformance suite against both implementations. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { runBlobStoreConformance } from './blob-store-conformance.js';
import { openFsBlobStore } from './fs-blob-store.js';
import { createMemoryBlobStore } from './memory-blob-store.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

runBlobStoreConformance('memory', () => Promise.resolve(createMemoryBlobStore()));

runBlobStoreConformance('fs', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'edgefed-blobs-'));
  dirs.push(dir);
  return openFsBlobStore({ dir: join(dir, 'nested', 'blobs') });
});
