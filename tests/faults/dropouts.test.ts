/**
 * Dropouts and stragglers over real sockets: a participant that vanishes mid-task is
 * recorded as dropped once its resume grace period ends and the round completes with the
 * others — or, below quorum, the attempt fails cleanly and the round is retried. A
 * straggler's late upload and result are refused with DEADLINE_EXCEEDED (and counted once).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Participant } from '@edgefed/client';
import { createJoinToken, type Coordinator, type RunEvent } from '@edgefed/coordinator';
import { EdgefedError, type TensorMap } from '@edgefed/shared';
import { TOKEN_SECRET, api, createRun, mnistEngines, startInProcess, startParticipants } from './harness.js';
import { rawParticipant, type RawParticipant } from './raw-participant.js';

const GRACE_MS = 300;
const token = createJoinToken({ secret: TOKEN_SECRET, run: '*' });
let coordinator: Coordinator | undefined;
let participants: Participant[] = [];
let raws: RawParticipant[] = [];

afterEach(async () => {
  await Promise.all(participants.map((p) => p.stop()));
  await Promise.all(raws.map((r) => r.close()));
  await coordinator?.close();
  participants = [];
  raws = [];
});

function nextRunEvent<T extends RunEvent['type']>(
  c: Coordinator,
  type: T,
): Promise<Extract<RunEvent, { type: T }>> {
  return new Promise((ok) => {
    const off = c.onRunEvent((e) => {
      if (e.type !== type) return;
      off();
      ok(e as Extract<RunEvent, { type: T }>);
    });
  });
}

interface OutcomeRow {
  clientId: string;
  round: number;
  attempt: number;
  outcome: string;
  code: string | null;
}

async function outcomes(c: Coordinator, runId: string): Promise<OutcomeRow[]> {
  return (await api<{ outcomes: OutcomeRow[] }>(c.url, `/api/runs/${runId}/outcomes`)).body.outcomes;
}

async function rounds(c: Coordinator, runId: string): Promise<unknown[][]> {
  const res = await api<{
    rounds: { round: number; attempt: number; state: string; droppedCount: number }[];
  }>(c.url, `/api/runs/${runId}/rounds`);
  return res.body.rounds.map((r) => [r.round, r.attempt, r.state, r.droppedCount]);
}

function fitRun(
  strategy: Record<string, number>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    model: '2nn',
    rounds: 1,
    strategy: { name: 'fedavg', ...strategy },
    training: { batchSize: 16, maxSteps: 2 },
    roundDeadlineMs: 30_000,
    ...extra,
  };
}

async function rejection(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof EdgefedError) return err.code;
    throw err;
  }
  return 'accepted';
}

describe('dropouts mid-round', () => {
  it('records a vanished participant as dropped after the grace period; the round completes without it', async () => {
    coordinator = await startInProcess({ clients: { resumeGraceMs: GRACE_MS } });
    participants = await startParticipants(coordinator.url, token, await mnistEngines(2));
    const raw = await rawParticipant(coordinator.url, token);
    raws.push(raw);
    const runId = await createRun(
      coordinator.url,
      fitRun({ minFitClients: 3, minAvailableClients: 3, minFitResults: 2 }),
    );
    await raw.nextTask();
    const rawId = raw.conn.clientId;
    const left = Date.now();
    await raw.close(); // disconnects mid-task and never comes back
    await coordinator.runs.settled(runId);
    const ended = Date.now();
    expect(ended - left).toBeGreaterThanOrEqual(GRACE_MS - 20); // it waited out the grace period
    const rows = await outcomes(coordinator, runId);
    expect(rows.filter((o) => o.outcome === 'completed')).toHaveLength(2);
    expect(rows.filter((o) => o.outcome === 'dropped').map((o) => [o.clientId, o.code])).toEqual([
      [rawId, 'UNAVAILABLE'],
    ]);
    expect(await rounds(coordinator, runId)).toEqual([[1, 1, 'completed', 1]]);
  });

  it('fails an attempt below quorum cleanly and retries the round', async () => {
    coordinator = await startInProcess({ clients: { resumeGraceMs: GRACE_MS } });
    const engines = await mnistEngines(3);
    participants = await startParticipants(coordinator.url, token, engines.slice(0, 2));
    const raw = await rawParticipant(coordinator.url, token);
    raws.push(raw);
    const runId = await createRun(
      coordinator.url,
      fitRun({ minFitClients: 3, minAvailableClients: 3, minFitResults: 3 }),
    );
    const failed = nextRunEvent(coordinator, 'round-failed');
    await raw.nextTask();
    await raw.close();
    expect(await failed).toMatchObject({ runId, round: 1, attempt: 1 });
    participants.push(...(await startParticipants(coordinator.url, token, engines.slice(2))));
    await coordinator.runs.settled(runId);
    expect(await rounds(coordinator, runId)).toEqual([
      [1, 1, 'failed', 1],
      [1, 2, 'completed', 0],
    ]);
    const rows = await outcomes(coordinator, runId);
    expect(
      rows
        .filter((o) => o.attempt === 1)
        .map((o) => o.outcome)
        .sort(),
    ).toEqual(['completed', 'completed', 'dropped']);
    expect(rows.filter((o) => o.attempt === 2 && o.outcome === 'completed')).toHaveLength(3);
    const run = await api<{ status: string }>(coordinator.url, `/api/runs/${runId}`);
    expect(run.body.status).toBe('completed');
  });

  it("rejects a straggler's late upload and result with DEADLINE_EXCEEDED, counted once each", async () => {
    coordinator = await startInProcess({ clients: { resumeGraceMs: GRACE_MS } });
    participants = await startParticipants(coordinator.url, token, await mnistEngines(1));
    const raw = await rawParticipant(coordinator.url, token);
    raws.push(raw);
    const runId = await createRun(
      coordinator.url,
      fitRun({ minFitClients: 2, minAvailableClients: 2, minFitResults: 1 }, { roundDeadlineMs: 1500 }),
    );
    const task = await raw.nextTask();
    const global = await raw.fetchModel(task);
    await raw.cancelled(task.taskId); // the deadline passed and the coordinator said so
    const zeros: TensorMap = new Map(
      [...global].map(([name, t]) => [
        name,
        { dtype: 'float32' as const, shape: t.shape, data: new Float32Array(t.data.length) },
      ]),
    );
    expect(await rejection(raw.submit(task, zeros))).toBe('DEADLINE_EXCEEDED');
    const late = raw.conn.send({
      type: 'result',
      taskId: task.taskId,
      runId: task.runId,
      round: task.round,
      exampleCount: 50,
      metrics: {},
    });
    expect(await rejection(late)).toBe('DEADLINE_EXCEEDED');
    await coordinator.runs.settled(runId);
    const rows = await outcomes(coordinator, runId);
    expect(rows.filter((o) => o.outcome === 'dropped').map((o) => o.code)).toEqual(['DEADLINE_EXCEEDED']);
    expect(rows.filter((o) => o.outcome === 'completed')).toHaveLength(1);
    const prom = await (await fetch(`${coordinator.url}/metrics`)).text();
    expect(prom).toContain('edgefed_rejected_messages_total{code="DEADLINE_EXCEEDED"} 2');
    expect(prom).toContain('edgefed_client_outcomes_total{outcome="dropped"} 1');
    expect(prom).toContain('edgefed_client_outcomes_total{outcome="completed"} 1');
  });
});
