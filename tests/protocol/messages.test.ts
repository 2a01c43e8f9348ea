import { connect, type Connection } from '@edgefed/client';
import type { InboundMessageEvent } from '@edgefed/coordinator';
import { EdgefedError, type ErrorMessage } from '@edgefed/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  capabilities,
  GOOD_TOKEN,
  greet,
  nextEvent,
  nextOf,
  rawClient,
  startCoordinator,
  type Harness,
} from './harness.js';

let h: Harness;
let conn: Connection;
beforeEach(async () => {
  h = await startCoordinator({ limits: { heartbeatIntervalMs: 20 } });
  conn = await connect({ url: h.url, token: GOOD_TOKEN, capabilities });
});
afterEach(async () => {
  await conn.close();
  await h.close();
});

const result = {
  type: 'result',
  taskId: 'task-1',
  runId: 'run-1',
  round: 3,
  exampleCount: 100,
  metrics: { loss: 0.25, accuracy: 0.9 },
  update: { payloadId: 'p-1', byteLength: 4, chunkCount: 1, checksum: 'crc32c:0badf00d' },
} as const;

const chunk = {
  type: 'upload-chunk',
  taskId: 'task-1',
  payloadId: 'p-1',
  index: 0,
  count: 1,
  chunkBytes: 4,
  totalBytes: 4,
  checksum: 'crc32c:0badf00d',
  payloadChecksum: 'crc32c:0badf00d',
  data: new Uint8Array([1, 2, 3, 4]),
} as const;

describe('messages after the handshake', () => {
  it('delivers an acked result to subscribers with the client id', async () => {
    const received: InboundMessageEvent<'result'>[] = [];
    h.plane.onMessage('result', (event) => {
      received.push(event);
    });
    await conn.send(result);
    expect(received).toEqual([{ clientId: conn.clientId, message: result }]);
  });

  it('rejects the ack with the handler error code', async () => {
    h.plane.onMessage('result', () => {
      throw new EdgefedError('STALE_ROUND', 'Round 3 is closed');
    });
    await expect(conn.send(result)).rejects.toMatchObject({
      code: 'STALE_ROUND',
      message: 'Round 3 is closed',
    });
    expect(h.plane.rejections.get('STALE_ROUND')).toBe(1);
  });

  it('rejects acked messages nobody handles with UNAVAILABLE, and hides internal errors', async () => {
    await expect(conn.send(chunk)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    h.plane.onMessage('upload-chunk', () => Promise.reject(new Error('disk on fire')));
    await expect(conn.send(chunk)).rejects.toMatchObject({ code: 'INTERNAL', message: 'Internal error' });
  });

  it('carries upload chunks as binary and enforces maxChunkBytes', async () => {
    const got = nextOf<InboundMessageEvent<'upload-chunk'>>((l) => h.plane.onMessage('upload-chunk', l));
    await conn.send(chunk);
    const { message } = await got;
    expect(message.data).toBeInstanceOf(Uint8Array);
    expect([...message.data]).toEqual([1, 2, 3, 4]);
    const big = { ...chunk, chunkBytes: 65 * 1024, totalBytes: 70_000, data: new Uint8Array(65 * 1024) };
    await expect(conn.send(big)).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });

  it('answers a malformed message with INVALID_MESSAGE and issue paths', async () => {
    const socket = await rawClient(h.url);
    await greet(socket);
    const error = nextEvent<ErrorMessage>(socket, 'error');
    socket.emit('progress', { type: 'progress', taskId: 't-9', step: -1, loss: 'low' });
    expect(await error).toMatchObject({
      code: 'INVALID_MESSAGE',
      correlationId: 't-9',
      details: { type: 'progress', issues: [{ path: 'step' }, { path: 'loss' }] },
    });
    const ack: unknown = await socket.emitWithAck('result', { ...result, metrics: { loss: null } });
    expect(ack).toMatchObject({
      ok: false,
      error: { code: 'INVALID_MESSAGE', details: { issues: [{ path: 'metrics.loss' }] } },
    });
    const mismatch = nextEvent<ErrorMessage>(socket, 'error');
    socket.emit('progress', { ...result });
    expect(await mismatch).toMatchObject({
      code: 'INVALID_MESSAGE',
      details: { issues: [{ path: 'type' }] },
    });
    expect(socket.connected).toBe(true);
    socket.disconnect();
  });

  it('answers an unknown event with UNKNOWN_MESSAGE_TYPE', async () => {
    const socket = await rawClient(h.url);
    await greet(socket);
    const error = nextEvent<ErrorMessage>(socket, 'error');
    socket.emit('train-faster', { type: 'train-faster' });
    expect(await error).toMatchObject({ code: 'UNKNOWN_MESSAGE_TYPE', correlationId: 'train-faster' });
    const welcomeAsClient = nextEvent<ErrorMessage>(socket, 'error');
    socket.emit('welcome', { type: 'welcome' });
    expect(await welcomeAsClient).toMatchObject({ code: 'UNKNOWN_MESSAGE_TYPE' });
    socket.disconnect();
  });

  it('pushes validated server messages and heartbeats update lastSeen', async () => {
    const task = nextOf<unknown>((l) => conn.on('task', l));
    const sent = h.plane.send(conn.clientId, {
      type: 'task',
      runId: 'run-1',
      round: 1,
      taskId: 'task-1',
      kind: 'fit',
      modelVersion: 1,
      modelHash: 'sha256:00112233',
      modelUrl: '/models/sha256:00112233',
      hyperParameters: { lr: 0.1, epochs: 1 },
      modelSpec: '{"name":"2nn"}',
      deadline: h.clock.now() + 60_000,
      config: {},
    });
    expect(sent).toBe(true);
    expect(await task).toMatchObject({ type: 'task', taskId: 'task-1' });
    expect(() => h.plane.send(conn.clientId, { type: 'cancel', taskId: '', reason: 'x' })).toThrow(
      expect.objectContaining({ code: 'INVALID_MESSAGE' }),
    );
    expect(h.plane.send('nobody', { type: 'heartbeat', sentAt: 1 })).toBe(false);
    h.clock.advance(1_234);
    await nextOf((l) => h.plane.onMessage('heartbeat', l));
    expect(h.registry.get(conn.clientId)?.lastSeen).toBe(h.clock.now());
  });

  it('reports an invalid server message locally and back to the coordinator', async () => {
    const local = nextOf<EdgefedError>((l) => conn.on('protocol-error', l));
    const reported = nextOf<InboundMessageEvent<'error'>>((l) => h.plane.onMessage('error', l));
    const socketId = h.registry.get(conn.clientId)?.connectionId;
    h.io.sockets.sockets.get(socketId!)!.emit('task', { type: 'task', taskId: 'no-run' } as never);
    expect((await local).code).toBe('INVALID_MESSAGE');
    expect(await reported).toMatchObject({
      clientId: conn.clientId,
      message: { code: 'INVALID_MESSAGE', correlationId: 'task' },
    });
  });

  it('refuses to send while closed, and hello through send', async () => {
    await expect(conn.send({ type: 'hello' } as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(conn.send({ type: 'progress', taskId: 'bad id!', step: 0 })).rejects.toMatchObject({
      code: 'INVALID_MESSAGE',
    });
    const left = nextOf(h.plane.onClientLeft);
    await conn.close();
    expect((await left).clientId).toBe(conn.welcome.clientId);
    await expect(conn.send(result)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});
