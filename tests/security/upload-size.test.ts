/**
 * Upload size bounded by the task's model (issue #14), over the real socket.io transport
 * (coordinator on port 0, SQLite in a temp dir): an upload declaring more than the model's
 * tensors can encode to at the task's compression is refused on its first chunk with
 * `UPLOAD_TOO_LARGE` before any buffer is allocated (the coordinator's
 * `edgefed_upload_buffer_bytes_total` stays put), one byte over the limit is refused too,
 * the task fails at once and the round completes with the honest client; honest uploads
 * pass at every compression.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJoinToken, type Coordinator } from '@edgefed/coordinator';
import {
  EdgefedError,
  compressUpdate,
  encodeTensorMap,
  maxEncodedUpdateBytes,
  UPDATE_FRAMING_SLACK_BYTES,
  type CompressionSpec,
  type TensorMap,
} from '@edgefed/shared';
import { api, createRun, startInProcess, TOKEN_SECRET } from '../faults/harness.js';
import { checksumOf, rawParticipant, type RawParticipant } from '../faults/raw-participant.js';

const token = createJoinToken({ secret: TOKEN_SECRET, run: '*' });
/** 4 -> 3 dense: 15 parameters, so any honest upload is a few hundred bytes. */
const TINY = { name: 'tiny', input: { shape: [4] }, layers: [{ type: 'dense', units: 3 }] };
let coordinator: Coordinator;
const raws: RawParticipant[] = [];

beforeAll(async () => {
  coordinator = await startInProcess();
});

afterAll(async () => {
  await Promise.all(raws.map((r) => r.close()));
  await coordinator.close();
});

async function join(count: number): Promise<RawParticipant[]> {
  const joined = await Promise.all(
    Array.from({ length: count }, () => rawParticipant(coordinator.url, token)),
  );
  raws.push(...joined);
  return joined;
}

async function uploadBufferBytes(): Promise<number> {
  const text = await (await fetch(`${coordinator.url}/metrics`)).text();
  return Number(/^edgefed_upload_buffer_bytes_total (\d+)$/m.exec(text)?.[1] ?? 0);
}

async function refusal(p: Promise<unknown>): Promise<EdgefedError | 'accepted'> {
  try {
    await p;
    return 'accepted';
  } catch (err) {
    if (err instanceof EdgefedError) return err;
    throw err;
  }
}

const delta = (global: TensorMap): TensorMap =>
  new Map(
    [...global].map(([name, t]) => [
      name,
      {
        dtype: 'float32' as const,
        shape: t.shape,
        data: Float32Array.from(t.data, (_, i) => 0.01 * (i - 7)),
      },
    ]),
  );

async function outcomes(runId: string): Promise<Map<string, [string, string | null]>> {
  const res = await api<{ outcomes: { clientId: string; outcome: string; code: string | null }[] }>(
    coordinator.url,
    `/api/runs/${runId}/outcomes`,
  );
  return new Map(res.body.outcomes.map((o) => [o.clientId, [o.outcome, o.code]]));
}

describe('upload size bounded by the task model', () => {
  it('refuses an oversize upload on its first chunk, allocating nothing; the round goes on', async () => {
    const [honest, liar, edge] = await join(3);
    if (!honest || !liar || !edge) throw new Error('three participants expected');
    const runId = await createRun(coordinator.url, {
      model: TINY,
      rounds: 1,
      compression: { method: 'int8' },
      strategy: { name: 'fedavg', minFitClients: 3, minAvailableClients: 3, minFitResults: 1 },
      roundDeadlineMs: 30_000,
    });
    const [tHonest, tLiar, tEdge] = await Promise.all([honest.nextTask(), liar.nextTask(), edge.nextTask()]);
    const global = await honest.fetchModel(tHonest);
    const shapes = [...global].map(([name, t]) => ({ name, shape: [...t.shape] }));
    const limit = maxEncodedUpdateBytes(shapes, { method: 'int8' }) + UPDATE_FRAMING_SLACK_BYTES;
    const before = await uploadBufferBytes();

    // Chunk 1 of 64 declares 16 MiB for a 15-parameter model: refused, nothing allocated.
    const slab = new Uint8Array(256 * 1024).fill(3);
    const chunk = {
      type: 'upload-chunk' as const,
      taskId: tLiar.taskId,
      payloadId: 'huge',
      index: 0,
      count: 64,
      chunkBytes: slab.length,
      totalBytes: 64 * slab.length,
      checksum: checksumOf(slab),
      payloadChecksum: checksumOf(slab),
      data: slab,
    };
    const first = await refusal(liar.conn.send(chunk));
    expect(first).toMatchObject({ code: 'UPLOAD_TOO_LARGE', details: { totalBytes: 64 * slab.length } });
    expect(first instanceof EdgefedError ? first.details?.maxBytes : undefined).toBe(limit);
    expect(await uploadBufferBytes()).toBe(before);
    // The task is over: the next chunk finds it closed.
    expect(await refusal(liar.conn.send({ ...chunk, index: 1 }))).toMatchObject({
      code: 'DEADLINE_EXCEEDED',
    });

    // One byte over the limit, sent whole by the real uploader: refused as well.
    expect(await refusal(edge.submit(tEdge, new Uint8Array(limit + 1)))).toMatchObject({
      code: 'UPLOAD_TOO_LARGE',
    });
    expect(await uploadBufferBytes()).toBe(before);

    const honestPayload = encodeTensorMap(compressUpdate(delta(global), { method: 'int8' }));
    expect(honestPayload.byteLength).toBeLessThanOrEqual(limit - UPDATE_FRAMING_SLACK_BYTES);
    await honest.submit(tHonest, honestPayload);
    await coordinator.runs.settled(runId);
    expect(await uploadBufferBytes()).toBe(before + honestPayload.byteLength);
    const byClient = await outcomes(runId);
    expect(byClient.get(liar.conn.clientId)).toEqual(['failed', 'UPLOAD_TOO_LARGE']);
    expect(byClient.get(edge.conn.clientId)).toEqual(['failed', 'UPLOAD_TOO_LARGE']);
    expect(byClient.get(honest.conn.clientId)).toEqual(['completed', null]);
    const run = await api<{ status: string }>(coordinator.url, `/api/runs/${runId}`);
    expect(run.body.status).toBe('completed');
    // Leave no idle participant behind for the next run to select.
    await Promise.all([honest, liar, edge].map((r) => r.close()));
  });

  it('accepts honest uploads at every compression', async () => {
    const specs: CompressionSpec[] = [
      { method: 'none' },
      { method: 'fp16' },
      { method: 'int8' },
      { method: 'topk', fraction: 0.2 },
    ];
    for (const compression of specs) {
      const [p] = await join(1);
      if (!p) throw new Error('a participant expected');
      const runId = await createRun(coordinator.url, {
        model: TINY,
        rounds: 1,
        compression,
        strategy: { name: 'fedavg', minFitClients: 1, minAvailableClients: 1, minFitResults: 1 },
        roundDeadlineMs: 30_000,
      });
      const task = await p.nextTask();
      expect(task.compression).toEqual(compression);
      const payload = encodeTensorMap(compressUpdate(delta(await p.fetchModel(task)), compression));
      await p.submit(task, payload);
      await coordinator.runs.settled(runId);
      expect((await outcomes(runId)).get(p.conn.clientId)).toEqual(['completed', null]);
      await p.close();
    }
  });
});
