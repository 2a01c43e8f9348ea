/**
 * The FedAvg weight attack over the wire (issue #14): raw participants on a real coordinator
 * (socket.io on port 0, SQLite in a temp dir) claim absurd example counts or out-of-range
 * metrics. A claim above the client's own `hello` declaration is rejected
 * (`EXAMPLE_COUNT_EXCEEDED`), a claim above the run's `maxExampleWeight` is clamped, bad
 * metrics are rejected (`INVALID_ARGUMENT`); the new global model is exactly the bounded
 * weighted mean, not the attacker's update.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJoinToken, type Coordinator } from '@edgefed/coordinator';
import { decodeTensorMap, type ErrorMessage, type TensorMap } from '@edgefed/shared';
import { ADMIN_TOKEN, TOKEN_SECRET, api, createRun, startInProcess } from '../faults/harness.js';
import { rawParticipant, type RawParticipant } from '../faults/raw-participant.js';

const token = createJoinToken({ secret: TOKEN_SECRET, run: '*' });
const HUGE = 1e15;
let coordinator: Coordinator;
const raws: RawParticipant[] = [];

beforeAll(async () => {
  coordinator = await startInProcess();
});

afterAll(async () => {
  await Promise.all(raws.map((r) => r.close()));
  await coordinator.close();
});

function filled(global: TensorMap, value: number): TensorMap {
  return new Map(
    [...global].map(([name, t]) => [
      name,
      { dtype: 'float32' as const, shape: t.shape, data: new Float32Array(t.data.length).fill(value) },
    ]),
  );
}

async function metricsText(): Promise<string> {
  return (await fetch(`${coordinator.url}/metrics`)).text();
}

function counter(text: string, line: string): number {
  const m = new RegExp(`^${line.replace(/[{}"]/g, (c) => `\\${c}`)} (\\d+)$`, 'm').exec(text);
  return Number(m?.[1] ?? 0);
}

async function model(runId: string, version: number): Promise<TensorMap> {
  const res = await fetch(`${coordinator.url}/api/runs/${runId}/model?version=${version}`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  expect(res.status).toBe(200);
  return decodeTensorMap(new Uint8Array(await res.arrayBuffer()));
}

describe('example-count (FedAvg weight) attack over the wire', () => {
  it('rejects a claim above hello, clamps a claim above maxExampleWeight, rejects bad metrics', async () => {
    const before = await metricsText();
    const honest = await rawParticipant(coordinator.url, token, { exampleCount: 50 });
    const liar = await rawParticipant(coordinator.url, token, { exampleCount: 50 });
    const bold = await rawParticipant(coordinator.url, token, { exampleCount: HUGE });
    const noisy = await rawParticipant(coordinator.url, token, { exampleCount: 50 });
    const joined = [honest, liar, bold, noisy];
    raws.push(...joined);
    const runId = await createRun(coordinator.url, {
      model: '2nn',
      rounds: 1,
      maxExampleWeight: 50,
      strategy: { name: 'fedavg', minFitClients: 4, minAvailableClients: 4, minFitResults: 1 },
      roundDeadlineMs: 30_000,
    });
    const tasks = await Promise.all(joined.map((r) => r.nextTask()));
    const [tHonest, tLiar, tBold, tNoisy] = tasks;
    if (!tHonest || !tLiar || !tBold || !tNoisy) throw new Error('four tasks expected');
    const global = await honest.fetchModel(tHonest);
    const refusals = [liar, noisy].map((r) => new Promise<ErrorMessage>((ok) => r.conn.on('error', ok)));

    await honest.submit(tHonest, filled(global, 0.01), { exampleCount: 50 });
    // Unbounded, each of these would replace the global model with its own update.
    await liar.submit(tLiar, filled(global, 5), { exampleCount: HUGE });
    await bold.submit(tBold, filled(global, 0.03), { exampleCount: HUGE });
    await noisy.submit(tNoisy, filled(global, 5), { metrics: { loss: 0.1, accuracy: 7 } });
    await coordinator.runs.settled(runId);

    const errors = await Promise.all(refusals);
    expect(errors.map((e) => [e.code, e.correlationId])).toEqual([
      ['EXAMPLE_COUNT_EXCEEDED', tLiar.taskId],
      ['INVALID_ARGUMENT', tNoisy.taskId],
    ]);
    const outcomes = (
      await api<{
        outcomes: { clientId: string; outcome: string; code: string | null; exampleCount: number }[];
      }>(coordinator.url, `/api/runs/${runId}/outcomes`)
    ).body.outcomes;
    const byClient = new Map(outcomes.map((o) => [o.clientId, [o.outcome, o.code, o.exampleCount]]));
    expect(joined.map((r) => byClient.get(r.conn.clientId))).toEqual([
      ['completed', null, 50],
      ['rejected', 'EXAMPLE_COUNT_EXCEEDED', 0],
      ['completed', null, 50],
      ['rejected', 'INVALID_ARGUMENT', 0],
    ]);

    // The new global is global + (50 * 0.01 + 50 * 0.03) / 100, not global + 5 or + 0.03.
    const next = await model(runId, 1);
    let worst = 0;
    for (const [name, t] of global) {
      const after = next.get(name)?.data ?? new Float32Array(0);
      expect(after.length).toBe(t.data.length);
      for (let i = 0; i < after.length; i++) {
        worst = Math.max(worst, Math.abs((after[i] ?? 0) - (t.data[i] ?? 0) - 0.02));
      }
    }
    expect(worst).toBeLessThan(1e-6);

    const after = await metricsText();
    const delta = (line: string): number => counter(after, line) - counter(before, line);
    expect(delta('edgefed_rejected_messages_total{code="EXAMPLE_COUNT_EXCEEDED"}')).toBe(1);
    expect(delta('edgefed_rejected_messages_total{code="INVALID_ARGUMENT"}')).toBe(1);
    expect(delta('edgefed_clamped_example_counts_total')).toBe(1);
  });
});
