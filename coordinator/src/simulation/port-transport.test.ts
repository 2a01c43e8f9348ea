/**
 * The in-process transport against a real coordinator: participant channels multiplexed
 * over one MessagePort (shared's port dialer and listener) are served by the same control
 * plane as socket.io connections, and a raw peer writing frames by hand is refused with the
 * same codes (hello first, authentication, schemas, unknown types, acks).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '@edgefed/client';
import {
  createPortDialer,
  createPortListener,
  PROTOCOL_VERSION,
  type Capabilities,
  type PortDialer,
  type PortFrame,
  type PortListener,
} from '@edgefed/shared';
import { createJoinToken } from '../auth/join-token.js';
import { coordinatorConfigSchema } from '../config/schema.js';
import { createLogger } from '../observability/logger.js';
import { createCoordinator, type Coordinator } from '../server/coordinator.js';

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
let listeners: PortListener[] = [];
let dialer: PortDialer;
let token: string;

/** A new port served by the coordinator's control plane. */
function servedPort(): MessagePort {
  const channel = new MessageChannel();
  listeners.push(createPortListener(channel.port1, coordinator.plane.accept, { maxReceiveBytes: 64 * 1024 }));
  return channel.port2;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgefed-port-'));
  const config = coordinatorConfigSchema.parse({
    server: { port: 0 },
    store: { kind: 'sqlite', dataDir: dir },
    log: { level: 'silent' },
  });
  coordinator = await createCoordinator({ config, logger: createLogger('silent') });
  await coordinator.listen();
  token = createJoinToken({ secret: coordinator.tokenSecret, run: '*' });
  dialer = createPortDialer(servedPort());
});

afterAll(async () => {
  dialer.close();
  for (const l of listeners) l.close();
  listeners = [];
  await coordinator.close();
  await rm(dir, { recursive: true, force: true });
});

/** A peer that writes frames by hand on its own port (connection 0). */
function rawPeer() {
  const port = servedPort();
  const inbound: Record<string, unknown>[] = [];
  const acks: unknown[] = [];
  let closedWith: string | undefined;
  let wake: (() => void) | undefined;
  port.on('message', (f: PortFrame) => {
    if (f.k === 'm') inbound.push(f.m as Record<string, unknown>);
    if (f.k === 'r') acks.push(f.r);
    if (f.k === 'x') closedWith = f.reason;
    wake?.();
  });
  const until = async (ready: () => boolean): Promise<void> => {
    while (!ready()) await new Promise<void>((resolve) => (wake = resolve));
  };
  const post = (m: unknown, a?: number): void => {
    port.postMessage(a === undefined ? { k: 'm', c: 0, m } : { k: 'm', c: 0, m, a });
  };
  port.postMessage({ k: 'open', c: 0 });
  return {
    post,
    /** The next message of `type` (each taken once). */
    async next(type: string): Promise<Record<string, unknown>> {
      await until(() => inbound.some((m) => m.type === type));
      const i = inbound.findIndex((m) => m.type === type);
      return inbound.splice(i, 1)[0] ?? {};
    },
    async ack(): Promise<unknown> {
      await until(() => acks.length > 0);
      return acks.shift();
    },
    async closed(): Promise<string | undefined> {
      await until(() => closedWith !== undefined);
      return closedWith;
    },
    close: () => port.close(),
  };
}

describe('in-process transport (MessagePort channels)', () => {
  it('welcomes a participant through the control plane, then both sides see it close', async () => {
    const conn = await connect({ url: coordinator.url, token, capabilities, dial: () => dialer.dial() });
    expect(conn.connected).toBe(true);
    expect(coordinator.plane.isConnected(conn.clientId)).toBe(true);
    const left = new Promise<string>((resolve) => coordinator.plane.onClientLeft((e) => resolve(e.reason)));
    await conn.close();
    expect(await left).toBe('client namespace disconnect');
    expect(coordinator.plane.isConnected(conn.clientId)).toBe(false);
  });

  it('refuses messages before hello and closes the connection', async () => {
    const peer = rawPeer();
    peer.post({ type: 'heartbeat', sentAt: 1 });
    expect((await peer.next('error')).code).toBe('FAILED_PRECONDITION');
    expect(await peer.closed()).toBe('io server disconnect');
    peer.close();
  });

  it('refuses a bad token with UNAUTHORIZED', async () => {
    const peer = rawPeer();
    peer.post({ type: 'hello', protocolVersion: PROTOCOL_VERSION, token: 'nope', capabilities });
    expect((await peer.next('error')).code).toBe('UNAUTHORIZED');
    peer.close();
  });

  it('validates every message after hello; oversize ones get PAYLOAD_TOO_LARGE in the ack', async () => {
    const peer = rawPeer();
    peer.post({ type: 'hello', protocolVersion: PROTOCOL_VERSION, token, capabilities });
    expect(typeof (await peer.next('welcome')).clientId).toBe('string');
    peer.post({ type: 'progress', taskId: 't1', step: -3 });
    expect((await peer.next('error')).code).toBe('INVALID_MESSAGE');
    peer.post({ type: 'no-such-type' });
    expect((await peer.next('error')).code).toBe('UNKNOWN_MESSAGE_TYPE');
    peer.post({ type: 'result' }, 0);
    expect(await peer.ack()).toMatchObject({ ok: false, error: { code: 'INVALID_MESSAGE' } });
    peer.post({ type: 'upload-chunk', taskId: 't', data: new Uint8Array(100 * 1024) }, 1);
    expect(await peer.ack()).toMatchObject({ ok: false, error: { code: 'PAYLOAD_TOO_LARGE' } });
    peer.close();
  });
});
