/**
 * Bad input over the wire against a real coordinator (socket.io on port 0, SQLite in a temp
 * dir): every malformed, stale, duplicate, oversized, corrupt or poisoned message gets its
 * stable code (in the ack or an `error` message), is counted once in `/metrics`, and the
 * coordinator keeps serving: the run still completes with the one honest participant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { createJoinToken, type Coordinator } from '@edgefed/coordinator';
import {
  EdgefedError,
  PROTOCOL_VERSION,
  encodeTensorMap,
  type ErrorMessage,
  type Tensor,
  type TensorMap,
} from '@edgefed/shared';
import { TOKEN_SECRET, api, createRun, startInProcess } from '../faults/harness.js';
import {
  checksumOf,
  encodeUpdate,
  rawCapabilities,
  rawParticipant,
  type RawParticipant,
} from '../faults/raw-participant.js';

const token = createJoinToken({ secret: TOKEN_SECRET, run: '*' });
let coordinator: Coordinator;
const raws: RawParticipant[] = [];
const sockets: Socket[] = [];

beforeAll(async () => {
  coordinator = await startInProcess({
    limits: { maxUpdateBytes: 1_000_000, maxChunkBytes: 256 * 1024, maxMessageBytes: 512 * 1024 },
  });
});

afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await Promise.all(raws.map((r) => r.close()));
  await coordinator.close();
});

async function rawSocket(): Promise<Socket> {
  const socket = io(coordinator.url, { transports: ['websocket'], reconnection: false, forceNew: true });
  sockets.push(socket);
  await new Promise<void>((ok, fail) => {
    socket.once('connect', ok);
    socket.once('connect_error', fail);
  });
  return socket;
}

function nextError(socket: Socket): Promise<ErrorMessage> {
  return new Promise((ok) => socket.once('error', ok));
}

function closed(socket: Socket): Promise<void> {
  return new Promise((ok) => socket.once('disconnect', () => ok()));
}

async function greeted(): Promise<Socket> {
  const socket = await rawSocket();
  const welcome = new Promise((ok) => socket.once('welcome', ok));
  socket.emit('hello', {
    type: 'hello',
    protocolVersion: PROTOCOL_VERSION,
    token,
    capabilities: rawCapabilities,
  });
  await welcome;
  return socket;
}

async function ackOf(
  socket: Socket,
  event: string,
  payload: unknown,
): Promise<{ ok: boolean; error?: { code: string } }> {
  return (await socket.timeout(10_000).emitWithAck(event, payload)) as {
    ok: boolean;
    error?: { code: string };
  };
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

async function rejectedCounts(): Promise<Record<string, number>> {
  const text = await (await fetch(`${coordinator.url}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const m of text.matchAll(/^edgefed_rejected_messages_total\{code="([A-Z_]+)"\} (\d+)$/gm)) {
    counts[m[1] ?? ''] = Number(m[2]);
  }
  return counts;
}

function mapTensors(global: TensorMap, edit: (name: string, data: Float32Array) => void): TensorMap {
  return new Map(
    [...global].map(([name, t]) => {
      const data = new Float32Array(t.data.length);
      edit(name, data);
      return [name, { dtype: 'float32' as const, shape: t.shape, data }];
    }),
  );
}

describe('bad input over the wire', () => {
  it('refuses a wrong protocol version and a bad join token at hello, and closes the socket', async () => {
    for (const [hello, code] of [
      [{ protocolVersion: '99.0.0', token }, 'PROTOCOL_VERSION'],
      [{ protocolVersion: PROTOCOL_VERSION, token: 'ef1.bm90.c2ln' }, 'UNAUTHORIZED'],
      [
        { protocolVersion: PROTOCOL_VERSION, token: createJoinToken({ secret: 'x'.repeat(40), run: '*' }) },
        'UNAUTHORIZED',
      ],
    ] as const) {
      const socket = await rawSocket();
      const error = nextError(socket);
      const gone = closed(socket);
      socket.emit('hello', { type: 'hello', capabilities: rawCapabilities, ...hello });
      expect((await error).code).toBe(code);
      await gone;
    }
    expect(coordinator.plane.connectedClientIds()).toEqual([]);
  });

  it('answers an unknown message type and a result for an unknown task, and keeps the connection', async () => {
    const socket = await greeted();
    const error = nextError(socket);
    socket.emit('frobnicate', { type: 'frobnicate' });
    expect((await error).code).toBe('UNKNOWN_MESSAGE_TYPE');
    const ack = await ackOf(socket, 'result', {
      type: 'result',
      taskId: 'no-such-task',
      runId: 'r',
      round: 1,
      exampleCount: 1,
      metrics: {},
    });
    expect(ack).toMatchObject({ ok: false, error: { code: 'UNKNOWN_TASK' } });
    expect(socket.connected).toBe(true);
    socket.disconnect();
  });

  it('rejects stale, duplicate, oversized, corrupt and poisoned updates; the run completes with the honest one', async () => {
    const before = await rejectedCounts();
    const joined = await Promise.all(Array.from({ length: 6 }, () => rawParticipant(coordinator.url, token)));
    raws.push(...joined);
    const runId = await createRun(coordinator.url, {
      model: '2nn',
      rounds: 1,
      strategy: { name: 'fedavg', minFitClients: 6, minAvailableClients: 6, minFitResults: 1 },
      roundDeadlineMs: 30_000,
    });
    const tasks = await Promise.all(joined.map((r) => r.nextTask()));
    const [honest, names, shape, nan, dtype, garbled] = joined;
    const [tHonest, tNames, tShape, tNan, tDtype, tGarbled] = tasks;
    if (!honest || !names || !shape || !nan || !dtype || !garbled)
      throw new Error('six participants expected');
    if (!tHonest || !tNames || !tShape || !tNan || !tDtype || !tGarbled)
      throw new Error('six tasks expected');
    const global = await honest.fetchModel(tHonest);

    // Transport-level refusals on the honest participant's own task, before its real upload.
    const send = (m: Parameters<RawParticipant['conn']['send']>[0]): Promise<string> =>
      codeOf(honest.conn.send(m));
    const data = new Uint8Array(1000).fill(7);
    const chunk = {
      type: 'upload-chunk' as const,
      taskId: tHonest.taskId,
      payloadId: 'p1',
      index: 0,
      count: 1,
      chunkBytes: 1000,
      totalBytes: 1000,
      checksum: checksumOf(data),
      payloadChecksum: checksumOf(data),
      data,
    };
    const slab = new Uint8Array(250_000);
    const big = { payloadId: 'big', chunkBytes: 250_000, count: 20, totalBytes: 5_000_000, data: slab };
    const bigSum = { checksum: checksumOf(slab), payloadChecksum: checksumOf(slab) };
    expect(await send({ ...chunk, ...big, ...bigSum })).toBe('PAYLOAD_TOO_LARGE');
    expect(await send({ ...chunk, payloadId: 'bad', checksum: 'crc32c:00000000' })).toBe('CHECKSUM_MISMATCH');
    const staleResult = {
      type: 'result' as const,
      taskId: tHonest.taskId,
      runId,
      exampleCount: 1,
      metrics: {},
    };
    expect(await send({ ...staleResult, round: tHonest.round + 5 })).toBe('STALE_ROUND');

    const zeros = mapTensors(global, () => undefined);
    await honest.submit(tHonest, zeros);
    expect(await codeOf(honest.submit(tHonest, zeros))).toBe('DUPLICATE_RESULT');

    // Poisoned updates: accepted on the wire, refused by the strategy, told to the client.
    const refusals = joined.slice(1).map((r) => new Promise<ErrorMessage>((ok) => r.conn.on('error', ok)));
    const renamed: TensorMap = new Map([...zeros].map(([n, t], i) => [i === 0 ? `${n}_evil` : n, t]));
    const [firstName, first] = [...zeros][0] ?? [];
    if (firstName === undefined || first === undefined) throw new Error('empty model');
    const reshaped = new Map<string, Tensor>(zeros);
    reshaped.set(firstName, {
      dtype: 'float32',
      shape: [first.data.length],
      data: new Float32Array(first.data.length),
    });
    const poisoned = encodeUpdate(
      mapTensors(global, () => undefined),
      (encoded) => {
        const t = encoded.get(firstName);
        if (t?.data instanceof Float32Array) t.data[3] = Number.NaN;
        else throw new Error('expected a float32 tensor');
      },
    );
    const halfs = encodeUpdate(
      mapTensors(global, () => undefined),
      (encoded) => {
        encoded.set(firstName, {
          dtype: 'float16',
          shape: first.shape,
          data: new Uint16Array(first.data.length),
        });
      },
    );
    await names.submit(tNames, renamed);
    await shape.submit(tShape, reshaped);
    await nan.submit(tNan, poisoned);
    await dtype.submit(tDtype, halfs);
    // Intact on the wire and a valid tensor map, but not a compressed update (no metadata).
    await garbled.submit(tGarbled, encodeTensorMap(zeros));

    await coordinator.runs.settled(runId);
    const errors = await Promise.all(refusals);
    expect(errors.map((e) => [e.code, e.correlationId])).toEqual([
      ['NAME_MISMATCH', tNames.taskId],
      ['SHAPE_MISMATCH', tShape.taskId],
      ['NON_FINITE', tNan.taskId],
      // The decompressor is the gate for dtypes on the wire (a `none` update must hold
      // float32): a well-formed tensor of another dtype is DTYPE_MISMATCH, not corruption.
      ['DTYPE_MISMATCH', tDtype.taskId],
      ['CORRUPT_PAYLOAD', tGarbled.taskId],
    ]);
    const outcomes = (
      await api<{ outcomes: { clientId: string; outcome: string; code: string | null }[] }>(
        coordinator.url,
        `/api/runs/${runId}/outcomes`,
      )
    ).body.outcomes;
    const byClient = new Map(outcomes.map((o) => [o.clientId, [o.outcome, o.code]]));
    expect(joined.map((r) => byClient.get(r.conn.clientId))).toEqual([
      ['completed', null],
      ['rejected', 'NAME_MISMATCH'],
      ['rejected', 'SHAPE_MISMATCH'],
      ['rejected', 'NON_FINITE'],
      ['rejected', 'DTYPE_MISMATCH'],
      ['rejected', 'CORRUPT_PAYLOAD'],
    ]);
    const run = await api<{ status: string; currentRound: number }>(coordinator.url, `/api/runs/${runId}`);
    expect(run.body).toMatchObject({ status: 'completed', currentRound: 1 });

    const after = await rejectedCounts();
    const delta = (code: string): number => (after[code] ?? 0) - (before[code] ?? 0);
    expect(
      ['PAYLOAD_TOO_LARGE', 'CHECKSUM_MISMATCH', 'STALE_ROUND', 'NAME_MISMATCH', 'SHAPE_MISMATCH'].map(delta),
    ).toEqual([1, 1, 1, 1, 1]);
    expect(['NON_FINITE', 'DTYPE_MISMATCH', 'CORRUPT_PAYLOAD'].map(delta)).toEqual([1, 1, 1]);
    expect(delta('DUPLICATE_RESULT') + delta('DUPLICATE_CHUNK')).toBeGreaterThanOrEqual(1);
    expect((await fetch(`${coordinator.url}/healthz`)).status).toBe(200);
  });
});
