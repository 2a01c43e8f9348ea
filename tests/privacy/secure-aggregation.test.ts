/**
 * Secure aggregation end to end (issue #14): a real coordinator (socket.io on port 0, SQLite
 * in a temp dir) and five Node participants running the SecAgg+ phases. One drops out at
 * the first phase (the simulator's `secAggDropAt`), one disconnects after the keys are shared
 * and before its masked upload; the round still completes, and the new global model is exactly the global plus the plain quantized
 * weighted mean of the three survivors' updates (the masks cancel exactly mod 2^32, and the
 * dropped client's pairwise masks are rebuilt from its key shares). A participant that does
 * not announce the capability, and one speaking protocol 1.2, are never given a task.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, createParticipant, type LocalTrainingEngine, type Participant } from '@edgefed/client';
import { createJoinToken, type Coordinator } from '@edgefed/coordinator';
import {
  decodeTensorMap,
  dequantizeMean,
  layoutData,
  quantize,
  resolveSecAggParams,
  tensorLayout,
  PROTOCOL_VERSION,
  type TaskMessage,
  type TensorMap,
} from '@edgefed/shared';
import { ADMIN_TOKEN, TOKEN_SECRET, api, createRun, startInProcess } from '../faults/harness.js';

const token = createJoinToken({ secret: TOKEN_SECRET, run: '*' });
let coordinator: Coordinator;
const participants: Participant[] = [];

beforeAll(async () => {
  coordinator = await startInProcess({ clients: { resumeGraceMs: 200 } });
});

afterAll(async () => {
  await Promise.all(participants.map((p) => p.stop()));
  await coordinator.close();
});

/** Client c's deterministic update: small, signed, different per coordinate and client. */
function deltaOf(global: TensorMap, c: number): TensorMap {
  let k = 0;
  return new Map(
    [...global].map(([name, t]) => [
      name,
      {
        dtype: 'float32' as const,
        shape: t.shape,
        data: Float32Array.from(t.data, () => 0.01 * (c + 1) * Math.sin(0.37 * k++ + c)),
      },
    ]),
  );
}

const EXAMPLES = [10, 20, 30, 40, 50];

/** An engine whose "training" adds deltaOf(c); `beforeReturn` runs first (the drop). */
function fakeEngine(c: number, beforeReturn?: () => Promise<void>): LocalTrainingEngine {
  return {
    backend: 'node',
    exampleCount: EXAMPLES[c] ?? 1,
    async fit({ global }) {
      await beforeReturn?.();
      const d = deltaOf(global, c);
      const parameters: TensorMap = new Map(
        [...global].map(([name, t]) => {
          const dd = d.get(name)?.data ?? new Float32Array(0);
          const data = Float32Array.from(t.data, (x, i) => x + (dd[i] ?? 0));
          return [name, { dtype: 'float32' as const, shape: t.shape, data }];
        }),
      );
      return { parameters, exampleCount: EXAMPLES[c] ?? 1, metrics: { loss: 1 + c } };
    },
    evaluate: () => Promise.resolve({ loss: 0, exampleCount: 1, metrics: {} }),
    dispose: () => Promise.resolve(),
  };
}

function flat(global: TensorMap, map: TensorMap): Float32Array {
  const layout = tensorLayout(global);
  const out = new Float32Array(layout.size);
  layoutData(layout, map).forEach((d, i) => out.set(d, layout.entries[i]?.offset ?? 0));
  return out;
}

async function model(runId: string, version: number): Promise<TensorMap> {
  const res = await fetch(`${coordinator.url}/api/runs/${runId}/model?version=${version}`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  return decodeTensorMap(new Uint8Array(await res.arrayBuffer()));
}

describe('secure aggregation over socket.io', () => {
  it('completes a round when a participant disconnects mid-round, with the exact quantized mean', async () => {
    // the dropper waits until the three others uploaded (so every key was shared), then leaves
    const uploads: Promise<void>[] = [];
    let dropper: Participant | undefined;
    const drop = async (): Promise<void> => {
      await Promise.all(uploads);
      await dropper?.stop();
      throw new Error('gone');
    };
    for (let c = 0; c < 5; c++) {
      const p = await createParticipant({
        url: coordinator.url,
        token,
        engine: fakeEngine(c, c === 3 ? drop : undefined),
        transports: ['websocket'],
        ...(c === 4 ? { secAggDropAt: () => 'advertise' as const } : {}),
      });
      participants.push(p);
      if (c < 3) uploads.push(new Promise((ok) => p.on('uploaded', () => ok())));
      else if (c === 3) dropper = p;
    }
    // neither of these is ever selected: no capability, and a 1.2 peer claiming it
    const incapable = await createParticipant({
      url: coordinator.url,
      token,
      engine: fakeEngine(0),
      secureAggregation: false,
    });
    participants.push(incapable);
    const tasksOfOld: TaskMessage[] = [];
    const old = await connect({
      url: coordinator.url,
      token,
      protocolVersion: '1.2.0',
      capabilities: {
        runtime: 'node',
        backend: 'node',
        exampleCount: 10,
        deviceClass: 'server',
        eligible: true,
        clientVersion: PROTOCOL_VERSION,
        secureAggregation: true,
      },
    });
    old.on('task', (t) => tasksOfOld.push(t));
    const incapableTasks: string[] = [];
    incapable.on('task-started', (t) => incapableTasks.push(t.taskId));

    const secureAggregation = { neighbours: 'auto', clipRange: 1, maxWeight: 100, maxClients: 10 };
    const runId = await createRun(coordinator.url, {
      model: '2nn',
      rounds: 1,
      strategy: {
        name: 'fedavg',
        fractionFit: 1,
        minFitClients: 4,
        minAvailableClients: 4,
        minFitResults: 3,
      },
      secureAggregation: { ...secureAggregation, advertiseTimeoutMs: 20_000, unmaskTimeoutMs: 20_000 },
      roundDeadlineMs: 30_000,
    });
    await coordinator.runs.settled(runId);
    await old.close();

    const run = await api<{ status: string }>(coordinator.url, `/api/runs/${runId}`);
    expect(run.body.status).toBe('completed');
    expect(tasksOfOld).toEqual([]);
    expect(incapableTasks).toEqual([]);

    const global = await model(runId, 0);
    const params = resolveSecAggParams({ ...secureAggregation, neighbours: 'auto', threshold: 'auto' }, 4);
    const length = tensorLayout(global).size;
    const sum = new Uint32Array(length + 1);
    for (const c of [0, 1, 2]) {
      // what the participant uploads: (global + delta) - global, in float32
      const g = flat(global, global);
      const d = flat(global, deltaOf(global, c)).map((x, i) =>
        Math.fround(Math.fround((g[i] ?? 0) + x) - (g[i] ?? 0)),
      );
      const q = quantize(d, EXAMPLES[c] ?? 0, params);
      for (let i = 0; i < sum.length; i++) sum[i] = ((sum[i] ?? 0) + (q[i] ?? 0)) >>> 0;
    }
    const mean = dequantizeMean(sum.subarray(0, length), sum[length] ?? 0, 3, params);
    const before = flat(global, global);
    const after = flat(global, await model(runId, 1));
    let mismatches = 0;
    for (let i = 0; i < length; i++) {
      if (after[i] !== Math.fround((before[i] ?? 0) + (mean[i] ?? 0))) mismatches++;
    }
    expect(mismatches).toBe(0);

    const rounds = await api<{
      rounds: {
        state: string;
        completedCount: number;
        droppedCount: number;
        trainMetrics: Record<string, number>;
      }[];
    }>(coordinator.url, `/api/runs/${runId}/rounds`);
    const [round] = rounds.body.rounds;
    expect(round).toMatchObject({ state: 'completed', completedCount: 3, droppedCount: 2 });
    // the dropped count of the unmasking covers those that shared keys (not the advertise drop)
    expect(round?.trainMetrics).toMatchObject({ secureAggregation: 1, secaggSurvivors: 3, secaggDropped: 1 });
    await Promise.all(participants.splice(0).map((p) => p.stop()));
  });

  it('fails a round with too few survivors cleanly and retries it', async () => {
    // two of four drop after advertising: 2 masked inputs, below the minimum of 3
    for (let c = 0; c < 4; c++) {
      participants.push(
        await createParticipant({
          url: coordinator.url,
          token,
          engine: fakeEngine(c),
          transports: ['websocket'],
          ...(c >= 2 ? { secAggDropAt: () => 'share' as const } : {}),
        }),
      );
    }
    const runId = await createRun(coordinator.url, {
      model: 'tiny-cnn',
      rounds: 1,
      maxRoundAttempts: 2,
      strategy: { name: 'fedavg', minFitClients: 4, minAvailableClients: 4, minFitResults: 1 },
      secureAggregation: { maxClients: 10 },
    });
    await coordinator.runs.settled(runId);
    const run = await api<{ status: string }>(coordinator.url, `/api/runs/${runId}`);
    expect(run.body.status).toBe('failed');
    const rounds = await api<{
      rounds: { attempt: number; state: string; failureReason: string; droppedCount: number }[];
    }>(coordinator.url, `/api/runs/${runId}/rounds`);
    expect(rounds.body.rounds.map((r) => [r.attempt, r.state, r.droppedCount])).toEqual([
      [1, 'failed', 2],
      [2, 'failed', 2],
    ]);
    expect(rounds.body.rounds[0]?.failureReason).toMatch(/masked inputs/);
  });

  it('waits for enough secure-capable clients: one without the capability does not count', async () => {
    await Promise.all(participants.splice(0).map((p) => p.stop())); // the last test's clients
    // two capable and one incapable client: three candidates, but only two a secure round can
    // select. The run must wait (before the fix it started an attempt that failed at once).
    for (let c = 0; c < 2; c++) {
      participants.push(
        await createParticipant({
          url: coordinator.url,
          token,
          engine: fakeEngine(c),
          transports: ['websocket'],
        }),
      );
    }
    participants.push(
      await createParticipant({
        url: coordinator.url,
        token,
        engine: fakeEngine(2),
        secureAggregation: false,
      }),
    );
    const waiting = new Promise<string>((ok) => {
      const off = coordinator.onRunEvent((e) => {
        if (e.type === 'phase' && e.phase === 'waiting-for-clients') {
          off();
          ok(e.runId);
        }
      });
    });
    const runId = await createRun(coordinator.url, {
      model: '2nn',
      rounds: 1,
      maxRoundAttempts: 1,
      strategy: {
        name: 'fedavg',
        fractionFit: 1,
        minFitClients: 3,
        minAvailableClients: 3,
        minFitResults: 3,
      },
      secureAggregation: { maxClients: 10 },
    });
    expect(await waiting).toBe(runId);
    const third = await createParticipant({
      url: coordinator.url,
      token,
      engine: fakeEngine(3),
      transports: ['websocket'],
    });
    participants.push(third);
    await coordinator.runs.settled(runId);
    const run = await api<{ status: string }>(coordinator.url, `/api/runs/${runId}`);
    expect(run.body.status).toBe('completed');
    const rounds = await api<{ rounds: { attempt: number; state: string; completedCount: number }[] }>(
      coordinator.url,
      `/api/runs/${runId}/rounds`,
    );
    expect(rounds.body.rounds.map((r) => [r.attempt, r.state, r.completedCount])).toEqual([
      [1, 'completed', 3],
    ]);
    await Promise.all(participants.splice(0).map((p) => p.stop()));
  });

  it('closes the unmask phase once the answers in hand suffice, not at its deadline', async () => {
    await Promise.all(participants.splice(0).map((p) => p.stop())); // the last test's clients
    // five clients (k = 4, t = 3); one goes silent after its masked upload (still connected,
    // never answers the unmask request). The other four answers rebuild every secret, so the
    // round must complete long before the 10-minute unmask deadline.
    for (let c = 0; c < 5; c++) {
      participants.push(
        await createParticipant({
          url: coordinator.url,
          token,
          engine: fakeEngine(c),
          transports: ['websocket'],
          ...(c === 2 ? { secAggDropAt: () => 'unmask' as const } : {}),
        }),
      );
    }
    const started = Date.now();
    const runId = await createRun(coordinator.url, {
      model: '2nn',
      rounds: 1,
      maxRoundAttempts: 1,
      strategy: {
        name: 'fedavg',
        fractionFit: 1,
        minFitClients: 5,
        minAvailableClients: 5,
        minFitResults: 5,
      },
      secureAggregation: { maxClients: 10, unmaskTimeoutMs: 600_000 },
    });
    await coordinator.runs.settled(runId);
    expect(Date.now() - started).toBeLessThan(60_000);
    const rounds = await api<{
      rounds: { state: string; completedCount: number; trainMetrics: Record<string, number> }[];
    }>(coordinator.url, `/api/runs/${runId}/rounds`);
    const [round] = rounds.body.rounds;
    // the silent client uploaded: it is a survivor, its self-mask rebuilt from the others' shares
    expect(round).toMatchObject({ state: 'completed', completedCount: 5 });
    expect(round?.trainMetrics).toMatchObject({ secaggSurvivors: 5, secaggDropped: 0 });
    await Promise.all(participants.splice(0).map((p) => p.stop()));
  });

  it('fails the unmask phase as soon as it cannot succeed: survivors gone for good', async () => {
    await Promise.all(participants.splice(0).map((p) => p.stop())); // the last test's clients
    // four clients (k = 3, t = 2); after the masked uploads two disconnect for good before
    // answering. Each remaining survivor then holds one share of the other's self-mask: t = 2
    // can never be reached, and the attempt fails once their sessions expire, not at the
    // 10-minute deadline.
    const leavers: Participant[] = [];
    const uploads: Promise<void>[] = [];
    for (let c = 0; c < 4; c++) {
      const p = await createParticipant({
        url: coordinator.url,
        token,
        engine: fakeEngine(c),
        transports: ['websocket'],
        ...(c >= 2 ? { secAggDropAt: () => 'unmask' as const } : {}),
      });
      participants.push(p);
      if (c >= 2) leavers.push(p);
      uploads.push(new Promise((ok) => p.on('uploaded', () => ok())));
    }
    const started = Date.now();
    const runId = await createRun(coordinator.url, {
      model: '2nn',
      rounds: 1,
      maxRoundAttempts: 1,
      strategy: {
        name: 'fedavg',
        fractionFit: 1,
        minFitClients: 4,
        minAvailableClients: 4,
        minFitResults: 4,
      },
      secureAggregation: { maxClients: 10, unmaskTimeoutMs: 600_000 },
    });
    await Promise.all(uploads);
    await Promise.all(leavers.map((p) => p.stop()));
    await coordinator.runs.settled(runId);
    expect(Date.now() - started).toBeLessThan(60_000);
    const run = await api<{ status: string }>(coordinator.url, `/api/runs/${runId}`);
    expect(run.body.status).toBe('failed');
    const rounds = await api<{ rounds: { state: string; failureReason: string }[] }>(
      coordinator.url,
      `/api/runs/${runId}/rounds`,
    );
    expect(rounds.body.rounds).toHaveLength(1);
    expect(rounds.body.rounds[0]?.failureReason).toMatch(/needed|threshold/);
    await Promise.all(participants.splice(0).map((p) => p.stop()));
  });

  it('refuses a robust strategy with a coded error at run creation', async () => {
    const res = await api<{ error: { code: string; details: { reason: string } } }>(
      coordinator.url,
      '/api/runs',
      {
        method: 'POST',
        body: { config: { model: '2nn', rounds: 1, strategy: { name: 'krum' }, secureAggregation: {} } },
      },
    );
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'INVALID_CONFIG', details: { reason: 'secagg-strategy' } });
  });
});
