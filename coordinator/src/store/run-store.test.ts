/** Runs the RunStore conformance suite against the in-memory and SQLite stores. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { createMemoryRunStore } from './memory-run-store.js';
import { runRunStoreConformance } from './run-store-conformance.js';
import { openSqliteRunStore } from './sqlite-run-store.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

runRunStoreConformance('memory', ({ now }) => createMemoryRunStore({ now }));

runRunStoreConformance('sqlite :memory:', ({ now }) => openSqliteRunStore({ path: ':memory:', now }));

runRunStoreConformance('sqlite file', async ({ now }) => {
  const dir = await mkdtemp(join(tmpdir(), 'edgefed-runstore-'));
  dirs.push(dir);
  return openSqliteRunStore({ path: join(dir, 'runs.db'), now });
});
