/**
 * Run control and client sessions across two coordinator nodes on one real redis-server and
 * one real PostgreSQL database (each node with its own data directory, as on two machines).
 *
 * - Pause and stop sent to the node that does not lead the run are forwarded to the leader
 *   (with the bearer token, and with the dashboard's session cookie + CSRF header) and the
 *   run's status changes; resume on a non-leader takes the run over (a paused run has no
 *   leader). A request already forwarded is never forwarded again (409 naming the leader);
 *   a leader missing from the registry or unreachable gives 503 naming it.
 * - A participant with a session on node A (it trained round 1 there) disconnects, connects
 *   to node B with its resume token, keeps its client id, and trains round 2 there; back on
 *   node A (which still holds it, disconnected, with an older token) B's token resumes it too.
 * TTLs of 2 s keep it to a few seconds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { createJoinToken, NodeRegistry, type Coordinator } from '@edgefed/coordinator';
import { createParticipant, type LocalTrainingEngine, type Participant } from '@edgefed/client';
import { mnistEngines, nextParticipantEvent } from '../faults/harness.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { startPostgres, type PostgresServer } from '../support/postgres.js';
import { CLUSTER_TTL_MS, startTestNode } from './cluster-harness.js';

const ADMIN_TOKEN = 'run-control-test-admin-token-0123456789';
const TOKEN_SECRET = 'run-control-test-token-secret-0123456789abcdef';
const FORWARDED = 'x-edgefed-forwarded-by';

let redis: TestRedis;
let postgres: PostgresServer;
let databaseUrl = '';
const dataDirs: string[] = [];
let nodeA: Coordinator;
let nodeB: Coordinator;
let engines: LocalTrainingEngine[] = [];
const participants: Participant[] = [];
const extraNodes: Coordinator[] = [];

function startNode(nodeId: string, publicUrl?: string): Promise<Coordinator> {
  return startTestNode({
    databaseUrl,
    adminToken: ADMIN_TOKEN,
    tokenSecret: TOKEN_SECRET,
    dataDirs,
    cluster: { redis: redis.url, nodeId },
    ...(publicUrl === undefined ? {} : { server: { publicUrl } }),
  });
}

interface Answer<T> {
  status: number;
  body: T;
  answeredBy: string | null;
}

async function call<T>(
  url: string,
  path: string,
  o: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer<T>> {
  const res = await fetch(`${url}${path}`, {
    method: o.method ?? 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', ...o.headers },
    ...(o.body === undefined ? {} : { body: JSON.stringify(o.body) }),
  });
  return {
    status: res.status,
    body: (await res.json()) as T,
    answeredBy: res.headers.get('x-edgefed-answered-by'),
  };
}

/** A run created on `url` (its leader), two rounds of one client. */
async function createRun(url: string, start = true): Promise<string> {
  const created = await call<{ id: string }>(url, '/api/runs', {
    body: {
      start,
      config: {
        model: '2nn',
        rounds: 2,
        strategy: { name: 'fedavg', minFitClients: 1, minAvailableClients: 1 },
        training: { batchSize: 16, learningRate: 0.05, maxSteps: 2 },
      },
    },
  });
  expect(created.status).toBe(201);
  return created.body.id;
}

const status = async (url: string, runId: string): Promise<string> =>
  (await call<{ status: string }>(url, `/api/runs/${runId}`, { method: 'GET' })).body.status;

/** `engine` whose second and later fits wait until their task is aborted. */
function stallAfterFirstFit(engine: LocalTrainingEngine): {
  engine: LocalTrainingEngine;
  stalled: Promise<void>;
} {
  let fits = 0;
  let onStall: () => void = () => undefined;
  const stalled = new Promise<void>((resolve) => (onStall = resolve));
  return {
    stalled,
    engine: {
      backend: engine.backend,
      exampleCount: engine.exampleCount,
      evaluate: (input) => engine.evaluate(input),
      dispose: () => engine.dispose(),
      async fit(input) {
        fits += 1;
        if (fits === 1) return engine.fit(input);
        onStall();
        return new Promise((_, reject) => {
          const abort = (): void => reject(input.signal.reason as Error);
          if (input.signal.aborted) abort();
          else input.signal.addEventListener('abort', abort, { once: true });
        });
      },
    },
  };
}

beforeAll(async () => {
  engines = await mnistEngines(2, 200); // before the nodes start: compiling blocks the loop
  [redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
  databaseUrl = await postgres.createDatabase();
  nodeA = await startNode('node-a');
  nodeB = await startNode('node-b');
});

afterAll(async () => {
  await Promise.all(participants.map((p) => p.stop()));
  for (const n of extraNodes) await n.close(); // idempotent
  await nodeB.close();
  await nodeA.close();
  await Promise.all([redis.stop(), postgres.stop()]);
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

describe('run control on any node', () => {
  it('forwards pause and stop to the leader; resume on a non-leader moves the run there', async () => {
    const runId = await createRun(nodeA.url);
    expect(nodeA.runs.leases()).toEqual([{ runId, epoch: 1 }]);

    // the dashboard's way: session cookie + CSRF header, sent to the node that does not lead
    const session = await fetch(`${nodeB.url}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: ADMIN_TOKEN }),
    });
    const cookie = (session.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const { csrfToken } = (await session.json()) as { csrfToken: string };
    const paused = await fetch(`${nodeB.url}/api/runs/${runId}/pause`, {
      method: 'POST',
      headers: { cookie, 'x-edgefed-csrf': csrfToken },
    });
    expect(paused.status).toBe(200);
    expect(paused.headers.get('x-edgefed-answered-by')).toBe('node-a');
    expect(await paused.json()).toMatchObject({ id: runId, status: 'paused' });
    expect(nodeA.runs.leases()).toEqual([]); // pausing released the lease
    expect(await status(nodeB.url, runId)).toBe('paused');

    // a paused run has no leader: resuming on B makes B its leader
    const resumed = await call<{ status: string }>(nodeB.url, `/api/runs/${runId}/resume`);
    expect(resumed).toMatchObject({ status: 200, body: { status: 'running' }, answeredBy: null });
    expect(nodeB.runs.leases()).toEqual([{ runId, epoch: 2 }]);

    // a request some node already forwarded is not forwarded again: the CONFLICT comes back
    const loop = await call<{ error: { code: string; details: { leader: string } } }>(
      nodeA.url,
      `/api/runs/${runId}/stop`,
      { headers: { [FORWARDED]: 'node-x' } },
    );
    expect(loop.status).toBe(409);
    expect(loop.body.error).toMatchObject({ code: 'CONFLICT', details: { leader: 'node-b' } });
    expect(await status(nodeA.url, runId)).toBe('running');

    // the bearer token's way, to the other non-leader now
    const stopped = await call<{ status: string }>(nodeA.url, `/api/runs/${runId}/stop`);
    expect(stopped).toMatchObject({ status: 200, body: { status: 'stopped' }, answeredBy: 'node-b' });
    expect(await status(nodeA.url, runId)).toBe('stopped');
  });

  it('answers 503 naming the leader when the leader is not registered or unreachable', async () => {
    const runId = await createRun(nodeA.url, false);
    const cluster = nodeA.cluster;
    if (cluster === undefined) throw new Error('node A is not in cluster mode');
    // a node that holds the lease but is gone from the registry (died, lease not yet expired)
    const grant = await cluster.leases.acquire(runId, 'node-ghost');
    expect(grant).toBeDefined();
    const missing = await call<{ error: { code: string; details: { leader: string } } }>(
      nodeB.url,
      `/api/runs/${runId}/start`,
    );
    expect(missing.status).toBe(503);
    expect(missing.body.error).toMatchObject({ code: 'UNAVAILABLE', details: { leader: 'node-ghost' } });
    // registered, but nothing listens at its URL
    const ghost = new NodeRegistry({ redis: cluster.redis, nodeId: 'node-ghost', ttlMs: CLUSTER_TTL_MS });
    await ghost.start('http://127.0.0.1:9', () => 0);
    try {
      const refused = await call<{ error: { code: string; details: { leader: string } } }>(
        nodeB.url,
        `/api/runs/${runId}/start`,
      );
      expect(refused.status).toBe(503);
      expect(refused.body.error).toMatchObject({ code: 'UNAVAILABLE', details: { leader: 'node-ghost' } });
    } finally {
      await ghost.stop();
      if (grant !== undefined) await cluster.leases.release(grant);
    }
    expect(await status(nodeB.url, runId)).toBe('created');
  });

  it('forwards to the address a leader behind a load balancer registered, not its public URL', async () => {
    // node C's public URL names a load balancer that does not exist here; the registry and
    // the forwarding use the address C listens on
    const nodeC = await startNode('node-c', 'http://load-balancer.invalid:8080');
    extraNodes.push(nodeC);
    const address = nodeC.http.address();
    if (address === null || typeof address === 'string') throw new Error('node C has no address');
    const own = `http://127.0.0.1:${address.port}`;
    const view = await call<{ nodes: { nodeId: string; url: string }[] }>(nodeA.url, '/api/cluster', {
      method: 'GET',
    });
    expect(view.body.nodes.find((n) => n.nodeId === 'node-c')?.url).toBe(own);
    const runId = await createRun(own);
    expect(nodeC.runs.leases()).toEqual([{ runId, epoch: 1 }]);
    const stopped = await call<{ status: string }>(nodeA.url, `/api/runs/${runId}/stop`);
    expect(stopped).toMatchObject({ status: 200, body: { status: 'stopped' }, answeredBy: 'node-c' });
    await nodeC.close(); // leaves the cluster before the next test
  });
});

describe('resume tokens across nodes', () => {
  it('a participant moves from node A to node B with its resume token and trains a later round there', async () => {
    const [first, second] = engines;
    if (first === undefined || second === undefined) throw new Error('no engines');
    const runId = await createRun(nodeA.url);
    const token = createJoinToken({ secret: TOKEN_SECRET, run: runId });
    const gated = stallAfterFirstFit(first);
    const onA = await createParticipant({
      url: nodeA.url,
      token,
      engine: gated.engine,
      transports: ['websocket'],
      deviceClass: 'virtual',
      reconnect: { initialDelayMs: 50, maxDelayMs: 400 },
    });
    participants.push(onA);
    const clientId = onA.clientId;
    await gated.stalled; // round 1 trained on A; round 2's task is being "trained" on A
    const paused = await call<{ status: string }>(nodeB.url, `/api/runs/${runId}/pause`);
    expect(paused).toMatchObject({ status: 200, body: { status: 'paused' }, answeredBy: 'node-a' });
    const resumeToken = onA.resumeToken;
    await onA.stop();

    const onB = await createParticipant({
      url: nodeB.url,
      token,
      engine: second,
      resumeToken,
      transports: ['websocket'],
      deviceClass: 'virtual',
      reconnect: { initialDelayMs: 50, maxDelayMs: 400 },
    });
    participants.push(onB);
    expect(onB.clientId).toBe(clientId);
    const trained = nextParticipantEvent(onB, 'task-completed', (e) => e.kind === 'fit');
    const resumed = await call<{ status: string }>(nodeB.url, `/api/runs/${runId}/resume`);
    expect(resumed).toMatchObject({ status: 200, body: { status: 'running' } });
    expect(nodeB.runs.leases()).toEqual([{ runId, epoch: 2 }]);
    await trained;
    await nodeB.runs.settled(runId);
    expect(await status(nodeA.url, runId)).toBe('completed');
    const outcomes = (
      await call<{ outcomes: { clientId: string; round: number; outcome: string }[] }>(
        nodeA.url,
        `/api/runs/${runId}/outcomes`,
        { method: 'GET' },
      )
    ).body.outcomes;
    const completed = outcomes.filter((o) => o.outcome === 'completed');
    expect(completed.map((o) => [o.round, o.clientId])).toEqual([
      [1, clientId],
      [2, clientId],
    ]);

    // back to node A, which still holds the client (disconnected, in its grace period) with
    // the token it issued: the newer token node B issued still resumes the same id there
    const latest = onB.resumeToken;
    await onB.stop();
    const backOnA = await createParticipant({
      url: nodeA.url,
      token,
      engine: second,
      resumeToken: latest,
      transports: ['websocket'],
      deviceClass: 'virtual',
      reconnect: { initialDelayMs: 50, maxDelayMs: 400 },
    });
    participants.push(backOnA);
    expect(backOnA.clientId).toBe(clientId);
  });
});
