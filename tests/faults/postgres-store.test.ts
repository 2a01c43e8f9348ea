/**
 * The coordinator on PostgreSQL, end to end: `edgefed serve --postgres URL` (the real CLI
 * in a child process) trains a run with two Node participants; it is SIGKILLed in round 2;
 * a second coordinator (in this process, same port, same database, a different data dir:
 * nothing it needs is on the first one's disk) resumes the run from the last checkpoint in
 * PostgreSQL, the participants resume under their old ids, and the run finishes with no
 * committed round rewritten. Also: a database that cannot be reached fails promptly with
 * STORE_ERROR. And uploaded models are shared by the nodes on one database: a model uploaded
 * through node A is listed by node B (opened before the upload) and a run created on B can
 * name it. One real PostgreSQL (tests/support/postgres.ts) for the file.
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
import { fixtureBytes } from '../import/fixtures.js';
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

const lenet = fixtureBytes('lenet-bn');
const lenetHash = `sha256:${createHash('sha256').update(lenet).digest('hex')}`;

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

/** Polls `check` every 50 ms until it holds; fails after 10 s. */
async function until(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise<void>((r) => setTimeout(r, 50));
  }
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

  it('shares uploaded models between nodes: uploaded on A, listed and named by a run on B', async () => {
    const url = await pg.createDatabase('models');
    const a = await inProcess(url, 0);
    const b = await inProcess(url, 0); // opened before the upload: B learns of it on a miss
    const d = await inProcess(url, 0); // opened before the upload too, and asked nothing about it
    await Promise.all([a.listen(), b.listen(), d.listen()]);
    const headers = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/octet-stream' };
    const res = await fetch(`${a.url}/api/models?name=shared`, {
      method: 'POST',
      headers,
      body: Uint8Array.from(lenet),
    });
    expect(res.status).toBe(201);
    const again = await fetch(`${b.url}/api/models`, {
      method: 'POST',
      headers,
      body: Uint8Array.from(lenet),
    });
    expect(again.status).toBe(200); // the same bytes through B: A's entry, not a second one
    expect(((await again.json()) as { name: string }).name).toBe('shared');
    const listed = await api<{ models: { hash: string; name: string }[] }>(b.url, '/api/models');
    expect(listed.body.models).toMatchObject([{ hash: lenetHash, name: 'shared' }]);
    const one = await api<{ hash: string }>(b.url, `/api/models/${lenetHash}`);
    expect(one.body.hash).toBe(lenetHash);
    const run = await api<{ id: string; status: string }>(b.url, '/api/runs', {
      method: 'POST',
      body: { config: { model: { onnx: lenetHash }, rounds: 1 }, start: false },
    });
    expect(run.status).toBe(201);
    // a node opened later has it from the start; an unknown hash is still refused
    const c = await inProcess(url, 0);
    await c.listen();
    expect(c.stores.models.list().map((m) => m.hash)).toEqual([lenetHash]);
    const unknown = await api<{ error: { code: string } }>(c.url, '/api/runs', {
      method: 'POST',
      body: { config: { model: { onnx: `sha256:${'0'.repeat(64)}` }, rounds: 1 }, start: false },
    });
    expect(unknown.body.error.code).toBe('INVALID_MODEL');
    const onnx = await fetch(`${c.url}/api/models/${lenetHash}/onnx`, { headers });
    expect(Buffer.compare(Buffer.from(await onnx.arrayBuffer()), Buffer.from(lenet))).toBe(0);
    // a node that drives a run it did not create (a takeover, a start through it) loads the
    // model from the shared library before the run's loop resolves it
    expect(d.stores.models.list()).toEqual([]);
    const started = await api<{ status: string }>(d.url, `/api/runs/${run.body.id}/start`, {
      method: 'POST',
    });
    expect(started.status).toBe(200);
    await until(async () => (await d.stores.runs.latestCheckpoint(run.body.id)) !== undefined);
    expect((await d.stores.runs.getRun(run.body.id)).status).toBe('running');
    expect(d.stores.models.list().map((m) => m.hash)).toEqual([lenetHash]);
    await api(d.url, `/api/runs/${run.body.id}/stop`, { method: 'POST' });
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
