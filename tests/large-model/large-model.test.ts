/**
 * The data plane with a ~51 MB model (784 -> 16,000 -> 10 dense, 12.7M float32 parameters):
 * a real participant trains it one step and uploads its update in ~50 acked chunks; a
 * second participant's upload is cut by a server-side disconnect half-way and resumes
 * after reconnect without re-sending what the gateway already holds; the model download is
 * content-addressed with a strong ETag and answers 304 to If-None-Match.
 */
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { Participant } from '@edgefed/client';
import { createJoinToken, type Coordinator } from '@edgefed/coordinator';
import type { TensorMap } from '@edgefed/shared';
import {
  TOKEN_SECRET,
  api,
  createRun,
  mnistEngines,
  nextParticipantEvent,
  startInProcess,
  startParticipants,
} from '../faults/harness.js';
import { encodeUpdate, rawParticipant, type RawParticipant } from '../faults/raw-participant.js';

const BIG_MODEL = {
  name: 'big-dense',
  input: { shape: [784] },
  layers: [{ type: 'dense', units: 16_000 }, { type: 'relu' }, { type: 'dense', units: 10 }],
};
const PARAMS = 784 * 16_000 + 16_000 + 16_000 * 10 + 10;

let coordinator: Coordinator | undefined;
let participants: Participant[] = [];
let raw: RawParticipant | undefined;

afterAll(async () => {
  await Promise.all(participants.map((p) => p.stop()));
  await raw?.close();
  await coordinator?.close();
});

describe('a 51 MB model end to end', () => {
  it('trains, resumes an interrupted upload without re-sending received chunks, and serves the model by hash', async () => {
    coordinator = await startInProcess();
    const c = coordinator;
    const token = createJoinToken({ secret: TOKEN_SECRET, run: '*' });
    participants = await startParticipants(c.url, token, await mnistEngines(1, 100));
    raw = await rawParticipant(c.url, token);
    const rawClient = raw;
    const trained = nextParticipantEvent(participants[0] as Participant, 'uploaded');
    const runId = await createRun(c.url, {
      model: BIG_MODEL,
      rounds: 1,
      strategy: { name: 'fedavg', minFitClients: 2, minAvailableClients: 2, minFitResults: 2 },
      training: { batchSize: 8, maxSteps: 1 },
      roundDeadlineMs: 120_000,
    });
    const task = await rawClient.nextTask();

    // Model download: content-addressed, strong ETag, 304 on If-None-Match.
    const auth = { authorization: `Bearer ${token}` };
    const res = await fetch(task.modelUrl, { headers: auth });
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(bytes.byteLength).toBeGreaterThan(PARAMS * 4);
    const hash = createHash('sha256').update(bytes).digest('hex');
    expect(task.modelHash).toBe(`sha256:${hash}`);
    const modelUrl = new URL(task.modelUrl);
    expect(modelUrl.pathname).toBe(`/models/${hash}`);
    expect(modelUrl.searchParams.get('task')).toBe(task.taskId);
    expect(res.headers.get('etag')).toBe(`"sha256:${hash}"`);
    expect(res.headers.get('cache-control')).toContain('immutable');
    const again = await fetch(task.modelUrl, { headers: { ...auth, 'if-none-match': `"sha256:${hash}"` } });
    expect(again.status).toBe(304);
    expect((await again.arrayBuffer()).byteLength).toBe(0);

    // Count chunks as the gateway sees them; cut the raw client's connection at its 20th.
    const received = new Map<number, number>();
    let cut = false;
    c.plane.onMessage('upload-chunk', ({ clientId, message }) => {
      if (clientId !== rawClient.conn.clientId) return;
      received.set(message.index, (received.get(message.index) ?? 0) + 1);
      if (!cut && received.size === 20) {
        cut = true;
        c.plane.disconnect(clientId);
      }
    });
    const resumed = new Promise<void>((ok) => rawClient.conn.on('resumed', () => ok()));
    const global = await rawClient.fetchModel(task);
    const update: TensorMap = new Map(
      [...global].map(([n, t]) => [
        n,
        { dtype: 'float32' as const, shape: t.shape, data: new Float32Array(t.data.length).fill(1e-4) },
      ]),
    );
    const payload = encodeUpdate(update);
    await rawClient.submit(task, payload);
    await resumed;
    expect((await trained).bytes).toBeGreaterThan(PARAMS * 4);

    const chunks = Math.ceil(payload.byteLength / rawClient.conn.welcome.limits.maxChunkBytes);
    expect(chunks).toBeGreaterThan(45);
    expect(received.size).toBe(chunks); // every chunk arrived ...
    const resent = [...received].filter(([, n]) => n > 1).map(([i]) => i);
    expect(resent.length).toBeLessThanOrEqual(1); // ... once, but the one whose ack the cut lost
    if (resent.length === 1) expect(resent[0]).toBe(19);

    await c.runs.settled(runId);
    const rounds = await api<{ rounds: { state: string; completedCount: number; bytesUp: number }[] }>(
      c.url,
      `/api/runs/${runId}/rounds`,
    );
    expect(rounds.body.rounds).toMatchObject([{ state: 'completed', completedCount: 2 }]);
    expect(rounds.body.rounds[0]?.bytesUp).toBeGreaterThan(2 * PARAMS * 4);
    const checkpoints = await api<{ checkpoints: { version: number; byteSize: number }[] }>(
      c.url,
      `/api/runs/${runId}/checkpoints`,
    );
    expect(checkpoints.body.checkpoints.map((k) => k.version)).toEqual([0, 1]);
    expect(checkpoints.body.checkpoints[1]?.byteSize).toBeGreaterThan(PARAMS * 4);
  });
});
