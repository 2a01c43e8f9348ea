/**
 * The coordinator on PostgreSQL, end to end: `edgefed serve --postgres URL` (the real CLI
 * in a child process) trains a run with two Node participants; it is SIGKILLed in round 2;
 * a second coordinator (in this process, same port, same database, a different data dir:
 * nothing it needs is on the first one's disk) resumes the run from the last checkpoint in
 * PostgreSQL, the participants resume under their old ids, and the run finishes with no
 * committed round rewritten. Also: a database that cannot be reached fails promptly with
 * STORE_ERROR. One real PostgreSQL (tests/support/postgres.ts) for the file.
 */
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Participant } from '@edgefed/client';
import {
  createCoordinator,
  loadConfig,
  openPgRunStore,
  silentLogger,
  type Coordinator,
} from '@edgefed/coordinator';
import { startPostgres, type PostgresServer } from '../support/postgres.js';
import { killAfterRound, readProgress, reconnected, startCrashRun } from './crash-run.js';
import {
  ADMIN_TOKEN,
  TOKEN_SECRET,
  api,
  freePort,
  mnistEngines,
  tempDir,
  type ChildCoordinator,
} from './harness.js';

let pg: PostgresServer;
const children: ChildCoordinator[] = [];
const coordinators: Coordinator[] = [];
let participants: Participant[] = [];
const dirs: string[] = [];
const dir = (prefix: string): string => {
  const path = tempDir(prefix);
  dirs.push(path);
  return path;
};

beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(async () => {
  await Promise.all(participants.map((p) => p.stop()));
  for (const c of children) await c.kill('SIGKILL');
  for (const c of coordinators) await c.close();
  await pg.stop();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** The run's progress in the PostgreSQL database at `url`. */
async function storeView(url: string, runId: string, clientIds: readonly string[] = []) {
  return readProgress(await openPgRunStore({ url }), runId, clientIds);
}

/** A coordinator in this process on PostgreSQL at `port` (0: any). */
async function inProcess(url: string, port: number): Promise<Coordinator> {
  const config = loadConfig({
    overrides: {
      server: { port },
      store: { kind: 'postgres', url, dataDir: dir('pgstore-node') },
      auth: { adminToken: ADMIN_TOKEN, tokenSecret: TOKEN_SECRET },
      log: { level: 'silent' },
    },
  });
  const coordinator = await createCoordinator({ config, logger: silentLogger() });
  coordinators.push(coordinator);
  return coordinator;
}

describe('coordinator on PostgreSQL', () => {
  it('survives a SIGKILL: another coordinator on the database resumes and finishes the run', async () => {
    const url = await pg.createDatabase('recovery');
    const engines = await mnistEngines(2, 200);
    const dataDir = dir('pgstore-first');
    const started = await startCrashRun({
      dataDir,
      args: ['--postgres', url],
      rounds: 3,
      maxSteps: 2,
      engines,
    });
    const { port, child: first, runId, token } = started;
    children.push(first);
    expect(first.logs.find((l) => l.msg === 'coordinator listening')).toMatchObject({ store: 'postgres' });
    participants = started.participants;
    const ids = participants.map((p) => p.clientId);

    await killAfterRound(first, participants, { round: 1, timeoutMs: 60_000 });
    const crashed = await storeView(url, runId);
    expect(crashed.versions.slice(0, 2)).toEqual([0, 1]);
    expect(crashed.run.status).toBe('running');

    const rejoined = reconnected(participants);
    const second = await inProcess(url, port);
    const finished = new Promise<void>((ok) => {
      second.onRunEvent((e) => {
        if (e.type === 'phase' && e.phase === 'completed' && e.runId === runId) ok(); // after the status write
      });
    });
    await second.listen();
    const connected = await rejoined;
    expect(connected.map((c) => [c.clientId, c.resumed])).toEqual(ids.map((id) => [id, true]));
    await finished;

    const run = await api<{ status: string; currentRound: number }>(first.url, `/api/runs/${runId}`);
    expect(run.body).toMatchObject({ status: 'completed', currentRound: 3 });
    const after = await storeView(url, runId, ids);
    expect(after.versions).toEqual([0, 1, 2, 3]);
    expect(after.hashes.slice(0, 2)).toEqual(crashed.hashes.slice(0, 2)); // nothing committed rewritten
    const done = after.rounds.filter((r) => r.state === 'completed').map((r) => r.round);
    expect(done).toEqual([1, 2, 3]);
    expect(after.sessions.map((s) => s?.contributions)).toEqual([3, 3]);
    // The model blobs are in PostgreSQL too: the new node serves the checkpoint it never wrote.
    const hash = crashed.hashes[1] ?? '';
    const headers = { authorization: `Bearer ${token}` };
    const model = await fetch(`${first.url}/models/${hash}`, { headers });
    expect(model.status).toBe(200);
    expect(
      createHash('sha256')
        .update(Buffer.from(await model.arrayBuffer()))
        .digest('hex'),
    ).toBe(hash);
  });

  it('fails promptly with STORE_ERROR when the database cannot be reached', async () => {
    const closedPort = await freePort();
    const started = Date.now();
    await expect(inProcess(`postgres://postgres@127.0.0.1:${closedPort}/nope`, 0)).rejects.toMatchObject({
      code: 'STORE_ERROR',
    });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
