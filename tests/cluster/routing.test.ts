/**
 * Cross-node task routing and hierarchical aggregation in the round path (issue #16): three
 * coordinator nodes (createCoordinator in this process) on one real redis-server and one real
 * PostgreSQL database, with Node participants spread over them (two per node), connected to
 * their own node only. Participants train with a deterministic engine (the new parameters are
 * a fixed function of the global model and the participant's index), so that runs can be
 * compared bit for bit across topologies.
 *
 * - a run created on node A trains to completion; every participant on every node gets a fit
 *   task every round and the final federated evaluation's task (relayed: metrics only); node A (the leader) receives upload bytes only from its own two clients (its
 *   `edgefed_bytes_in_total` equals their recorded bytes), and the routing streams hold only
 *   small entries (ids, outcomes, partial hashes), so no remote update went through the
 *   leader or Redis; the leader deleted the partial blobs after reading them, and every
 *   checkpoint's blob is intact;
 * - equivalence: the same run on one plain coordinator (no cluster) with the same six
 *   participants gives the same global model within 1e-6 (relative);
 * - a non-leader node closed while its clients train: the round closes with the four others
 *   (the closed node's clients dropped, nothing counted twice: the round's numResults equals
 *   its completed outcomes), and the run goes on to the end on the two remaining nodes;
 * - a non-leader node whose Redis connection is cut mid-round (as a crashed node) is dropped
 *   once its registry entry expires: its client counts as dropped, the run goes on;
 * - malformed stream entries, and a deposed leader's batch (stale epoch: refused with
 *   CONFLICT), are dropped without harm, and the nodes then train a DP-FedAvg run (nodes clip,
 *   the leader refuses any partial folded without the run's clip norm);
 * - a participant that reconnects to another node with its resume token keeps its client id
 *   (sessions are in PostgreSQL).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { Redis } from 'ioredis';
import { createJoinToken, type Coordinator } from '@edgefed/coordinator';
import { createParticipant, type LocalTrainingEngine, type Participant } from '@edgefed/client';
import { decodeTensorMap, type Tensor, type TensorMap } from '@edgefed/shared';
import { startParticipants } from '../faults/harness.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { startPostgres, type PostgresServer } from '../support/postgres.js';
import { startTestNode } from './cluster-harness.js';

const ADMIN_TOKEN = 'routing-test-admin-token-0123456789';
const TOKEN_SECRET = 'routing-test-token-secret-0123456789abcdef';

let redis: TestRedis;
let staleRunId = '';
let postgres: PostgresServer;
let databaseUrl = '';
const dataDirs: string[] = [];
const nodes: Coordinator[] = [];
const participants: Participant[] = [];

/** Holds the fits of engines whose index is in `held` until `release` is called. */
const gate: { held: Set<number>; started: Set<number>; release: () => void; wait: Promise<void> } = {
  held: new Set<number>(),
  started: new Set<number>(),
  release: () => undefined,
  wait: Promise.resolve(),
};

/** Participant `i`'s engine: new parameters = 0.9 x global + a fixed per-participant offset. */
function fixedEngine(i: number): LocalTrainingEngine {
  const exampleCount = 20 + 7 * i;
  return {
    backend: 'node',
    exampleCount,
    async fit({ global }) {
      if (gate.held.has(i)) {
        gate.started.add(i);
        await gate.wait;
      }
      const parameters = new Map<string, Tensor>();
      for (const [name, t] of global) {
        const src = t.data as Float32Array;
        const data = new Float32Array(src.length);
        for (let j = 0; j < src.length; j++)
          data[j] = 0.9 * src[j]! + 0.001 * (i + 1) * Math.sin(0.37 * j + i);
        parameters.set(name, { dtype: 'float32', shape: t.shape, data });
      }
      return { parameters, exampleCount, metrics: { loss: 1 / (i + 1) } };
    },
    evaluate() {
      return Promise.resolve({ loss: 0.5, exampleCount: 10, metrics: {} });
    },
    async dispose() {},
  };
}

function runConfig(rounds: number, minClients: number, evaluateEvery = 0): Record<string, unknown> {
  return {
    model: '2nn',
    rounds,
    evaluateEvery,
    seed: 5,
    roundDeadlineMs: 20_000,
    strategy: { name: 'fedavg', minFitClients: minClients, minAvailableClients: minClients, fractionFit: 1 },
    training: { batchSize: 16, learningRate: 0.05, maxSteps: 1 },
  };
}

async function startNode(o: { cluster?: { redis: string; nodeId: string } } = {}): Promise<Coordinator> {
  const c = await startTestNode({
    databaseUrl,
    adminToken: ADMIN_TOKEN,
    tokenSecret: TOKEN_SECRET,
    dataDirs,
    ...(o.cluster === undefined ? { memoryStore: true } : { cluster: o.cluster }),
  });
  nodes.push(c);
  return c;
}

const clusterNode = (nodeId: string): Promise<Coordinator> =>
  startNode({ cluster: { redis: redis.url, nodeId } });

async function createRun(node: Coordinator, config: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${node.url}/api/runs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ config }),
  });
  const body = (await res.json()) as { id: string };
  expect(res.status).toBe(201);
  return body.id;
}

/** Participants with engines `indices` on `node`, admitted to `runId`; counts their fit tasks. */
async function enlist(
  node: Coordinator,
  runId: string,
  indices: number[],
  tasks: Map<number, number>,
  evaluations = new Map<number, number>(),
) {
  const token = createJoinToken({ secret: TOKEN_SECRET, run: runId });
  const ps = await startParticipants(node.url, token, indices.map(fixedEngine));
  ps.forEach((p, k) => {
    const i = indices[k]!;
    p.on('task-started', (t) => {
      const counts = t.kind === 'fit' ? tasks : evaluations;
      counts.set(i, (counts.get(i) ?? 0) + 1);
    });
  });
  participants.push(...ps);
  return ps;
}

/** Resolves when `node` announces that round `round` of `runId` completed. */
function roundCompleted(node: Coordinator, runId: string, round: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const off = node.onRunEvent((e) => {
      if (e.type === 'round-completed' && e.runId === runId && e.round === round) {
        off();
        resolve();
      }
    });
  });
}

/** From now on, the engines in `gate.held` wait in `fit` until `gate.release()`. */
function holdFits(): void {
  let release = (): void => undefined;
  gate.wait = new Promise<void>((r) => (release = r));
  gate.release = release;
  gate.started.clear();
}

/** Waits until `n` held engines are inside `fit`. */
async function untilStarted(n: number): Promise<void> {
  while (gate.started.size < n) await new Promise<void>((r) => setTimeout(r, 20));
}

async function finalModel(node: Coordinator, runId: string): Promise<TensorMap> {
  const cp = await node.stores.runs.latestCheckpoint(runId);
  if (cp === undefined) throw new Error('no checkpoint');
  return decodeTensorMap(await node.stores.blobs.get(cp.hash), { copy: true });
}

async function bytesIn(node: Coordinator): Promise<number> {
  const text = await (await fetch(`${node.url}/metrics`)).text();
  return Number(/^edgefed_bytes_in_total (\S+)$/m.exec(text)?.[1] ?? NaN);
}

beforeAll(async () => {
  [redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
  databaseUrl = await postgres.createDatabase();
});

afterAll(async () => {
  gate.release();
  await Promise.all(participants.map((p) => p.stop()));
  for (const n of nodes.reverse()) await n.close();
  await Promise.all([redis.stop(), postgres.stop()]);
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

describe('cross-node task routing with hierarchical aggregation', () => {
  let clusterModel: TensorMap | undefined;

  it('trains a run with participants on three nodes; the leader gets no remote update', async () => {
    const a = await clusterNode('node-a');
    const b = await clusterNode('node-b');
    const c = await clusterNode('node-c');
    const runId = await createRun(a, runConfig(2, 6, 2));
    const tasks = new Map<number, number>();
    const evaluations = new Map<number, number>();
    await enlist(a, runId, [0, 1], tasks, evaluations);
    await enlist(b, runId, [2, 3], tasks, evaluations);
    await enlist(c, runId, [4, 5], tasks, evaluations);
    await a.runs.settled(runId);
    const run = await a.stores.runs.getRun(runId);
    expect(run).toMatchObject({ status: 'completed', currentRound: 2 });
    // every participant on every node trained in both rounds
    expect([...tasks.entries()].sort()).toEqual([0, 1, 2, 3, 4, 5].map((i) => [i, 2]));
    // and evaluated the final model (evaluate tasks are relayed: metrics only)
    expect([...evaluations.entries()].sort()).toEqual([0, 1, 2, 3, 4, 5].map((i) => [i, 1]));
    const federated = await a.stores.runs.listMetrics(runId, { scope: 'eval' });
    expect(federated.find((m) => m.name === 'eval_loss')?.value).toBeCloseTo(0.5);
    const rounds = (await a.stores.runs.listRounds(runId)).filter((r) => r.state === 'completed');
    expect(rounds.map((r) => r.round)).toEqual([1, 2]);
    const numResults = await a.stores.runs.listMetrics(runId, { name: 'numResults' });
    expect(numResults.map((m) => m.value)).toEqual([6, 6]);
    // the leader received upload bytes only from its own two clients
    const localIds = new Set(participants.slice(0, 2).map((p) => p.clientId));
    let localBytes = 0;
    for (const r of rounds) {
      const outcomes = await a.stores.runs.listClientOutcomes(runId, { round: r.round, attempt: r.attempt });
      expect(outcomes).toHaveLength(6);
      for (const o of outcomes) {
        expect(o.outcome).toBe('completed');
        if (localIds.has(o.clientId)) localBytes += o.bytesUp;
      }
    }
    expect(localBytes).toBeGreaterThan(0);
    expect(await bytesIn(a)).toBe(localBytes);
    expect(await bytesIn(b)).toBeGreaterThan(0);
    // the routing streams hold ids, outcomes and partial hashes only
    const r = new Redis(redis.url);
    try {
      const entries = await r.xrange('edgefed:results:node-a', '-', '+');
      const types = entries.map(([, f]) => f[f.indexOf('type') + 1]);
      // 4 remote clients x (2 fit rounds + 1 evaluation)
      expect(types.filter((t) => t === 'outcome')).toHaveLength(12);
      expect(types.filter((t) => t === 'partial')).toHaveLength(4); // 2 remote nodes x 2 rounds
      for (const [, f] of entries) expect(f.join('').length).toBeLessThan(2000);
      const partials = entries
        .filter(([, f]) => f.includes('partial'))
        .map(([, f]) => (JSON.parse(f[f.indexOf('m') + 1] ?? '{}') as { hash: string }).hash);
      // the leader deleted each partial blob once it had read it; the checkpoints stay
      expect(new Set(partials).size).toBe(4);
      for (const hash of partials) expect(await a.stores.blobs.has(hash)).toBe(false);
      const latest = await a.stores.runs.latestCheckpoint(runId);
      let checkpoints = 0;
      for (let v = 0; v <= (latest?.version ?? -1); v++) {
        const cp = await a.stores.runs.getCheckpoint(runId, v).catch(() => undefined);
        if (cp === undefined) continue;
        checkpoints++;
        expect(await a.stores.blobs.get(cp.hash)).toHaveLength(cp.byteSize); // verified against its hash
      }
      expect(checkpoints).toBeGreaterThanOrEqual(2);
    } finally {
      r.disconnect();
    }
    clusterModel = await finalModel(a, runId);
  });

  it('gives the same global model as one coordinator fed the same updates', async () => {
    const single = await startNode();
    const runId = await createRun(single, runConfig(2, 6, 2));
    await enlist(single, runId, [0, 1, 2, 3, 4, 5], new Map());
    await single.runs.settled(runId);
    const reference = await finalModel(single, runId);
    if (clusterModel === undefined) throw new Error('the cluster run did not finish');
    let worst = 0;
    for (const [name, t] of reference) {
      const got = clusterModel.get(name)?.data as Float32Array;
      const want = t.data as Float32Array;
      expect(got.length).toBe(want.length);
      for (let j = 0; j < want.length; j++) {
        worst = Math.max(worst, Math.abs(got[j]! - want[j]!) / Math.max(1, Math.abs(want[j]!)));
      }
    }
    expect(worst).toBeLessThan(1e-6);
    await Promise.all(participants.splice(0).map((p) => p.stop()));
  });

  it('closes the round with the others when a non-leader node goes down mid-round', async () => {
    const [a, b, c] = nodes;
    if (a === undefined || b === undefined || c === undefined) throw new Error('nodes missing');
    const runId = await createRun(a, runConfig(3, 4));
    const round1 = roundCompleted(a, runId, 1);
    const tasks = new Map<number, number>();
    // C's clients first: every round from the first one selects them
    const onC = await enlist(c, runId, [4, 5], tasks);
    await enlist(a, runId, [0, 1], tasks);
    await enlist(b, runId, [2, 3], tasks);
    // round 2: node C's clients start training and hang there; then node C goes down
    holdFits();
    await round1;
    gate.held = new Set([4, 5]);
    await untilStarted(2);
    await c.close();
    await a.runs.settled(runId);
    gate.release();
    const run = await a.stores.runs.getRun(runId);
    expect(run).toMatchObject({ status: 'completed', currentRound: 3 });
    const round2 = (await a.stores.runs.listRounds(runId)).find(
      (r) => r.round === 2 && r.state === 'completed',
    );
    if (round2 === undefined) throw new Error('round 2 did not complete');
    const outcomes = await a.stores.runs.listClientOutcomes(runId, { round: 2, attempt: round2.attempt });
    const completed = outcomes.filter((o) => o.outcome === 'completed');
    const cIds = new Set(onC.map((p) => p.clientId));
    expect(completed).toHaveLength(4);
    expect(completed.some((o) => cIds.has(o.clientId))).toBe(false);
    expect(outcomes.filter((o) => cIds.has(o.clientId)).map((o) => o.outcome)).toEqual([
      'dropped',
      'dropped',
    ]);
    // nothing counted twice: the aggregate's contributor count is the completed outcomes'
    const numResults = await a.stores.runs.listMetrics(runId, {
      name: 'numResults',
      fromRound: 2,
      toRound: 2,
    });
    expect(numResults.map((m) => m.value)).toEqual([4]);
    staleRunId = runId;
    // A's clients trained in every round; B's joined during round 1, at the latest
    expect(tasks.get(0)).toBe(3);
    expect(tasks.get(2)).toBeGreaterThanOrEqual(2);
  });

  it('drops a node whose Redis connection is cut mid-round once its registry entry expires', async () => {
    const [a] = nodes;
    if (a === undefined) throw new Error('node A missing');
    const d = await clusterNode('node-d');
    const runId = await createRun(a, runConfig(3, 2));
    const round1 = roundCompleted(a, runId, 1);
    const [onD] = await enlist(d, runId, [7], new Map());
    await enlist(a, runId, [8, 9], new Map());
    holdFits();
    await round1;
    gate.held = new Set([7]);
    await untilStarted(1);
    d.cluster?.redis.disconnect(); // no more heartbeats, outcomes or partial from D
    await a.runs.settled(runId);
    gate.release();
    expect(await a.stores.runs.getRun(runId)).toMatchObject({ status: 'completed', currentRound: 3 });
    const rounds = await a.stores.runs.listRounds(runId);
    const round2 = rounds.find((r) => r.round === 2 && r.state === 'completed');
    if (round2 === undefined || onD === undefined) throw new Error('round 2 did not complete');
    const outcomes = await a.stores.runs.listClientOutcomes(runId, { round: 2, attempt: round2.attempt });
    expect(outcomes.find((o) => o.clientId === onD.clientId)).toMatchObject({
      outcome: 'dropped',
      code: 'UNAVAILABLE',
    });
    const numResults = await a.stores.runs.listMetrics(runId, {
      name: 'numResults',
      fromRound: 2,
      toRound: 2,
    });
    const completed = outcomes.filter((o) => o.outcome === 'completed').length;
    expect(completed).toBeGreaterThanOrEqual(1);
    expect(numResults.map((m) => m.value)).toEqual([completed]);
  });

  it('drops malformed and stale entries without harm', async () => {
    const [a, b] = nodes;
    if (a === undefined || b === undefined) throw new Error('nodes missing');
    const r = new Redis(redis.url);
    try {
      // a deposed leader's batch (epoch 0 < the run's epoch) is refused by the host, CONFLICT
      const task = {
        taskId: 't-stale',
        clientId: 'nobody',
        runId: staleRunId,
        round: 9,
        kind: 'fit',
        modelVersion: 8,
        modelHash: 'sha256:00',
        modelUrl: 'http://x',
        hyperParameters: {},
        modelSpec: '{}',
        config: {},
        deadline: Date.now() + 10_000,
      };
      const batch = {
        type: 'batch',
        batch: 'stale-1',
        leader: 'node-a',
        runId: staleRunId,
        round: 9,
        epoch: 0,
        fold: null,
        tasks: [task],
      };
      await r.xadd('edgefed:tasks:node-b', '*', 'type', 'batch', 'm', JSON.stringify(batch));
      let refused: string[] | undefined;
      for (let i = 0; i < 100 && refused === undefined; i++) {
        const entries = await r.xrange('edgefed:results:node-a', '-', '+');
        refused = entries.map(([, f]) => f).find((f) => f.join(' ').includes('stale-1'));
        if (refused === undefined) await new Promise<void>((res) => setTimeout(res, 20));
      }
      expect(JSON.parse(refused?.[refused.indexOf('m') + 1] ?? '{}')).toMatchObject({
        type: 'refused',
        node: 'node-b',
        code: 'CONFLICT',
      });
      await r.xadd('edgefed:tasks:node-a', '*', 'type', 'batch', 'm', '{not json');
      await r.xadd('edgefed:tasks:node-a', '*', 'nothing', 'here');
      await r.xadd(
        'edgefed:results:node-a',
        '*',
        'type',
        'outcome',
        'm',
        JSON.stringify({ type: 'outcome', batch: 'x', node: 'n' }),
      );
      await r.xadd('edgefed:clients-changed', '*', 'bogus', '1');
    } finally {
      r.disconnect();
    }
    // both nodes still route: a new run (with central DP: the nodes clip, the leader adds the
    // noise once, and refuses a partial folded without the run's clipping) trains across them
    const config = runConfig(1, 4);
    const strategy = { ...(config.strategy as object), privacy: { clipNorm: 0.5, noiseMultiplier: 0.1 } };
    const runId = await createRun(a, { ...config, strategy });
    await enlist(a, runId, [0, 1], new Map());
    await enlist(b, runId, [2, 3], new Map());
    await a.runs.settled(runId);
    expect(await a.stores.runs.getRun(runId)).toMatchObject({ status: 'completed', currentRound: 1 });
    const numResults = await a.stores.runs.listMetrics(runId, { name: 'numResults' });
    expect(numResults.map((m) => m.value)).toEqual([4]);
  });

  it('a participant that moves to another node with its resume token keeps its client id', async () => {
    const [a, b] = nodes;
    if (a === undefined || b === undefined) throw new Error('nodes missing');
    const token = createJoinToken({ secret: TOKEN_SECRET, run: '*' });
    const [onB] = await startParticipants(b.url, token, [fixedEngine(6)]);
    if (onB === undefined) throw new Error('no participant');
    const { clientId, resumeToken } = onB;
    // the session is written to the shared store just after the join (asynchronously)
    while ((await a.stores.runs.getClientSession(clientId)) === undefined) {
      await new Promise<void>((r) => setTimeout(r, 20));
    }
    await onB.stop();
    const moved = await createParticipant({
      url: a.url,
      token,
      engine: fixedEngine(6),
      transports: ['websocket'],
      deviceClass: 'virtual',
      resumeToken,
    });
    participants.push(moved);
    expect(moved.clientId).toBe(clientId);
  });
});
