/**
 * The socket.io adapter passes the channel conformance suite: a real socket.io server on
 * port 0 and a real socket.io-client, one connection per case.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Server, type Socket } from 'socket.io';
import { io as connectClient } from 'socket.io-client';
import {
  socketIoCoordinatorChannel,
  socketIoParticipantChannel,
  type CoordinatorChannel,
  type Inbound,
  type ServerMessage,
} from '@edgefed/shared';
import { channelConformance, type ChannelPairLimits } from '@edgefed/shared/testing';

const http = createServer();
const server = new Server(http, { maxHttpBufferSize: 8 * 1024 * 1024 });
let url = '';

beforeAll(async () => {
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await server.close();
});

async function pair(limits: ChannelPairLimits) {
  const accepted = new Promise<CoordinatorChannel>((resolve) => {
    server.once('connection', (socket) => {
      resolve(socketIoCoordinatorChannel(socket, limits.coordinator ?? {}));
    });
  });
  const socket = connectClient(url, { transports: ['websocket'], reconnection: false, forceNew: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return {
    coordinator: await accepted,
    participant: socketIoParticipantChannel(socket, limits.participant ?? {}),
    dispose: () => {
      socket.disconnect();
    },
  };
}

describe('socket.io channel conformance', () => {
  for (const c of channelConformance('socket.io', pair)) it(c.name, c.run);
});

describe('socket.io event mapping', () => {
  it('delivers events of the wrong arity, type or name as invalid', async () => {
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    const client = connectClient(url, { transports: ['websocket'], reconnection: false, forceNew: true });
    const raw = await accepted;
    await new Promise<void>((resolve) => {
      if (client.connected) resolve();
      else client.once('connect', () => resolve());
    });
    const participant = socketIoParticipantChannel(client);
    const seen: Inbound<ServerMessage>[] = [];
    const arrived = new Promise<void>((resolve) => {
      participant.onMessage((inbound) => {
        seen.push(inbound);
        if (seen.length === 5) resolve();
      });
    });
    raw.emit('heartbeat', { type: 'heartbeat', sentAt: 5 });
    raw.emit('hello', { type: 'hello' });
    raw.emit('cancel', { type: 'task' });
    raw.emit('cancel', { type: 'cancel', taskId: 't', reason: 'r' }, 2);
    raw.emit('cancel', { type: 'cancel', taskId: 't' });
    await arrived;
    expect(seen[0]).toMatchObject({ ok: true, message: { type: 'heartbeat', sentAt: 5 } });
    expect(seen.slice(1).map((i) => (i.ok ? 'ok' : i.error.code))).toEqual([
      'UNKNOWN_MESSAGE_TYPE',
      'INVALID_MESSAGE',
      'INVALID_MESSAGE',
      'INVALID_MESSAGE',
    ]);
    expect(seen[4]).toMatchObject({ ok: false, type: 'cancel', error: { details: { type: 'cancel' } } });
    participant.close();
  });
});
