/**
 * Types of the participant's connection to a coordinator: options, events, and the
 * {@link Connection} handle that `connect` returns.
 */
import type {
  CancelMessage,
  Capabilities,
  ClientMessageInputOf,
  ClientMessageType,
  EdgefedError,
  ErrorMessage,
  HeartbeatMessage,
  ParticipantChannel,
  SecAggInboxMessage,
  SecAggRosterMessage,
  SecAggUnmaskRequestMessage,
  TaskMessage,
  WelcomeMessage,
} from '@edgefed/shared';
import type { BackoffOptions } from './connection-backoff.js';

/** Options for `connect`. */
export interface ConnectOptions {
  /** Coordinator URL, e.g. `http://localhost:8080`. */
  readonly url: string;
  /** Join token, presented in every `hello`. */
  readonly token: string;
  /** Sent in `hello`; a function is called again on every reconnect (values may change). */
  readonly capabilities: Capabilities | (() => Capabilities);
  /** Aborting before `welcome` rejects `connect` with ABORTED; afterwards it closes. */
  readonly signal?: AbortSignal;
  /** How long `connect` waits for the first `welcome` (default 15,000 ms). */
  readonly timeoutMs?: number;
  /** Reconnect backoff (exponential with jitter). */
  readonly reconnect?: BackoffOptions;
  /** Time limit for acks of `result` and `upload-chunk` (default 30,000 ms). */
  readonly ackTimeoutMs?: number;
  /** Random source in [0, 1) for jitter (default Math.random; seed it in simulations). */
  readonly random?: () => number;
  /** socket.io path (default `/socket.io`). */
  readonly path?: string;
  /** Transports, default `['websocket']` (no long-polling). */
  readonly transports?: readonly ('websocket' | 'polling' | 'webtransport')[];
  /** Protocol version to announce; only tests and compatibility checks change it. */
  readonly protocolVersion?: string;
  /** Sees errors thrown by event handlers (default: console.error). */
  readonly onListenerError?: (error: unknown) => void;
  /**
   * Opens the channel of each connection attempt instead of socket.io-client to `url`
   * (e.g. `() => portDialer.dial()` for a simulation's MessagePort transport, see
   * `createPortDialer`). `url`, `path` and `transports` are then ignored for the control
   * plane (`url` still locates the HTTP model data plane).
   */
  readonly dial?: ChannelDialer;
  /**
   * A resume token saved from an earlier connection (e.g. before a page reload). The first
   * `hello` presents it: within the coordinator's grace period the identity (client id) is
   * kept; an unknown or expired token silently gets a new identity (compare `clientId`).
   * Must be 1..256 characters (`INVALID_ARGUMENT` otherwise).
   */
  readonly resumeToken?: string;
  /**
   * Called with the resume token of every `welcome` (the coordinator rotates it on each
   * resume), so it can be persisted. Thrown errors go to `onListenerError`.
   */
  readonly onResumeToken?: (token: string) => void;
}

/**
 * Opens one participant channel to the coordinator: resolves once connected, rejects when
 * the attempt failed (the connection then backs off and retries). `signal` aborts an
 * attempt the connection no longer needs (it closed meanwhile).
 */
export type ChannelDialer = (signal: AbortSignal) => Promise<ParticipantChannel>;

/** Events a {@link Connection} emits, by name. */
export interface ConnectionEvents {
  welcome: WelcomeMessage;
  task: TaskMessage;
  cancel: CancelMessage;
  /** An `error` message from the coordinator. */
  error: ErrorMessage;
  heartbeat: HeartbeatMessage;
  /** A secure-aggregation phase message of a secure fit task (roster, inbox, unmask request). */
  secagg: SecAggRosterMessage | SecAggInboxMessage | SecAggUnmaskRequestMessage;
  /** The coordinator sent something invalid (also reported back to it as an `error`). */
  'protocol-error': EdgefedError;
  /** The socket closed; `willReconnect` says whether a retry is scheduled. */
  disconnected: { readonly reason: string; readonly willReconnect: boolean };
  /** A reconnect attempt is scheduled after `delayMs`. */
  reconnecting: { readonly attempt: number; readonly delayMs: number };
  /** Reconnected within grace: same client id, in-flight tasks may continue. */
  resumed: { readonly clientId: string };
  /** Reconnected after grace: a new client id; earlier tasks are gone. */
  rejoined: { readonly clientId: string; readonly previousClientId: string };
  /** The connection is finished for good (`error` says why, absent after `close()`). */
  closed: { readonly error?: EdgefedError };
}

/** Messages `send` accepts: everything a participant sends except `hello`. */
export type SendableMessage = ClientMessageInputOf<Exclude<ClientMessageType, 'hello'>>;

/** Per-send options. */
export interface SendOptions {
  /** Ack wait for `result` / `upload-chunk` (default: the connection's ackTimeoutMs). */
  readonly timeoutMs?: number;
}

/** A live, self-healing connection to the coordinator. */
export interface Connection {
  /** The current client id (changes only after a `rejoined`). */
  readonly clientId: string;
  /** The latest `welcome`. */
  readonly welcome: WelcomeMessage;
  /** The latest resume token (`welcome.resumeToken`); save it to resume after a restart. */
  readonly resumeToken: string;
  /** True while greeted and connected. */
  readonly connected: boolean;
  /**
   * Validates and sends a message. Resolves once acked (`result`, `upload-chunk`) or handed
   * to the socket (others). Rejects with INVALID_MESSAGE for an invalid message, UNAVAILABLE
   * while not connected, TIMEOUT without an ack in time, or the coordinator's error code.
   */
  send(message: SendableMessage, options?: SendOptions): Promise<void>;
  /** Subscribes to an event; returns the unsubscribe function. */
  on<K extends keyof ConnectionEvents>(event: K, handler: (value: ConnectionEvents[K]) => void): () => void;
  /** Closes for good (no reconnect); idempotent. */
  close(): Promise<void>;
}
