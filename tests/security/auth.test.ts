/**
 * Security over real HTTP and sockets: the admin token guards the REST API, join tokens are
 * checked (signature, expiry) and scope participants to their run, unauthenticated sockets
 * are refused before anything is allocated for them, over-rate clients get RATE_LIMITED,
 * and client sessions (with their contributions) are persisted in the SQLite store.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { connect, type Participant } from '@edgefed/client';
import { createJoinToken, openSqliteRunStore, type Coordinator } from '@edgefed/coordinator';
import { EdgefedError, PROTOCOL_VERSION, type ErrorMessage } from '@edgefed/shared';
import {
  ADMIN_TOKEN,
  TOKEN_SECRET,
  api,
  createRun,
  mnistEngines,
  startInProcess,
  startParticipants,
} from '../faults/harness.js';
import { rawCapabilities, rawParticipant } from '../faults/raw-participant.js';

let coordinator: (Coordinator & { dataDir: string }) | undefined;
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
  await coordinator?.close();
  coordinator = undefined;
});

async function socketTo(url: string): Promise<Socket> {
  const socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true });
  cleanups.push(() => void socket.disconnect());
  await new Promise<void>((ok, fail) => {
    socket.once('connect', ok);
    socket.once('connect_error', fail);
  });
  return socket;
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'accepted';
  } catch (err) {
    if (err instanceof EdgefedError) return err.code;
    throw err;
  }
}

describe('security', () => {
  it('guards the REST API with the admin token', async () => {
    coordinator = await startInProcess();
    expect((await api(coordinator.url, '/api/runs', { token: null })).status).toBe(401);
    expect((await api(coordinator.url, '/api/runs', { token: 'wrong-admin-token-0123456789' })).status).toBe(
      401,
    );
    expect((await api(coordinator.url, '/api/runs', { token: ADMIN_TOKEN })).status).toBe(200);
    expect((await fetch(`${coordinator.url}/models/${'0'.repeat(64)}`)).status).toBe(401);
  });

  it('refuses expired and forged join tokens, and scopes a token to its run', async () => {
    coordinator = await startInProcess();
    const url = coordinator.url;
    const expired = createJoinToken({
      secret: TOKEN_SECRET,
      run: '*',
      ttlSeconds: 60,
      now: Date.now() - 3600_000,
    });
    const forged = createJoinToken({ secret: 'not-the-secret-0123456789-0123456789', run: '*' });
    for (const token of [expired, forged]) {
      expect(await codeOf(connect({ url, token, capabilities: rawCapabilities }))).toBe('UNAUTHORIZED');
    }
    const runId = await createRun(url, {
      model: '2nn',
      rounds: 1,
      strategy: { name: 'fedavg', minFitClients: 1, minAvailableClients: 1 },
      roundDeadlineMs: 30_000,
    });
    const other = await rawParticipant(url, createJoinToken({ secret: TOKEN_SECRET, run: 'another-run' }));
    let otherTasks = 0;
    other.conn.on('task', () => otherTasks++);
    const mine = await rawParticipant(url, createJoinToken({ secret: TOKEN_SECRET, run: runId }));
    cleanups.push(
      () => other.close(),
      () => mine.close(),
    );
    const task = await mine.nextTask();
    expect(task.runId).toBe(runId);
    const global = await mine.fetchModel(task);
    const zeros = new Map(
      [...global].map(([n, t]) => [
        n,
        { dtype: 'float32' as const, shape: t.shape, data: new Float32Array(t.data.length) },
      ]),
    );
    await mine.submit(task, zeros);
    await coordinator.runs.settled(runId);
    expect((await api<{ status: string }>(url, `/api/runs/${runId}`)).body.status).toBe('completed');
    expect(otherTasks).toBe(0); // connected and idle the whole run, never selected
  });

  it('refuses unauthenticated sockets before registering or buffering anything', async () => {
    coordinator = await startInProcess();
    const socket = await socketTo(coordinator.url);
    const error = new Promise<ErrorMessage>((ok) => socket.once('error', ok));
    const gone = new Promise<void>((ok) => socket.once('disconnect', () => ok()));
    socket.emit('upload-chunk', { type: 'upload-chunk', taskId: 't', data: new Uint8Array(512 * 1024) });
    expect((await error).code).toBe('FAILED_PRECONDITION');
    await gone;
    // Above maxMessageBytes (2 MiB) engine.io drops the connection without delivering it.
    const big = await socketTo(coordinator.url);
    const dropped = new Promise<string>((ok) => big.once('disconnect', ok));
    big.emit('hello', { type: 'hello', blob: new Uint8Array(3 * 1024 * 1024) });
    expect(await dropped).toMatch(/transport (close|error)/);
    expect(coordinator.plane.connectedClientIds()).toEqual([]);
    expect(coordinator.plane.rejections.get('FAILED_PRECONDITION')).toBe(1);
  });

  it('rate-limits a client that sends too many messages (token bucket, RATE_LIMITED)', async () => {
    coordinator = await startInProcess({ limits: { messagesPerSecond: 5 } });
    const socket = await socketTo(coordinator.url);
    const welcome = new Promise((ok) => socket.once('welcome', ok));
    const token = createJoinToken({ secret: TOKEN_SECRET, run: '*' });
    socket.emit('hello', {
      type: 'hello',
      protocolVersion: PROTOCOL_VERSION,
      token,
      capabilities: rawCapabilities,
    });
    await welcome;
    const limited: ErrorMessage[] = [];
    const fifteen = new Promise<void>((ok) =>
      socket.on('error', (e: ErrorMessage) => {
        if (e.code === 'RATE_LIMITED' && limited.push(e) === 15) ok();
      }),
    );
    for (let i = 0; i < 20; i++) socket.emit('progress', { type: 'progress', taskId: 'none', step: i });
    await fifteen; // a burst of 5 passes, the other 15 are refused
    expect(limited[0]?.details).toMatchObject({ messagesPerSecond: 5 });
    expect(Number(limited[0]?.details?.retryAfterMs)).toBeGreaterThan(0);
    const prom = await (await fetch(`${coordinator.url}/metrics`)).text();
    expect(prom).toMatch(/edgefed_rejected_messages_total\{code="RATE_LIMITED"\} 1[45]\b/);
    expect(socket.connected).toBe(true);
  });

  it('persists client sessions with their contributions in the SQLite store', async () => {
    coordinator = await startInProcess();
    const token = createJoinToken({ secret: TOKEN_SECRET, run: '*' });
    const [participant] = (await startParticipants(coordinator.url, token, await mnistEngines(1))) as [
      Participant,
    ];
    const runId = await createRun(coordinator.url, {
      model: '2nn',
      rounds: 2,
      strategy: { name: 'fedavg', minFitClients: 1, minAvailableClients: 1 },
      training: { batchSize: 16, maxSteps: 2 },
    });
    await coordinator.runs.settled(runId);
    const clientId = participant.clientId;
    await participant.stop();
    const { dataDir } = coordinator;
    await coordinator.close();
    coordinator = undefined;
    const store = openSqliteRunStore({ path: `${dataDir}/edgefed.db` });
    try {
      const session = await store.getClientSession(clientId);
      expect(session).toMatchObject({ clientId, contributions: 2, failures: 0 });
      expect(session?.resumeTokenHash).toMatch(/^[0-9a-f]{64}$/);
      expect(session?.capabilities).toMatchObject({ backend: 'node', deviceClass: 'virtual' });
    } finally {
      await store.close();
    }
  });
});
