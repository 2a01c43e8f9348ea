/**
 * The socket.io adapter passes the channel conformance suite: a real socket.io server on
 * port 0 and a real socket.io-client, one connection per case.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { Server } from 'socket.io';
import { io as connectClient } from 'socket.io-client';
import {
  channelConformance,
  socketIoCoordinatorChannel,
  socketIoParticipantChannel,
  type ChannelPairLimits,
  type CoordinatorChannel,
} from '@edgefed/shared';

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
