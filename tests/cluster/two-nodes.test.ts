/**
 * Two coordinator nodes (createCoordinator, in this process) sharing one real redis-server
 * and one real PostgreSQL database (runs, rounds, checkpoints and model blobs; each node has
 * its own data directory, as on separate machines): an admin dashboard socket on node B receives the run events node A emits (through
 * the socket.io Redis streams adapter), `GET /api/cluster` and `/metrics` on each node show
 * both nodes and A as the run's leader, B refuses to pause A's run when the request was
 * already forwarded by a node (CONFLICT naming A; no forwarding loops), and
 * when A dies (its Redis connection cut: no more heartbeats or lease renewals) A stops
 * driving the run, A disappears from the registry, and B takes the run lease over with a
 * higher epoch and resumes the run from the store. A run whose strategy needs every client's
 * update (Krum) is refused with `cluster-strategy`: cluster mode aggregates hierarchically. Pausing on the leader releases the lease, and
 * resuming on a third node makes it the leader (epoch 3), which then trains the run to the end
 * with two real participants connected to it. TTLs of 2 s keep it to a few seconds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import { rmSync } from 'node:fs';
import { type ClusterView, type Coordinator, type RunEvent } from '@edgefed/coordinator';
import { createJoinToken } from '@edgefed/coordinator';
import type { Participant } from '@edgefed/client';
import { mnistEngines, startParticipants } from '../faults/harness.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { startPostgres, type PostgresServer } from '../support/postgres.js';
import { startTestNode } from './cluster-harness.js';

const ADMIN_TOKEN = 'cluster-test-admin-token-0123456789';
const TOKEN_SECRET = 'cluster-test-token-secret-0123456789abcdef';

let redis: TestRedis;
let postgres: PostgresServer;
let databaseUrl = '';
const dataDirs: string[] = [];
let nodeA: Coordinator;
let nodeB: Coordinator;
let nodeC: Coordinator | undefined;
let runId = '';
const sockets: Socket[] = [];
let participants: Participant[] = [];
let engines: Awaited<ReturnType<typeof mnistEngines>> = [];

/** A node's own data directory (secrets, uploaded-model entries): nothing shared on disk. */
function startNode(nodeId: string): Promise<Coordinator> {
  const cluster = { redis: redis.url, nodeId };
  return startTestNode({
    databaseUrl,
    adminToken: ADMIN_TOKEN,
    tokenSecret: TOKEN_SECRET,
    dataDirs,
    cluster,
  });
}

async function api<T>(
  url: string,
  path: string,
  method = 'GET',
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', ...headers },
    ...(method === 'POST' && path === '/api/runs'
      ? {
          body: JSON.stringify({
            config: {
              model: '2nn',
              rounds: 2,
              strategy: { name: 'fedavg', minFitClients: 2, minAvailableClients: 2 },
              training: { batchSize: 16, learningRate: 0.05, maxSteps: 2 },
            },
          }),
        }
      : {}),
  });
  return { status: res.status, body: (await res.json()) as T };
}

async function metrics(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`)).text();
}

/** An admin dashboard socket on `url`, signed in with the admin token like the page does. */
async function adminSocket(url: string): Promise<Socket> {
  const res = await fetch(`${url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: ADMIN_TOKEN }),
  });
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const s = connect(`${url}/admin`, {
    transports: ['websocket'],
    extraHeaders: { cookie },
    reconnection: false,
    forceNew: true,
  });
  sockets.push(s);
  await new Promise<void>((resolve, reject) => {
    s.once('ready', () => resolve());
    s.once('connect_error', reject);
  });
  return s;
}

/** The next run event on `s` that matches; rejects, naming it, when none comes within 30 s. */
function nextRunEvent(s: Socket, match: (e: RunEvent) => boolean, what = 'run event'): Promise<RunEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      s.off('run-event', on);
      reject(new Error(`no ${what} within 30 s`));
    }, 30_000);
    const on = (e: RunEvent): void => {
      if (!match(e)) return;
      s.off('run-event', on);
      clearTimeout(timer);
      resolve(e);
    };
    s.on('run-event', on);
  });
}

/** Resolves when `check` holds (tested every 50 ms); the state it waits on lives in Redis. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  // Built first: compiling the trainers blocks this process's event loop for a second or two,
  // which would (rightly) cost a node in this same process its run lease.
  engines = await mnistEngines(2, 200);
  [redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
  databaseUrl = await postgres.createDatabase();
  nodeA = await startNode('node-a');
  nodeB = await startNode('node-b');
});

afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await Promise.all(participants.map((p) => p.stop()));
  await nodeC?.close();
  await nodeB.close();
  await nodeA.close();
  await Promise.all([redis.stop(), postgres.stop()]);
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

describe('two coordinator nodes on one Redis', () => {
  it('refuses, before storing anything, a run whose strategy needs every client update', async () => {
    const res = await fetch(`${nodeA.url}/api/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        config: { model: '2nn', rounds: 1, strategy: { name: 'krum' } },
      }),
    });
    const body = (await res.json()) as { error: { code: string; details?: { reason?: string } } };
    expect(res.status).toBe(400);
    expect(body.error.code).toBe('INVALID_CONFIG');
    expect(body.error.details?.reason).toBe('cluster-strategy');
    const runs = await api<{ runs: unknown[] }>(nodeB.url, '/api/runs');
    expect(runs.body.runs).toHaveLength(0);
  });

  it('share admin events, the registry and the gauges; B takes over the run when A dies', async () => {
    const onB = await adminSocket(nodeB.url);
    const created = nextRunEvent(
      onB,
      (e) => e.type === 'phase' && e.phase === 'waiting-for-clients',
      "node A's phase event on node B",
    );
    const run = await api<{ id: string; status: string }>(nodeA.url, '/api/runs', 'POST');
    expect(run.status).toBe(201);
    runId = run.body.id;
    // node A drives the run; its phase event reaches the admin socket connected to node B
    expect(await created).toMatchObject({ runId, phase: 'waiting-for-clients' });
    expect(nodeA.runs.leases()).toEqual([{ runId, epoch: 1 }]);
    expect(nodeB.runs.leases()).toEqual([]);

    for (const node of [nodeA, nodeB]) {
      const view = (await api<ClusterView & { cluster: boolean }>(node.url, '/api/cluster')).body;
      expect(view.cluster).toBe(true);
      expect(view.nodes.map((n) => [n.nodeId, n.url])).toEqual([
        ['node-a', nodeA.url],
        ['node-b', nodeB.url],
      ]);
      expect(view.leaders).toEqual([{ runId, nodeId: 'node-a', epoch: 1 }]);
      const text = await metrics(node.url);
      expect(text).toMatch(/^edgefed_cluster_nodes 2$/m);
      expect(text).toMatch(/^edgefed_cluster_redis_up 1$/m);
      expect(text).toContain(`edgefed_cluster_run_leader{run="${runId}",node="node-a"} 1`);
      expect(text).toMatch(/^edgefed_cluster_node_clients\{node="node-a"\} 0$/m);
      expect(text).toMatch(/^edgefed_cluster_node_clients\{node="node-b"\} 0$/m);
    }

    // B does not drive A's run: a pause that some node already forwarded (so B does not
    // forward it again; run-control.test.ts covers forwarding) is refused and names the leader
    const pause = await api<{ error: { code: string; details: { leader: string } } }>(
      nodeB.url,
      `/api/runs/${runId}/pause`,
      'POST',
      { 'x-edgefed-forwarded-by': 'node-x' },
    );
    expect(pause.status).toBe(409);
    expect(pause.body.error).toMatchObject({ code: 'CONFLICT', details: { leader: 'node-a' } });

    // node A dies: its Redis connection goes (no heartbeats, no renewals)
    const resumedOnB = nextRunEvent(
      onB,
      (e) => e.type === 'phase' && e.phase === 'waiting-for-clients',
      "node B's phase event after the takeover",
    );
    nodeA.cluster?.redis.disconnect();
    await until('A to stop driving the run', () => Promise.resolve(nodeA.runs.leases().length === 0));
    expect(nodeA.runs.phase(runId)).toBe('idle');
    await until('B to take the run over', () => Promise.resolve(nodeB.runs.leases().length === 1));
    expect(nodeB.runs.leases()[0]).toEqual({ runId, epoch: 2 });
    // B resumed the run from the store: its state machine runs there now (event from B)
    expect(await resumedOnB).toMatchObject({ runId });
    expect(nodeB.runs.phase(runId)).toBe('waiting-for-clients');
    await until('A to leave the registry', async () => {
      const view = (await api<ClusterView>(nodeB.url, '/api/cluster')).body;
      return view.nodes.length === 1;
    });
    const view = (await api<ClusterView>(nodeB.url, '/api/cluster')).body;
    expect(view.nodes.map((n) => n.nodeId)).toEqual(['node-b']);
    expect(view.leaders).toEqual([{ runId, nodeId: 'node-b', epoch: 2 }]);
    const text = await metrics(nodeB.url);
    expect(text).toMatch(/^edgefed_cluster_nodes 1$/m);
    expect(text).toContain(`edgefed_cluster_run_leader{run="${runId}",node="node-b"} 2`);
    // the dead node's own /metrics says it cannot see the cluster
    expect(await metrics(nodeA.url)).toMatch(/^edgefed_cluster_redis_up 0$/m);
  });

  it('pausing on the leader releases the lease; resuming on another node moves the run there', async () => {
    const onB = sockets[0] as Socket;
    const paused = await api<{ status: string }>(nodeB.url, `/api/runs/${runId}/pause`, 'POST');
    expect(paused).toMatchObject({ status: 200, body: { status: 'paused' } });
    expect(nodeB.runs.leases()).toEqual([]);
    expect((await api<ClusterView>(nodeB.url, '/api/cluster')).body.leaders).toEqual([]);
    nodeC = await startNode('node-c');
    const onC = nextRunEvent(onB, (e) => e.type === 'phase' && e.phase === 'waiting-for-clients');
    const resumed = await api<{ status: string }>(nodeC.url, `/api/runs/${runId}/resume`, 'POST');
    expect(resumed).toMatchObject({ status: 200, body: { status: 'running' } });
    expect(nodeC.runs.leases()).toEqual([{ runId, epoch: 3 }]);
    expect(await onC).toMatchObject({ runId }); // node C's event, on node B's admin socket
    expect(nodeC.runs.phase(runId)).toBe('waiting-for-clients');
    expect(nodeB.runs.phase(runId)).toBe('idle');
    expect((await api<ClusterView>(nodeB.url, '/api/cluster')).body.leaders).toEqual([
      { runId, nodeId: 'node-c', epoch: 3 },
    ]);
  });

  it('the node that took the run over trains it to the end with participants connected to it', async () => {
    const leader = nodeC;
    if (leader === undefined) throw new Error('node C did not start');
    const token = createJoinToken({ secret: TOKEN_SECRET, run: runId });
    participants = await startParticipants(leader.url, token, engines);
    await leader.runs.settled(runId);
    const run = (await api<{ status: string; currentRound: number }>(nodeB.url, `/api/runs/${runId}`)).body;
    // a lease lost under load ends C's loop with the run still running: say so if it happens
    const leases = { a: nodeA.runs.leases(), b: nodeB.runs.leases(), c: leader.runs.leases() };
    expect({ ...run, leases }).toMatchObject({ status: 'completed', currentRound: 2 });
    const rounds = (
      await api<{ rounds: { round: number; state: string }[] }>(nodeB.url, `/api/runs/${runId}/rounds`)
    ).body.rounds;
    expect(rounds.filter((r) => r.state === 'completed').map((r) => r.round)).toEqual([1, 2]);
    // the finished run's lease is released
    await until('the lease release', () => Promise.resolve(leader.runs.leases().length === 0));
    expect((await api<ClusterView>(nodeB.url, '/api/cluster')).body.leaders).toEqual([]);
  });
});
