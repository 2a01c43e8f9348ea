/**
 * Version negotiation across a minor bump (protocol 1.2.0 moved the model spec, compression
 * and seed out of `task.config` into typed task fields): an older-minor participant is
 * refused at `hello` with PROTOCOL_VERSION (details say the minimum), a newer-minor one is
 * welcomed, and a participant refuses a coordinator older than its minimum at `welcome`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from '@edgefed/client';
import { MIN_PROTOCOL_VERSION, PROTOCOL_VERSION } from '@edgefed/shared';
import { Server } from 'socket.io';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { capabilities, GOOD_TOKEN, startCoordinator, type Harness } from './harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startCoordinator();
});
afterEach(async () => {
  await h.close();
});

describe('protocol version negotiation', () => {
  it('refuses a 1.1 participant with PROTOCOL_VERSION and the minimum in details', async () => {
    expect(PROTOCOL_VERSION).toBe('1.3.0');
    const refused = connect({
      url: h.url,
      token: GOOD_TOKEN,
      capabilities,
      protocolVersion: '1.1.0',
    });
    await expect(refused).rejects.toMatchObject({
      code: 'PROTOCOL_VERSION',
      details: { received: '1.1.0', minimum: MIN_PROTOCOL_VERSION, expected: PROTOCOL_VERSION },
    });
    expect(h.plane.connectedClientIds()).toEqual([]);
  });

  it('welcomes a participant of a newer minor version', async () => {
    const conn = await connect({ url: h.url, token: GOOD_TOKEN, capabilities, protocolVersion: '1.4.0' });
    expect(conn.welcome.protocolVersion).toBe(PROTOCOL_VERSION);
    await conn.close();
  });

  it('a participant refuses a coordinator older than its minimum', async () => {
    const http = createServer();
    const io = new Server(http);
    io.on('connection', (socket) => {
      socket.on('hello', () => {
        socket.emit('welcome', {
          type: 'welcome',
          clientId: 'c1',
          resumeToken: 'r1',
          resumed: false,
          protocolVersion: '1.1.0',
          serverTime: Date.now(),
          limits: {
            maxMessageBytes: 1024,
            maxChunkBytes: 512,
            heartbeatIntervalMs: 10_000,
            resumeGraceMs: 0,
          },
        });
      });
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    try {
      await expect(connect({ url, token: GOOD_TOKEN, capabilities })).rejects.toMatchObject({
        code: 'PROTOCOL_VERSION',
        details: { received: '1.1.0', minimum: MIN_PROTOCOL_VERSION },
      });
    } finally {
      await io.close();
    }
  });
});
