/**
 * Later schema versions on an existing database. v3 (evaluation reports): a file written at
 * schema v2 (before reports existed), with a run in it, still opens, is migrated to the
 * current version, keeps its data and takes reports that survive a reopen. v4 (fencing
 * epochs): a run written at v3 has no epoch yet, takes fenced writes after the migration, and
 * its epoch survives a reopen.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from './sqlite-migrations.js';
import { RUN_STORE_MIGRATIONS } from './sqlite-schema.js';
import { openSqliteRunStore, RUN_STORE_SCHEMA_VERSION } from './sqlite-run-store.js';

/** A database file at schema `version` holding run `old` (revision 4, round 3) with `status`. */
function oldDatabase(path: string, version: number, status: string): string {
  const old = new Database(path);
  expect(migrate(old, RUN_STORE_MIGRATIONS.slice(0, version), () => 1)).toBe(version);
  old
    .prepare(
      `INSERT INTO runs (id, name, status, config, created_at, updated_at, revision, current_round,
        current_model_version, strategy_state, best_metrics)
       VALUES ('old', 'old run', ?, '{"rounds":3}', 1, 2, 4, 3, 3, 'null', '{"accuracy":0.9}')`,
    )
    .run(status);
  old.close();
  return path;
}

describe('later schema versions on an existing database', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgefed-reports-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('opens a v2 database, migrates it and keeps its runs', async () => {
    const path = oldDatabase(join(dir, 'old.db'), 2, 'completed');
    expect(RUN_STORE_SCHEMA_VERSION).toBeGreaterThanOrEqual(3);

    const store = openSqliteRunStore({ path });
    expect(await store.getRun('old')).toMatchObject({ name: 'old run', bestMetrics: { accuracy: 0.9 } });
    expect(await store.listEvaluationReports('old')).toEqual([]);
    await store.putEvaluationReport({
      runId: 'old',
      round: 3,
      kind: 'central',
      report: { counts: [1, 0, 0, 1] },
    });
    await store.close();

    const again = openSqliteRunStore({ path });
    expect((await again.listEvaluationReports('old'))[0]?.report).toEqual({ counts: [1, 0, 0, 1] });
    await again.close();
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT MAX(version) FROM schema_version').pluck().get()).toBe(
      RUN_STORE_SCHEMA_VERSION,
    );
    db.close();
  });

  it('opens a v3 database and fences its runs from then on', async () => {
    const path = oldDatabase(join(dir, 'v3.db'), 3, 'running');

    const store = openSqliteRunStore({ path });
    await store.updateRun('old', { currentRound: 4 }, { fence: { epoch: 3 } });
    await store.close();
    const again = openSqliteRunStore({ path });
    await expect(again.updateRun('old', { status: 'failed' }, { fence: { epoch: 2 } })).rejects.toMatchObject(
      {
        code: 'CONFLICT',
        details: { storedEpoch: 3, epoch: 2 },
      },
    );
    expect(await again.getRun('old')).toMatchObject({ status: 'running', currentRound: 4, revision: 5 });
    await again.close();
  });
});
