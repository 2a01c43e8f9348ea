/**
 * SQLite-specific RunStore tests with real files in a temp dir: reopen, schema
 * migrations, two connections on one file, and a SIGKILLed writer.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openFsBlobStore } from './fs-blob-store.js';
import { commitOf } from './run-store-conformance-fixtures.js';
import { migrate, type Migration } from './sqlite-migrations.js';
import { openSqliteRunStore, RUN_STORE_SCHEMA_VERSION } from './sqlite-run-store.js';

describe('openSqliteRunStore', () => {
  let dir: string;
  let path: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgefed-sqlite-'));
    path = join(dir, 'runs.db');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps everything across close and reopen', async () => {
    const first = openSqliteRunStore({ path });
    await first.createRun({ id: 'r1', name: 'r1', config: { deep: { list: [1, 'two', null] } } });
    await first.upsertClientSession({ clientId: 'c1', resumeTokenHash: 'h', capabilities: { b: 'wasm' } });
    await first.commitRound(commitOf(1, 1, 0));
    const before = {
      run: await first.getRun('r1'),
      rounds: await first.listRounds('r1'),
      outcomes: await first.listClientOutcomes('r1'),
      metrics: await first.listMetrics('r1'),
      checkpoints: await first.listCheckpoints('r1'),
      session: await first.getClientSession('c1'),
    };
    await first.close();
    const second = openSqliteRunStore({ path });
    expect({
      run: await second.getRun('r1'),
      rounds: await second.listRounds('r1'),
      outcomes: await second.listClientOutcomes('r1'),
      metrics: await second.listMetrics('r1'),
      checkpoints: await second.listCheckpoints('r1'),
      session: await second.getClientSession('c1'),
    }).toEqual(before);
    expect(before.session).toMatchObject({ contributions: 1 });
    await second.close();
  });

  it('uses WAL and records the schema version once', async () => {
    openSqliteRunStore({ path })
      .close()
      .catch(() => undefined);
    const reopened = openSqliteRunStore({ path });
    await reopened.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const versions = db.prepare('SELECT version FROM schema_version ORDER BY version').pluck().all();
    expect(versions).toEqual(Array.from({ length: RUN_STORE_SCHEMA_VERSION }, (_, i) => i + 1));
    db.close();
  });

  it('refuses a database from a newer coordinator', async () => {
    await openSqliteRunStore({ path }).close();
    const db = new Database(path);
    db.prepare('INSERT INTO schema_version (version, description, applied_at) VALUES (99, ?, 0)').run(
      'future',
    );
    db.close();
    expect(() => openSqliteRunStore({ path })).toThrow(expect.objectContaining({ code: 'STORE_ERROR' }));
  });

  it('refuses bad paths and files that are not databases', async () => {
    expect(() => openSqliteRunStore({ path: '' })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    const junk = join(dir, 'junk.db');
    await writeFile(junk, 'this is not a database, just text that is long enough to look like a header');
    expect(() => openSqliteRunStore({ path: junk })).toThrow(
      expect.objectContaining({ code: 'STORE_ERROR' }),
    );
    const missingDir = join(dir, 'no', 'such', 'dir', 'x.db');
    expect(() => openSqliteRunStore({ path: missingDir })).toThrow(
      expect.objectContaining({ code: 'STORE_ERROR' }),
    );
  });

  it('detects a conflicting update made through another connection', async () => {
    const a = openSqliteRunStore({ path });
    const b = openSqliteRunStore({ path });
    await a.createRun({ id: 'r1', name: 'r1', config: {} });
    await b.updateRun('r1', { status: 'running' }, { expectedRevision: 0 });
    await expect(a.updateRun('r1', { status: 'paused' }, { expectedRevision: 0 })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    await expect(a.commitRound(commitOf(1, 1, 0))).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await a.getRun('r1')).toMatchObject({ status: 'running', revision: 1 });
    expect(await a.listRounds('r1')).toEqual([]);
    await a.close();
    await b.close();
  });

  it('keeps a committed round when the writer is SIGKILLed right after commitRound', async () => {
    const blobDir = join(dir, 'blobs');
    const fixture = fileURLToPath(new URL('./crash-child.fixture.ts', import.meta.url));
    const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
    const child = spawn(
      process.execPath,
      ['--conditions=@edgefed/source', '--import', 'tsx', fixture, path, blobDir],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(child, 'exit');
    let stdout = '';
    for await (const chunk of child.stdout) {
      stdout += (chunk as Buffer).toString();
      if (stdout.includes('\n')) break;
    }
    expect(stdout, stderr).toMatch(/^committed [0-9a-f]{64}\n$/);
    child.kill('SIGKILL');
    const [code, signal] = (await exited) as [number | null, string | null];
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGKILL' });
    expect(existsSync(`${path}-wal`)).toBe(true); // nothing was checkpointed or closed cleanly

    const store = openSqliteRunStore({ path });
    const blobs = await openFsBlobStore({ dir: blobDir });
    expect(await store.getRun('crash')).toMatchObject({
      status: 'running',
      currentModelVersion: 1,
      revision: 1,
    });
    expect(await store.listRounds('crash')).toMatchObject([{ round: 1, state: 'completed' }]);
    expect(await store.listClientOutcomes('crash')).toHaveLength(1);
    expect(await store.listMetrics('crash')).toMatchObject([{ name: 'loss', value: 0.25 }]);
    const checkpoint = await store.latestCheckpoint('crash');
    expect(checkpoint?.hash).toBe(stdout.trim().split(' ')[1]);
    const model = await blobs.get(checkpoint?.hash ?? '');
    expect(model.byteLength).toBe(checkpoint?.byteSize);
    await store.close();
    await blobs.close();
  }, 60_000);
});

describe('migrate', () => {
  const step = (version: number, sql: string): Migration => ({ version, description: `v${version}`, sql });
  const tables = (db: Database.Database): unknown[] =>
    db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 't%' ORDER BY name")
      .pluck()
      .all();

  it('applies only the migrations a database lacks, in order', () => {
    const db = new Database(':memory:');
    expect(migrate(db, [step(1, 'CREATE TABLE t1 (x)')], () => 5)).toBe(1);
    expect(migrate(db, [step(1, 'CREATE TABLE t1 (x)'), step(2, 'CREATE TABLE t2 (y)')], () => 6)).toBe(2);
    expect(tables(db)).toEqual(['t1', 't2']);
    expect(db.prepare('SELECT version, applied_at FROM schema_version ORDER BY version').raw().all()).toEqual(
      [
        [1, 5],
        [2, 6],
      ],
    );
    db.close();
  });

  it('rolls back a failing migration and keeps the ones before it', () => {
    const db = new Database(':memory:');
    const broken = [
      step(1, 'CREATE TABLE t1 (x)'),
      step(2, 'CREATE TABLE t2 (y); INSERT INTO nowhere VALUES (1)'),
    ];
    expect(() => migrate(db, broken, () => 0)).toThrow(expect.objectContaining({ code: 'STORE_ERROR' }));
    expect(tables(db)).toEqual(['t1']);
    expect(db.prepare('SELECT MAX(version) FROM schema_version').pluck().get()).toBe(1);
    db.close();
  });

  it('refuses migration lists that are not numbered 1, 2, 3, ...', () => {
    const db = new Database(':memory:');
    expect(() => migrate(db, [step(2, 'SELECT 1')], () => 0)).toThrow(
      expect.objectContaining({ code: 'INTERNAL' }),
    );
    db.close();
  });
});
