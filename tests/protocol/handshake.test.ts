import { connect } from '@edgefed/client';
import { PROTOCOL_VERSION } from '@edgefed/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  capabilities,
  GOOD_TOKEN,
  greet,
  helloMessage,
  nextEvent,
  nextOf,
  rawClient,
  recordEvents,
  startCoordinator,
  type Harness,
} from './harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startCoordinator();
});
afterEach(async () => {
  await h.close();
});

describe('handshake', () => {
  it('answers a valid hello with welcome and announces the client', async () => {
    const joined = nextOf(h.plane.onClientJoined);
    const conn = await connect({ url: h.url, token: GOOD_TOKEN, capabilities });
    try {
      expect(conn.welcome).toMatchObject({
        type: 'welcome',
        resumed: false,
        protocolVersion: PROTOCOL_VERSION,
        serverTime: h.clock.now(),
        limits: { maxMessageBytes: 256 * 1024, maxChunkBytes: 64 * 1024, resumeGraceMs: 5_000 },
      });
      const event = await joined;
      expect(event.clientId).toBe(conn.clientId);
      expect(h.registry.get(conn.clientId)).toMatchObject({ capabilities, principal: { subject: 'tester' } });
      expect(h.plane.isConnected(conn.clientId)).toBe(true);
    } finally {
      await conn.close();
    }
  });

  it('sends PROTOCOL_VERSION for another major, then disconnects', async () => {
    const socket = await rawClient(h.url);
    const seen = recordEvents(socket);
    const gone = nextEvent(socket, 'disconnect');
    socket.emit('hello', helloMessage({ protocolVersion: '2.0.0', capabilities: { shape: 'from v2' } }));
    await gone;
    expect(seen.map((e) => e.name)).toEqual(['error', 'disconnect']);
    expect(seen[0]?.value).toMatchObject({
      type: 'error',
      code: 'PROTOCOL_VERSION',
      details: { expected: PROTOCOL_VERSION, received: '2.0.0' },
    });
    expect(seen[1]?.value).toBe('io server disconnect');
    expect(h.registry.size).toBe(0);
    expect(h.plane.rejections.get('PROTOCOL_VERSION')).toBe(1);
  });

  it('makes connect() reject with PROTOCOL_VERSION and not retry', async () => {
    const attempt = connect({ url: h.url, token: GOOD_TOKEN, capabilities, protocolVersion: '0.9.0' });
    await expect(attempt).rejects.toMatchObject({ code: 'PROTOCOL_VERSION' });
  });

  it('rejects a bad token with UNAUTHORIZED and disconnects', async () => {
    const socket = await rawClient(h.url);
    const seen = recordEvents(socket);
    const gone = nextEvent(socket, 'disconnect');
    socket.emit('hello', helloMessage({ token: 'forged' }));
    await gone;
    expect(seen.map((e) => [e.name, (e.value as { code?: string }).code])).toEqual([
      ['error', 'UNAUTHORIZED'],
      ['disconnect', undefined],
    ]);
    await expect(connect({ url: h.url, token: 'forged', capabilities })).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
  });

  it('refuses any message before hello and disconnects', async () => {
    const socket = await rawClient(h.url);
    const seen = recordEvents(socket);
    const gone = nextEvent(socket, 'disconnect');
    socket.emit('progress', { type: 'progress', taskId: 't1', step: 1 });
    await gone;
    expect(seen[0]?.value).toMatchObject({ code: 'FAILED_PRECONDITION', correlationId: 't1' });
    expect(seen.map((e) => e.name)).toEqual(['error', 'disconnect']);
  });

  it('rejects a malformed hello with INVALID_MESSAGE naming the fields', async () => {
    const socket = await rawClient(h.url);
    const error = nextEvent<{ code: string; details: { issues: { path: string }[] } }>(socket, 'error');
    const gone = nextEvent(socket, 'disconnect');
    socket.emit(
      'hello',
      helloMessage({ capabilities: { ...capabilities, backend: 'cuda', exampleCount: -1 } }),
    );
    const received = await error;
    await gone;
    expect(received.code).toBe('INVALID_MESSAGE');
    expect(received.details.issues.map((i) => i.path).sort()).toEqual([
      'capabilities.backend',
      'capabilities.exampleCount',
    ]);
  });

  it('times out a silent connection with TIMEOUT (manual clock)', async () => {
    const connected = new Promise<void>((resolve) =>
      h.io.once('connection', () => {
        resolve();
      }),
    );
    const socket = await rawClient(h.url);
    await connected;
    const seen = recordEvents(socket);
    const gone = nextEvent(socket, 'disconnect');
    h.clock.advance(999);
    expect(socket.connected).toBe(true);
    h.clock.advance(1);
    await gone;
    expect(seen[0]?.value).toMatchObject({ type: 'error', code: 'TIMEOUT' });
  });

  it('answers a second hello with FAILED_PRECONDITION and stays connected', async () => {
    const socket = await rawClient(h.url);
    await greet(socket);
    const error = nextEvent<{ code: string }>(socket, 'error');
    socket.emit('hello', helloMessage());
    expect((await error).code).toBe('FAILED_PRECONDITION');
    expect(socket.connected).toBe(true);
    socket.disconnect();
  });

  it('closes the connection on a message above maxMessageBytes and keeps serving', async () => {
    const socket = await rawClient(h.url);
    await greet(socket);
    const gone = nextEvent<string>(socket, 'disconnect');
    socket.emit('progress', { type: 'progress', taskId: 'x'.repeat(300 * 1024), step: 1 });
    expect(await gone).toBe('transport close');
    const next = await rawClient(h.url);
    expect((await greet(next)).type).toBe('welcome');
    next.disconnect();
  });
});
