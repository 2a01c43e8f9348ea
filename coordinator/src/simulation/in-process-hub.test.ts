/**
 * The in-process transport against a real coordinator: a participant connection over a
 * MessagePort link is welcomed by the same control plane, and bad input is refused with the
 * same codes as over socket.io (schemas, unknown events, hello first, authentication).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '@edgefed/client';
import { InProcessLink, type InProcessClientSocket } from '@edgefed/client/node';
import { PROTOCOL_VERSION, type Capabilities } from '@edgefed/shared';
import { createJoinToken } from '../auth/join-token.js';
import { coordinatorConfigSchema } from '../config/schema.js';
import { createLogger } from '../observability/logger.js';
import { createCoordinator, type Coordinator } from '../server/coordinator.js';
import { createInProcessHub, type InProcessHub } from './in-process-hub.js';

const capabilities: Capabilities = {
  runtime: 'node',
  backend: 'node',
  exampleCount: 10,
  deviceClass: 'server',
  eligible: true,
  clientVersion: PROTOCOL_VERSION,
};

let dir: string;
let coordinator: Coordinator;
let hub: InProcessHub;
let link: InProcessLink;
let token: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgefed-hub-'));
  const config = coordinatorConfigSchema.parse({
    server: { port: 0 },
    store: { kind: 'sqlite', dataDir: dir },
    log: { level: 'silent' },
  });
  coordinator = await createCoordinator({ config, logger: createLogger('silent') });
  await coordinator.listen();
  token = createJoinToken({ secret: coordinator.tokenSecret, run: '*' });
  hub = createInProcessHub({ io: coordinator.io, maxMessageBytes: config.limits.maxMessageBytes });
  const channel = new MessageChannel();
  hub.attach(channel.port1);
  link = new InProcessLink(channel.port2);
});

afterAll(async () => {
  link.close();
  hub.close();
  await coordinator.close();
  await rm(dir, { recursive: true, force: true });
});

interface Raw {
  readonly socket: InProcessClientSocket;
  /** Resolves with the next inbound message of `type` (each message is taken once). */
  readonly next: (type: string) => Promise<Record<string, unknown>>;
}

/** Opens a raw socket on the link and resolves once the coordinator accepted it. */
function rawSocket(): Promise<Raw> {
  const socket = link.socket();
  const inbound: [string, Record<string, unknown>][] = [];
  const waiters: { type: string; resolve: (m: Record<string, unknown>) => void }[] = [];
  const settle = (): void => {
    for (const w of [...waiters]) {
      const i = inbound.findIndex(([e]) => e === w.type);
      const hit = inbound[i];
      if (hit === undefined) continue;
      inbound.splice(i, 1);
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(hit[1]);
    }
  };
  socket.onAny((event: unknown, message: unknown) => {
    inbound.push([String(event), message as Record<string, unknown>]);
    settle();
  });
  const next = (type: string) =>
    new Promise<Record<string, unknown>>((resolve) => {
      waiters.push({ type, resolve });
      settle();
    });
  return new Promise((resolve) => {
    socket.on('connect', () => {
      resolve({ socket, next });
    });
    socket.connect();
  });
}

describe('in-process transport', () => {
  it('welcomes a participant connection through the control plane, then both sides see it close', async () => {
    const conn = await connect({
      url: coordinator.url,
      token,
      capabilities,
      socketFactory: () => link.socket(),
    });
    expect(conn.connected).toBe(true);
    expect(coordinator.plane.isConnected(conn.clientId)).toBe(true);
    const left = new Promise<string>((resolve) => coordinator.plane.onClientLeft((e) => resolve(e.clientId)));
    await conn.close();
    expect(await left).toBe(conn.clientId);
    expect(coordinator.plane.isConnected(conn.clientId)).toBe(false);
  });

  it('refuses messages before hello and closes the connection', async () => {
    const { socket, next } = await rawSocket();
    const closed = new Promise<string>((resolve) =>
      socket.on('disconnect', (r: unknown) => resolve(String(r))),
    );
    socket.emit('heartbeat', { type: 'heartbeat', sentAt: 1 });
    const error = await next('error');
    expect(error.code).toBe('FAILED_PRECONDITION');
    expect(await closed).toBe('io server disconnect');
  });

  it('refuses a bad token with UNAUTHORIZED', async () => {
    const { socket, next } = await rawSocket();
    socket.emit('hello', { type: 'hello', protocolVersion: PROTOCOL_VERSION, token: 'nope', capabilities });
    expect((await next('error')).code).toBe('UNAUTHORIZED');
  });

  it('validates every message after hello with the protocol schemas', async () => {
    const { socket, next } = await rawSocket();
    socket.emit('hello', { type: 'hello', protocolVersion: PROTOCOL_VERSION, token, capabilities });
    const welcome = await next('welcome');
    expect(typeof welcome.clientId).toBe('string');
    socket.emit('progress', { type: 'progress', taskId: 't1', step: -3 });
    expect((await next('error')).code).toBe('INVALID_MESSAGE');
    socket.emit('no-such-event', { type: 'no-such-event' });
    expect((await next('error')).code).toBe('UNKNOWN_MESSAGE_TYPE');
    const ack = await new Promise<unknown>((resolve) => {
      socket.timeout(5000).emit('result', { type: 'result' }, (_e, r) => resolve(r));
    });
    expect(ack).toMatchObject({ ok: false, error: { code: 'INVALID_MESSAGE' } });
    expect(socket.connected).toBe(true);
    socket.disconnect();
  });
});
