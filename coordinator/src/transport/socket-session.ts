/**
 * One socket's life on the control plane: wait for a valid `hello` (within the timeout),
 * authenticate, register or resume, send `welcome`; then validate every inbound message
 * and hand it to subscribers. Every rejection is answered (ack or `error` message) and
 * counted; handshake failures then close the connection.
 *
 * Before `hello` succeeds a session holds only this object and one timer: no registry
 * entry, no buffers.
 */
import {
  checkProtocolVersion,
  EdgefedError,
  isAckedMessageType,
  isClientMessageType,
  parseMessage,
  PROTOCOL_VERSION,
  toEdgefedError,
  type AckResponse,
  type ClientMessage,
  type HelloMessage,
  type ServerMessage,
} from '@edgefed/shared';
import type { Socket } from 'socket.io';
import type { SessionContext } from './session-context.js';
import { TokenBucket } from './token-bucket.js';

type Phase = 'awaiting-hello' | 'authenticating' | 'ready' | 'closed';
type Ack = (response: AckResponse) => void;

interface RejectOptions {
  readonly ack?: Ack | undefined;
  readonly fatal: boolean;
  readonly correlationId?: string | undefined;
}

function correlationOf(event: string, payload: unknown): string | undefined {
  if (typeof payload === 'object' && payload !== null) {
    const { taskId } = payload as { taskId?: unknown };
    if (typeof taskId === 'string' && taskId.length > 0 && taskId.length <= 256) return taskId;
  }
  return event.length > 0 ? event.slice(0, 256) : undefined;
}

/** Handles one socket.io connection; created by the control plane on `connection`. */
export class SocketSession<P> {
  readonly socket: Socket;
  readonly #ctx: SessionContext<P>;
  #phase: Phase = 'awaiting-hello';
  #clientId: string | undefined;
  #cancelHelloTimer: (() => void) | undefined;
  #bucket: TokenBucket | undefined;

  constructor(socket: Socket, ctx: SessionContext<P>) {
    this.socket = socket;
    this.#ctx = ctx;
  }

  /** Starts listening and the hello timer. */
  start(): void {
    const { socket } = this;
    this.#cancelHelloTimer = this.#ctx.clock.setTimer(() => {
      if (this.#phase === 'awaiting-hello' || this.#phase === 'authenticating') {
        const ms = this.#ctx.limits.helloTimeoutMs;
        this.reject(new EdgefedError('TIMEOUT', `No valid hello within ${ms} ms`), { fatal: true });
      }
    }, this.#ctx.limits.helloTimeoutMs);
    socket.onAny((event: unknown, ...args: unknown[]) => {
      this.#onEvent(typeof event === 'string' ? event : String(event), args);
    });
    // socket.io re-emits an inbound "error" event (and its own errors) on the socket; without a
    // listener Node's EventEmitter would throw. Inbound ones are handled through onAny.
    socket.on('error', (value: unknown) => {
      if (value instanceof Error) this.#ctx.logger.warn({ err: value, socketId: socket.id }, 'socket error');
    });
    socket.on('disconnect', (reason) => {
      this.#onDisconnect(reason);
    });
  }

  /** The client id once greeted. */
  get clientId(): string | undefined {
    return this.#clientId;
  }

  /** Emits a validated server message on this socket. */
  emit(message: ServerMessage): void {
    (this.socket.emit as (event: string, payload: unknown) => boolean)(message.type, message);
  }

  /** Answers a rejection (ack or `error` message), counts it, and closes when fatal. */
  reject(error: EdgefedError, options: RejectOptions): void {
    this.#ctx.countRejection(error.code);
    this.#ctx.logger.debug(
      { socketId: this.socket.id, clientId: this.#clientId, code: error.code },
      error.message,
    );
    if (this.#phase === 'closed') return;
    const wire = error.toWire();
    if (options.ack !== undefined && !options.fatal) {
      options.ack({ ok: false, error: wire });
    } else {
      this.emit({
        type: 'error',
        ...wire,
        ...(options.correlationId === undefined ? {} : { correlationId: options.correlationId }),
      });
    }
    if (options.fatal) this.close();
  }

  /** Closes the connection (the pending `error`, if any, is flushed first by engine.io). */
  close(): void {
    if (this.#phase === 'closed') return;
    this.#phase = 'closed';
    this.#cancelHelloTimer?.();
    this.socket.disconnect(true);
  }

  #onEvent(event: string, args: unknown[]): void {
    const last = args.at(-1);
    const ack = typeof last === 'function' ? (last as Ack) : undefined;
    const payloads = ack === undefined ? args : args.slice(0, -1);
    const payload = payloads[0];
    const correlationId = correlationOf(event, payload);
    try {
      if (this.#phase === 'closed') return;
      if (this.#phase !== 'ready') {
        if (event !== 'hello' || this.#phase !== 'awaiting-hello') {
          throw new EdgefedError('FAILED_PRECONDITION', `Send a valid hello before "${event.slice(0, 64)}"`);
        }
        this.#phase = 'authenticating';
        void this.#hello(checkArity(event, payloads));
        return;
      }
      this.#checkRate();
      if (event === 'hello')
        throw new EdgefedError('FAILED_PRECONDITION', 'Already greeted: hello is sent once');
      void this.#message(event, checkArity(event, payloads), ack, correlationId);
    } catch (error) {
      this.reject(toEdgefedError(error), { ack, fatal: this.#phase !== 'ready', correlationId });
    }
  }

  async #hello(raw: unknown): Promise<void> {
    try {
      const version = (raw as { protocolVersion?: unknown } | undefined)?.protocolVersion;
      if (typeof version === 'string') checkProtocolVersion(version);
      const hello = parseMessage('client-to-server', raw) as HelloMessage;
      const principal = await this.#authenticate(hello);
      if (this.#phase !== 'authenticating' || !this.socket.connected) return;
      this.#cancelHelloTimer?.();
      const admitted = this.#ctx.admit({ session: this, hello, principal });
      this.#clientId = admitted.record.clientId;
      const rate = this.#ctx.limits.messagesPerSecond;
      if (rate !== undefined) {
        const clock = this.#ctx.clock;
        this.#bucket = new TokenBucket({
          ratePerSecond: rate,
          burst: Math.max(1, rate),
          now: () => clock.now(),
        });
      }
      this.#phase = 'ready';
      this.emit({
        type: 'welcome',
        clientId: admitted.record.clientId,
        resumeToken: admitted.resumeToken,
        resumed: admitted.resumed,
        protocolVersion: PROTOCOL_VERSION,
        serverTime: this.#ctx.clock.now(),
        limits: this.#ctx.welcomeLimits,
      });
      this.#ctx.announce(admitted);
    } catch (error) {
      this.reject(toEdgefedError(error), { fatal: true, correlationId: 'hello' });
    }
  }

  async #authenticate(hello: HelloMessage): Promise<P> {
    try {
      return await this.#ctx.authenticate(hello.token, hello);
    } catch (error) {
      if (error instanceof EdgefedError) throw error;
      this.#ctx.logger.error(
        { err: error, socketId: this.socket.id },
        'authenticate threw a non-EdgefedError',
      );
      throw new EdgefedError('INTERNAL', 'Authentication failed');
    }
  }

  async #message(
    event: string,
    raw: unknown,
    ack: Ack | undefined,
    correlationId: string | undefined,
  ): Promise<void> {
    const clientId = this.#clientId;
    if (clientId === undefined) return;
    try {
      if (!isClientMessageType(event)) {
        throw new EdgefedError('UNKNOWN_MESSAGE_TYPE', `Unknown event "${event.slice(0, 64)}"`, {
          details: { type: event.slice(0, 64) },
        });
      }
      const message = parseMessage('client-to-server', raw) as Exclude<ClientMessage, HelloMessage>;
      this.#ctx.registry.touch(clientId);
      if (message.type === 'error')
        this.#ctx.logger.warn({ clientId, error: message }, 'client reported an error');
      this.#checkLimits(message);
      const errors = await this.#ctx.dispatch(
        clientId,
        message,
        ack !== undefined || isAckedMessageType(event),
      );
      const first: unknown = errors[0];
      if (first !== undefined) throw this.#ctx.toClientError(first);
      ack?.({ ok: true });
    } catch (error) {
      this.reject(toEdgefedError(error), { ack, fatal: false, correlationId });
    }
  }

  /** Refuses the message with RATE_LIMITED when the client's token bucket is empty. */
  #checkRate(): void {
    const waitMs = this.#bucket?.take() ?? 0;
    if (waitMs > 0) {
      throw new EdgefedError('RATE_LIMITED', `Too many messages: retry in ${waitMs} ms`, {
        details: { retryAfterMs: waitMs, messagesPerSecond: this.#ctx.limits.messagesPerSecond },
      });
    }
  }

  #checkLimits(message: ClientMessage): void {
    const max = this.#ctx.limits.maxChunkBytes;
    if (message.type === 'upload-chunk' && message.data.byteLength > max) {
      throw new EdgefedError(
        'PAYLOAD_TOO_LARGE',
        `Chunk of ${message.data.byteLength} bytes exceeds ${max}`,
        {
          details: { byteLength: message.data.byteLength, maxChunkBytes: max },
        },
      );
    }
  }

  #onDisconnect(reason: string): void {
    this.#phase = 'closed';
    this.#cancelHelloTimer?.();
    if (this.#clientId !== undefined) this.#ctx.release(this, reason);
  }
}

/**
 * The payload of an event: exactly one argument (plus an optional ack) whose `type`, when
 * it is an object with one, equals the event name. Anything else is INVALID_MESSAGE.
 */
function checkArity(event: string, payloads: unknown[]): unknown {
  const shown = event.slice(0, 64);
  if (payloads.length !== 1) {
    throw new EdgefedError('INVALID_MESSAGE', `Event "${shown}" needs exactly one message argument`, {
      details: {
        type: shown,
        issues: [{ path: '', code: 'arity', message: `got ${payloads.length} arguments` }],
      },
    });
  }
  const payload = payloads[0];
  const type: unknown =
    typeof payload === 'object' && payload !== null ? (payload as { type?: unknown }).type : event;
  if (type !== undefined && type !== event) {
    throw new EdgefedError('INVALID_MESSAGE', `Message type does not match event "${shown}"`, {
      details: {
        type: shown,
        issues: [{ path: 'type', code: 'mismatch', message: 'type must equal the event name' }],
      },
    });
  }
  return payload;
}
