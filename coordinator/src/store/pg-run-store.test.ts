/**
 * The PostgreSQL RunStore against a real PostgreSQL (tests/support/postgres.ts, one server
 * for this file): the shared conformance suite (one schema, emptied before each case), then what only
 * a shared database has: two stores racing one commit (revision fencing), a deposed leader
 * racing its successor (epoch fencing), concurrent and repeated migrations, a newer schema
 * refused, and a bad URL failing promptly.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresServer } from '../../../tests/support/postgres.js';
import { openPgRunStore, PG_RUN_STORE_SCHEMA_VERSION } from './pg-run-store.js';
import { commitOf } from './run-store-conformance-fixtures.js';
import { runRunStoreConformance } from './run-store-conformance.js';
import type { CommitRoundInput, RunStore } from './run-store.js';

const TABLES = [
  'evaluation_reports',
  'client_sessions',
  'checkpoints',
  'metrics',
  'client_outcomes',
  'rounds',
  'runs',
];

let server: PostgresServer;
let url: string;
let pool: pg.Pool;
beforeAll(async () => {
  server = await startPostgres();
  url = await server.createDatabase('runs');
  pool = new pg.Pool({ connectionString: url, max: 4 });
  pool.on('error', () => undefined); // the server's shutdown ends idle connections
});
afterAll(async () => {
  await pool.end();
  await server.stop();
});

// One schema and one shared pool for the whole suite (a new schema or connection per case
// costs far more than the case): each case empties the tables and opens a store on them.
runRunStoreConformance('postgres', async ({ now }) => {
  const store = await openPgRunStore({ pool, schema: 'conformance', now });
  for (const table of TABLES) await pool.query(`DELETE FROM conformance.${table}`);
  return store;
});

describe('openPgRunStore on a shared database', () => {
  const open = (schema: string): Promise<RunStore> => openPgRunStore({ url, schema, maxConnections: 4 });

  it('lets exactly one of two stores commit from the same revision (fencing)', async () => {
    const [a, b] = await Promise.all([open('race'), open('race')]);
    await a.createRun({ id: 'r1', name: 'r1', config: {} });
    const other = { ...commitOf(1, 1, 0), round: { ...commitOf(1, 1, 0).round, attempt: 1 } };
    const results = await Promise.allSettled([a.commitRound(commitOf(1, 1, 0)), b.commitRound(other)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected');
    expect(lost?.reason).toMatchObject({ code: 'CONFLICT' });
    expect(await b.listRounds('r1')).toHaveLength(1);
    expect(await a.listCheckpoints('r1')).toHaveLength(1);
    expect(await a.getRun('r1')).toMatchObject({ revision: 1, currentRound: 1 });
    // A stale leader still holding revision 0 is fenced off for good.
    await expect(b.commitRound({ ...commitOf(2, 2, 0) })).rejects.toMatchObject({ code: 'CONFLICT' });
    await Promise.all([a.close(), b.close()]);
  });

  it('never lets a deposed leader (lower epoch) write after its successor, racing on two stores', async () => {
    const [deposed, leader] = await Promise.all([open('epochs'), open('epochs')]);
    const attempt = (runId: string, n: number, epoch: number): CommitRoundInput => ({
      runUpdate: { currentRound: 1 },
      round: { runId, round: 1, attempt: n, state: 'failed', startedAt: 1, failureReason: 'quorum' },
      fence: { epoch },
    });
    const ids = Array.from({ length: 8 }, (_, i) => `e${i}`);
    for (const id of ids) await leader.createRun({ id, name: id, config: {} });
    // No expectedRevision and no checkpoint: only the fencing epoch can refuse a commit.
    const races = await Promise.all(
      ids.map((id) =>
        Promise.allSettled([deposed.commitRound(attempt(id, 1, 1)), leader.commitRound(attempt(id, 2, 2))]),
      ),
    );
    for (const [i, [old, next]] of races.entries()) {
      const id = ids[i] ?? '';
      expect(next.status).toBe('fulfilled');
      const rounds = (await leader.listRounds(id)).map((r) => r.attempt);
      if (old.status === 'rejected') {
        expect(old.reason).toMatchObject({
          code: 'CONFLICT',
          details: { runId: id, storedEpoch: 2, epoch: 1 },
        });
        expect(rounds).toEqual([2]);
      } else {
        // It committed before its successor did: the successor's commit comes after it.
        expect(old.value.run.revision).toBe(1);
        expect(next.status === 'fulfilled' && next.value.run.revision).toBe(2);
        expect(rounds).toEqual([1, 2]);
      }
      // From now on the deposed leader is fenced off, whatever it writes.
      await expect(
        deposed.updateRun(id, { status: 'failed' }, { fence: { epoch: 1 } }),
      ).rejects.toMatchObject({
        code: 'CONFLICT',
      });
      expect((await deposed.getRun(id)).status).toBe('created');
    }
    await Promise.all([deposed.close(), leader.close()]);
  });

  it('migrates once when several stores open a new schema at once, and again is a no-op', async () => {
    const stores = await Promise.all(Array.from({ length: 4 }, () => open('together')));
    await stores[0]?.createRun({ id: 'x', name: 'x', config: {} });
    await Promise.all(stores.map((s) => s.close()));
    const again = await open('together');
    expect((await again.getRun('x')).name).toBe('x');
    await again.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const rows = await client.query(
      'SELECT component, version FROM together.schema_version ORDER BY version',
    );
    await client.end();
    expect(rows.rows).toEqual(
      Array.from({ length: PG_RUN_STORE_SCHEMA_VERSION }, (_, i) => ({
        component: 'runs',
        version: String(i + 1),
      })),
    );
  });

  it('refuses a schema from a newer coordinator', async () => {
    await (await open('future')).close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(
      "INSERT INTO future.schema_version (component, version, description, applied_at) VALUES ('runs', 99, 'x', 0)",
    );
    await client.end();
    await expect(open('future')).rejects.toMatchObject({ code: 'STORE_ERROR' });
  });

  it('fails promptly with STORE_ERROR when nothing listens, and INVALID_ARGUMENT for a bad URL', async () => {
    const port = Number(new URL(server.url).port);
    const started = Date.now();
    await expect(
      openPgRunStore({ url: `postgres://postgres@127.0.0.1:${port + 1}/nope`, connectTimeoutMs: 2000 }),
    ).rejects.toMatchObject({ code: 'STORE_ERROR' });
    await expect(openPgRunStore({ url: url.replace(/\/runs$/, '/missing') })).rejects.toMatchObject({
      code: 'STORE_ERROR',
    });
    expect(Date.now() - started).toBeLessThan(5000);
    await expect(openPgRunStore({ url: 'mysql://x' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(openPgRunStore({ url, schema: 'Bad-Name' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });
});
