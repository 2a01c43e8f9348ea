/**
 * Types of the coordinator's socket.io control plane: options, limits, and the events it
 * emits to the rest of the coordinator.
 */
import type {
  ClientMessageOf,
  ClientMessageType,
  ClientToServerEvents,
  CoordinatorChannel,
  ErrorCode,
  HelloMessage,
  ServerMessageInputOf,
  ServerToClientEvents,
} from '@edgefed/shared';
import type { Server } from 'socket.io';
import type { ClientRecord, ClientRegistry, ClientExpiredEvent } from '../registry/client-registry.js';
import type { Clock } from '../registry/clock.js';
import type { Listener, Unsubscribe } from './listener-set.js';
import type { InMemoryRejectionCounter, RejectionCounter } from './rejection-counter.js';

/** The socket.io server type the control plane drives. */
export type ControlPlaneServer = Server<ClientToServerEvents, ServerToClientEvents>;

/** Limits the control plane enforces and announces in `welcome`. */
export interface ControlPlaneLimits {
  /** Largest socket.io message in bytes; becomes socket.io's `maxHttpBufferSize`. */
  readonly maxMessageBytes: number;
  /** Largest `upload-chunk` data in bytes (must be < maxMessageBytes). */
  readonly maxChunkBytes: number;
  /** How often clients should send `heartbeat`. */
  readonly heartbeatIntervalMs: number;
  /** How long a new connection may take to send a valid `hello`. */
  readonly helloTimeoutMs: number;
  /**
   * Per-client message rate after `hello` (token bucket: this many per second sustained,
   * bursts up to one second's worth, at least 1). Messages over it are refused with
   * `RATE_LIMITED` (`details.retryAfterMs`) before they are parsed. Absent: no limit.
   */
  readonly messagesPerSecond?: number;
}

/** Minimal structured logger (pino's `Logger` fits). */
export interface ControlPlaneLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * Decides who may join. Return the principal (anything: claims, user, run) or throw
 * EdgefedError `UNAUTHORIZED` / `FORBIDDEN`; any other throw is reported as `INTERNAL`.
 */
export type Authenticate<P> = (token: string, hello: HelloMessage) => Promise<P> | P;

/** Options for `createControlPlane`. */
export interface ControlPlaneOptions<P> {
  /** An attached socket.io server (its `engine` must exist). */
  readonly io: ControlPlaneServer;
  readonly authenticate: Authenticate<P>;
  readonly registry: ClientRegistry<P>;
  readonly limits: ControlPlaneLimits;
  readonly logger?: ControlPlaneLogger;
  /** External sink for rejection counts (e.g. Prometheus); in-memory counts are always kept. */
  readonly rejectionCounter?: RejectionCounter;
  /** Time for hello timeouts and `serverTime`; defaults to the system clock. */
  readonly clock?: Clock;
}

/** Message types delivered to subscribers after the handshake (everything but `hello`). */
export type InboundMessageType = Exclude<ClientMessageType, 'hello'>;

/** A validated message from an identified client. */
export interface InboundMessageEvent<T extends InboundMessageType> {
  readonly clientId: string;
  readonly message: ClientMessageOf<T>;
}

/** A client finished the handshake with a new identity. */
export interface ClientJoinedEvent<P> {
  readonly clientId: string;
  readonly record: ClientRecord<P>;
  /** Hex SHA-256 of the resume token just issued (for persisting the session; never the token). */
  readonly resumeTokenHash: string;
}

/** A client came back within grace and kept its identity (in-flight tasks may continue). */
export interface ClientResumedEvent<P> {
  readonly clientId: string;
  readonly record: ClientRecord<P>;
  /** Hex SHA-256 of the rotated resume token. */
  readonly resumeTokenHash: string;
  /** True when the previous connection was still open and has been closed (CONFLICT). */
  readonly replacedConnection: boolean;
}

/** A client's connection closed; it may still resume until its grace period ends. */
export interface ClientLeftEvent {
  readonly clientId: string;
  /** socket.io's disconnect reason (`transport close`, `ping timeout`, ...). */
  readonly reason: string;
}

/**
 * The coordinator's view of the control plane. The `on*` subscription methods may be
 * passed around detached (they are function properties); each returns its unsubscribe function.
 */
export interface ControlPlane<P> {
  readonly onClientJoined: (listener: Listener<ClientJoinedEvent<P>>) => Unsubscribe;
  readonly onClientResumed: (listener: Listener<ClientResumedEvent<P>>) => Unsubscribe;
  readonly onClientLeft: (listener: Listener<ClientLeftEvent>) => Unsubscribe;
  /** A client's grace period ended (or it was removed): forget its tasks. */
  readonly onClientExpired: (listener: Listener<ClientExpiredEvent<P>>) => Unsubscribe;
  /**
   * Subscribes to validated messages of `type`. For `result` and `upload-chunk` the client's
   * ack waits for all listeners: ok when all succeed, otherwise the first error (an
   * EdgefedError's code, or INTERNAL). With no listener they are rejected as UNAVAILABLE.
   * For other types a listener's EdgefedError is sent back as an `error` message.
   */
  onMessage<T extends InboundMessageType>(type: T, listener: Listener<InboundMessageEvent<T>>): Unsubscribe;
  /**
   * Sends a message to a connected client, validated first. Returns false when the client is
   * not connected. @throws EdgefedError `INVALID_MESSAGE` for an invalid message (a bug).
   */
  send(clientId: string, message: ServerOutbound): boolean;
  /** Sends `error` (when given) and closes the client's connection. False when not connected. */
  disconnect(clientId: string, error?: { readonly code: ErrorCode; readonly message: string }): boolean;
  /** True while `clientId` has an open, greeted connection. */
  isConnected(clientId: string): boolean;
  /** Ids of clients with an open, greeted connection. */
  connectedClientIds(): string[];
  /** Rejected inbound messages so far, by code. */
  readonly rejections: InMemoryRejectionCounter;
  /**
   * Serves a participant connection that arrived over another transport than the plane's
   * socket.io server (e.g. a MessagePort channel of a simulation's fleet): it runs the same
   * session (hello, authentication, limits, rate limit) as a socket.io connection. A channel
   * accepted after `close` is closed at once.
   */
  readonly accept: (channel: CoordinatorChannel) => void;
  /** Stops accepting connections and closes every connection the plane serves. */
  close(): void;
}

/** Messages the coordinator may push to a client (welcome is the handshake's own). */
export type ServerOutbound = ServerMessageInputOf<
  'task' | 'cancel' | 'heartbeat' | 'error' | 'secagg-roster' | 'secagg-inbox' | 'secagg-unmask-request'
>;
