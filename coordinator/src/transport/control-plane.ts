/**
 * The coordinator's control plane: handshake, validation of every inbound message, client
 * lifecycle events and typed message subscriptions, over participant `Channel`s —
 * one per socket.io connection, and any other channel handed to `accept` (a simulation's
 * MessagePort channels). Binary data and
 * models travel elsewhere (uploads as acked `upload-chunk` events, models over HTTP).
 */
import {
  EdgefedError,
  helloSupportsSecureAggregation,
  parseMessage,
  socketIoCoordinatorChannel,
  type CoordinatorChannel,
  type Limits,
} from '@edgefed/shared';
import type { Socket } from 'socket.io';
import type { ClientExpiredEvent } from '../registry/client-registry.js';
import { systemClock } from '../registry/clock.js';
import { hashResumeToken } from '../registry/resume-token.js';
import type {
  ClientJoinedEvent,
  ClientLeftEvent,
  ClientResumedEvent,
  ControlPlane,
  ControlPlaneLimits,
  ControlPlaneLogger,
  ControlPlaneOptions,
  InboundMessageEvent,
  InboundMessageType,
} from './control-plane-types.js';
import { ListenerSet, type Listener } from './listener-set.js';
import { InMemoryRejectionCounter } from './rejection-counter.js';
import type { SessionContext } from './session-context.js';
import { SocketSession } from './socket-session.js';

/**
 * Sensible limits: 2 MiB messages, 1 MiB upload chunks, a heartbeat every 10 s, 10 s to say
 * hello. Models travel over HTTP, so messages stay small.
 */
export const DEFAULT_CONTROL_PLANE_LIMITS: ControlPlaneLimits = {
  maxMessageBytes: 2 * 1024 * 1024,
  maxChunkBytes: 1024 * 1024,
  heartbeatIntervalMs: 10_000,
  helloTimeoutMs: 10_000,
};

const silent: ControlPlaneLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** @throws EdgefedError `INVALID_ARGUMENT` for non-positive or inconsistent limits. */
function checkLimits(limits: ControlPlaneLimits): void {
  const { messagesPerSecond, ...integers } = limits;
  if (messagesPerSecond !== undefined && !(messagesPerSecond > 0 && Number.isFinite(messagesPerSecond))) {
    throw new EdgefedError('INVALID_ARGUMENT', 'limits.messagesPerSecond must be a positive number', {
      details: { messagesPerSecond },
    });
  }
  for (const [key, value] of Object.entries(integers)) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new EdgefedError('INVALID_ARGUMENT', `limits.${key} must be a positive integer`, {
        details: { [key]: value },
      });
    }
  }
  if (limits.maxChunkBytes >= limits.maxMessageBytes) {
    throw new EdgefedError('INVALID_ARGUMENT', 'limits.maxChunkBytes must be below limits.maxMessageBytes', {
      details: { maxChunkBytes: limits.maxChunkBytes, maxMessageBytes: limits.maxMessageBytes },
    });
  }
}

/** The parts of engine.io's server that hold the message size limit. */
interface EngineLimits {
  readonly opts: { maxHttpBufferSize?: number };
  /** The `ws` server behind the websocket transport (created with the old limit). */
  readonly ws?: { readonly options?: { maxPayload?: number } };
}

/** Applies `maxMessageBytes` to engine.io (polling) and its ws server (websocket). */
function applyBufferLimit(io: ControlPlaneOptions<unknown>['io'], maxBytes: number): void {
  const engine = io.engine as unknown as EngineLimits | undefined;
  if (engine === undefined) {
    throw new EdgefedError('FAILED_PRECONDITION', 'Attach the socket.io server to an HTTP server first');
  }
  engine.opts.maxHttpBufferSize = maxBytes;
  if (engine.ws?.options !== undefined) engine.ws.options.maxPayload = maxBytes;
}

/**
 * Starts serving the control plane on `io`'s main namespace. Sets socket.io's
 * `maxHttpBufferSize` from `limits.maxMessageBytes` (messages above it make socket.io
 * close the connection, which the client sees as a transport close).
 *
 * @throws EdgefedError `INVALID_ARGUMENT` for bad limits, `FAILED_PRECONDITION` when `io`
 *   is not attached to an HTTP server yet.
 */
export function createControlPlane<P>(options: ControlPlaneOptions<P>): ControlPlane<P> {
  const { io, registry, limits } = options;
  checkLimits(limits);
  applyBufferLimit(io, limits.maxMessageBytes);
  const logger = options.logger ?? silent;
  const logListenerError = (error: unknown): void => {
    logger.error({ err: error }, 'control-plane listener failed');
  };
  // A message handler that throws an EdgefedError refuses the message: the client gets the
  // code in its ack and the refusal is counted, so it is no server error (a result that
  // arrives after its task closed, a duplicate). Anything else is a bug and logged as one.
  const logHandlerError = (error: unknown): void => {
    if (error instanceof EdgefedError) {
      logger.debug({ code: error.code, message: error.message }, 'message refused');
    } else {
      logListenerError(error);
    }
  };
  const rejections = new InMemoryRejectionCounter();
  const joined = new ListenerSet<ClientJoinedEvent<P>>(logListenerError);
  const resumed = new ListenerSet<ClientResumedEvent<P>>(logListenerError);
  const left = new ListenerSet<ClientLeftEvent>(logListenerError);
  const handlers = new Map<InboundMessageType, ListenerSet<InboundMessageEvent<InboundMessageType>>>();
  const sessions = new Map<string, SocketSession<P>>();
  const welcomeLimits: Limits = {
    maxMessageBytes: limits.maxMessageBytes,
    maxChunkBytes: limits.maxChunkBytes,
    heartbeatIntervalMs: limits.heartbeatIntervalMs,
    resumeGraceMs: registry.resumeGraceMs,
  };

  const ctx: SessionContext<P> = {
    limits,
    welcomeLimits,
    clock: options.clock ?? systemClock,
    logger,
    registry,
    authenticate: options.authenticate,
    countRejection(code) {
      rejections.increment(code);
      options.rejectionCounter?.increment(code);
    },
    admit({ session, hello, principal }) {
      // a secure-aggregation claim counts only from a peer whose protocol has the phases
      const capabilities = helloSupportsSecureAggregation(hello)
        ? hello.capabilities
        : { ...hello.capabilities, secureAggregation: false };
      const args = { principal, capabilities, connectionId: session.channel.id };
      const resumedAdmission =
        hello.resumeToken === undefined ? undefined : registry.resume(hello.resumeToken, args);
      const admission = resumedAdmission ?? registry.register(args);
      const clientId = admission.record.clientId;
      const previous = sessions.get(clientId);
      sessions.set(clientId, session);
      if (previous !== undefined && previous !== session) {
        previous.reject(new EdgefedError('CONFLICT', 'Replaced by a newer connection of the same client'), {
          fatal: true,
        });
      }
      return admission;
    },
    announce(admission) {
      const clientId = admission.record.clientId;
      const resumeTokenHash = hashResumeToken(admission.resumeToken);
      logger.info({ clientId, resumed: admission.resumed }, 'client admitted');
      if (admission.resumed) {
        const replacedConnection = admission.replacedConnectionId !== undefined;
        void resumed.emit({ clientId, record: admission.record, replacedConnection, resumeTokenHash });
      } else {
        void joined.emit({ clientId, record: admission.record, resumeTokenHash });
      }
    },
    dispatch(clientId, message, needsHandler) {
      const set = handlers.get(message.type);
      if (set === undefined || set.size === 0) {
        if (!needsHandler) return Promise.resolve([]);
        return Promise.resolve([
          new EdgefedError('UNAVAILABLE', `Nothing accepts "${message.type}" right now`),
        ]);
      }
      return set.emit({ clientId, message });
    },
    toClientError(error) {
      if (error instanceof EdgefedError) return error;
      logListenerError(error);
      return new EdgefedError('INTERNAL', 'Internal error');
    },
    release(session, reason) {
      const clientId = session.clientId;
      if (clientId === undefined || sessions.get(clientId) !== session) return;
      sessions.delete(clientId);
      if (registry.disconnect(clientId, session.channel.id)) {
        logger.info({ clientId, reason }, 'client left');
        void left.emit({ clientId, reason });
      }
    },
  };

  const open = new Set<SocketSession<P>>();
  let closed = false;
  const accept = (channel: CoordinatorChannel): void => {
    if (closed) {
      channel.close();
      return;
    }
    const session = new SocketSession<P>(channel, ctx);
    open.add(session);
    channel.onClose(() => open.delete(session));
    session.start();
  };
  const onConnection = (socket: Socket): void => {
    accept(
      // engine.io enforces maxMessageBytes itself (it closes the connection), see applyBufferLimit
      socketIoCoordinatorChannel(socket, {
        onTransportError: (err) => {
          logger.warn({ err, connectionId: socket.id }, 'socket error');
        },
      }),
    );
  };
  io.on('connection', onConnection);

  return {
    onClientJoined: (listener) => joined.add(listener),
    onClientResumed: (listener) => resumed.add(listener),
    onClientLeft: (listener) => left.add(listener),
    onClientExpired: (listener: Listener<ClientExpiredEvent<P>>) => registry.onExpired(listener),
    onMessage(type, listener) {
      let set = handlers.get(type);
      if (set === undefined) {
        set = new ListenerSet(logHandlerError);
        handlers.set(type, set);
      }
      return set.add(listener as unknown as Listener<InboundMessageEvent<InboundMessageType>>);
    },
    send(clientId, message) {
      const session = sessions.get(clientId);
      if (session === undefined) {
        parseMessage('server-to-client', message); // a bug in the caller throws all the same
        return false;
      }
      session.emit(message); // validated by the session's channel
      return true;
    },
    disconnect(clientId, error) {
      const session = sessions.get(clientId);
      if (session === undefined) return false;
      if (error === undefined) session.close();
      else session.reject(new EdgefedError(error.code, error.message), { fatal: true });
      return true;
    },
    isConnected: (clientId) => sessions.has(clientId),
    connectedClientIds: () => [...sessions.keys()],
    rejections,
    accept,
    close() {
      closed = true;
      io.off('connection', onConnection);
      for (const session of [...open]) session.close();
      for (const socket of io.sockets.sockets.values()) socket.disconnect(true);
      sessions.clear();
    },
  };
}
