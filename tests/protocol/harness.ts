/**
 * A real coordinator control plane on a real socket.io server (port 0) for protocol tests,
 * with a ManualClock driving hello timeouts and resume grace, plus small event helpers.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as ioClient, type Socket as ClientSocket } from 'socket.io-client';
import {
  ClientRegistry,
  createControlPlane,
  ManualClock,
  type Authenticate,
  type ControlPlane,
  type ControlPlaneLimits,
  type ControlPlaneServer,
} from '@edgefed/coordinator';
import { EdgefedError, PROTOCOL_VERSION, type Capabilities } from '@edgefed/shared';

/** The principal tests authenticate to. */
export interface TestPrincipal {
  readonly subject: string;
}

export const GOOD_TOKEN = 'good-token';
export const GRACE_MS = 5_000;

export const capabilities: Capabilities = {
  runtime: 'node',
  backend: 'node',
  exampleCount: 100,
  deviceClass: 'virtual',
  eligible: true,
  clientVersion: '0.1.0',
};

/** A valid hello as a raw socket would send it. */
export function helloMessage(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'hello', protocolVersion: PROTOCOL_VERSION, token: GOOD_TOKEN, capabilities, ...extra };
}

export interface Harness {
  readonly url: string;
  readonly io: ControlPlaneServer;
  readonly clock: ManualClock;
  readonly registry: ClientRegistry<TestPrincipal>;
  readonly plane: ControlPlane<TestPrincipal>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly limits?: Partial<ControlPlaneLimits>;
  /** Called after the token check; may advance the clock etc. */
  readonly onAuthenticate?: Authenticate<TestPrincipal>;
}

/** Starts an HTTP + socket.io server on 127.0.0.1:0 with a control plane. */
export async function startCoordinator(options: HarnessOptions = {}): Promise<Harness> {
  const http = createServer();
  const io: ControlPlaneServer = new Server(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  const clock = new ManualClock();
  const registry = new ClientRegistry<TestPrincipal>({ resumeGraceMs: GRACE_MS, clock });
  const authenticate: Authenticate<TestPrincipal> = async (token, hello) => {
    if (token !== GOOD_TOKEN) throw new EdgefedError('UNAUTHORIZED', 'Bad join token');
    return (await options.onAuthenticate?.(token, hello)) ?? { subject: 'tester' };
  };
  const limits: ControlPlaneLimits = {
    maxMessageBytes: 256 * 1024,
    maxChunkBytes: 64 * 1024,
    heartbeatIntervalMs: 60_000,
    helloTimeoutMs: 1_000,
    ...options.limits,
  };
  const plane = createControlPlane({ io, authenticate, registry, limits, clock });
  return {
    url: `http://127.0.0.1:${port}`,
    io,
    clock,
    registry,
    plane,
    async close() {
      plane.close();
      registry.close();
      await io.close();
    },
  };
}

/** A raw socket.io client (websocket only, no reconnection) for sending arbitrary events. */
export async function rawClient(url: string): Promise<ClientSocket> {
  const socket = ioClient(url, { transports: ['websocket'], reconnection: false, forceNew: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

/** Resolves with the first payload of `event` on `socket`. */
export function nextEvent<T = unknown>(socket: ClientSocket, event: string): Promise<T> {
  return new Promise<T>((resolve) =>
    socket.once(event, (value: T) => {
      resolve(value);
    }),
  );
}

/** Resolves with the next value a subscribe-style API delivers, then unsubscribes. */
export function nextOf<T>(subscribe: (listener: (value: T) => void) => () => void): Promise<T> {
  return new Promise<T>((resolve) => {
    const off = subscribe((value) => {
      off();
      resolve(value);
    });
  });
}

/** Sends a valid hello on a raw socket and returns the welcome. */
export async function greet(
  socket: ClientSocket,
  extra: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  const welcome = nextEvent<Record<string, unknown>>(socket, 'welcome');
  socket.emit('hello', helloMessage(extra));
  return welcome;
}

/** Records the names of events (and `disconnect`) in arrival order. */
export function recordEvents(socket: ClientSocket): { name: string; value: unknown }[] {
  const seen: { name: string; value: unknown }[] = [];
  socket.onAny((name: string, value: unknown) => seen.push({ name, value }));
  socket.on('disconnect', (reason) => seen.push({ name: 'disconnect', value: reason }));
  return seen;
}
