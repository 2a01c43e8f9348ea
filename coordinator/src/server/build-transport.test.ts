/**
 * buildTransport alone: a participant with a real join token says hello over socket.io and
 * is welcomed; a forged token is refused; the connected-clients gauge follows.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as ioClient } from 'socket.io-client';
import { afterEach, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '@edgefed/shared';
import { createJoinToken } from '../auth/join-token.js';
import { loadConfig } from '../config/load.js';
import { silentLogger } from '../observability/logger.js';
import { createMetrics } from '../observability/metrics.js';
import { createMemoryRunStore } from '../store/memory-run-store.js';
import { buildTransport } from './build-transport.js';

const SECRET = 'token-secret-for-tests-0123456789';
const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

const hello = (token: string): Record<string, unknown> => ({
  type: 'hello',
  protocolVersion: PROTOCOL_VERSION,
  token,
  capabilities: {
    runtime: 'node',
    backend: 'node',
    exampleCount: 10,
    deviceClass: 'virtual',
    eligible: true,
    clientVersion: '0.1.0',
  },
});

it('welcomes a participant with a join token and refuses a forged one', async () => {
  const http = createServer();
  const metrics = createMetrics();
  const config = loadConfig({ overrides: { store: { kind: 'memory' } } });
  const transport = buildTransport({
    http,
    config,
    tokenSecret: SECRET,
    store: createMemoryRunStore(),
    logger: silentLogger(),
    metrics,
  });
  closers.push(() => transport.close());
  await new Promise<void>((ok) => http.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const connect = () => {
    const s = ioClient(url, { transports: ['websocket'], reconnection: false, forceNew: true });
    closers.push(() => {
      s.disconnect();
    });
    return s;
  };
  const good = connect();
  const welcome = new Promise<Record<string, unknown>>((ok) => good.once('welcome', ok));
  good.emit('hello', hello(createJoinToken({ secret: SECRET, run: '*' })));
  expect(await welcome).toMatchObject({ type: 'welcome' });
  expect(transport.plane.connectedClientIds()).toHaveLength(1);
  expect((await metrics.connectedClients.get()).values[0]?.value).toBe(1);
  const bad = connect();
  const error = new Promise<{ code: string }>((ok) => bad.once('error', ok));
  bad.emit('hello', hello('forged'));
  expect((await error).code).toBe('UNAUTHORIZED');
});
