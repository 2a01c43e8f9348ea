/**
 * Test fixture (not library code): a child process that writes a checkpoint blob and
 * commits a round, prints `committed <hash>` and then waits to be SIGKILLed by
 * sqlite-run-store.test.ts. Usage: node --import tsx crash-child.fixture.ts <db> <blob dir>
 */
import { openFsBlobStore } from './fs-blob-store.js';
import { openSqliteRunStore } from './sqlite-run-store.js';

const [dbPath, blobDir] = process.argv.slice(2);
if (dbPath === undefined || blobDir === undefined) throw new Error('usage: crash-child <db> <blob dir>');

const blobs = await openFsBlobStore({ dir: blobDir });
const store = openSqliteRunStore({ path: dbPath });
await store.createRun({ id: 'crash', name: 'killed after commit', config: { rounds: 1 } });
const model = new TextEncoder().encode('global model after round 1 '.repeat(1000));
const blob = await blobs.put(model);
await store.commitRound({
  runUpdate: { status: 'running', currentRound: 1, currentModelVersion: 1 },
  round: { runId: 'crash', round: 1, attempt: 0, state: 'completed', startedAt: 1, endedAt: 2 },
  outcomes: [{ clientId: 'c1', outcome: 'completed', exampleCount: 10 }],
  metrics: [{ name: 'loss', value: 0.25, scope: 'train' }],
  checkpoint: { version: 1, hash: blob.hash, byteSize: blob.size },
});
process.stdout.write(`committed ${blob.hash}\n`);
// Stay alive (without closing the store) until the parent kills this process.
setInterval(() => undefined, 60_000);
