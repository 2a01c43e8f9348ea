/**
 * One participant connection's life on the control plane, over a {@link CoordinatorChannel}
 * (socket.io or a MessagePort: the session never sees which): wait for a valid `hello`
 * (within the timeout), authenticate, register or resume, send `welcome`; then take every
 * inbound message, validated by the channel, and hand it to subscribers. Every rejection is answered (ack or `error` message) and
 * counted; handshake failures then close the connection.
 *
 * Before `hello` succeeds a session holds only this object and one timer: no registry
 * entry, no buffers.
 */
import {
  checkProtocolVersion,
  EdgefedError,
  isAckedMessageType,
  MIN_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  toEdgefedError,
  type AckReply,
  type ClientMessage,
  type CoordinatorChannel,
  type HelloMessage,
  type Inbound,
  type OutboundOf,
  type ServerToClientEvents,
} from '@edgefed/shared';
import type { SessionContext } from './session-context.js';
import { TokenBucket } from './token-bucket.js';

type Phase = 'awaiting-hello' | 'authenticating' | 'ready' | 'closed';

interface RejectOptions {
  readonly ack?: AckReply | undefined;
  readonly fatal: boolean;
  readonly correlationId?: string | undefined;
}

function correlationOf(type: string, payload: unknown): string | undefined {
  if (typeof payload === 'object' && payload !== null) {
    const { taskId } = payload as { taskId?: unknown };
    if (typeof taskId === 'string' && taskId.length > 0 && taskId.length <= 256) return taskId;
  }
  return type.length > 0 ? type.slice(0, 256) : undefined;
}

/** Handles one participant's channel; created by the control plane for each one it accepts. */
export class SocketSession<P> {
  readonly channel: CoordinatorChannel;
  readonly #ctx: SessionContext<P>;
  #phase: Phase = 'awaiting-hello';
  #clientId: string | undefined;
  #cancelHelloTimer: (() => void) | undefined;
  #bucket: TokenBucket | undefined;

  constructor(channel: CoordinatorChannel, ctx: SessionContext<P>) {
    this.channel = channel;
    this.#ctx = ctx;
  }

  /** Starts listening and the hello timer. */
  start(): void {
    const { channel } = this;
    this.#cancelHelloTimer = this.#ctx.clock.setTimer(() => {
      if (this.#phase === 'awaiting-hello' || this.#phase === 'authenticating') {
        const ms = this.#ctx.limits.helloTimeoutMs;
        this.reject(new EdgefedError('TIMEOUT', `No valid hello within ${ms} ms`), { fatal: true });
      }
    }, this.#ctx.limits.helloTimeoutMs);
    channel.onMessage((inbound) => {
      this.#onInbound(inbound);
    });
    channel.onClose((reason) => {
      this.#onDisconnect(reason);
    });
  }

  /** The client id once greeted. */
  get clientId(): string | undefined {
    return this.#clientId;
  }

  /** Sends a server message on this channel (validated by the channel; dropped once closed). */
  emit(message: OutboundOf<ServerToClientEvents>): void {
    this.channel.send(message);
  }

  /** Answers a rejection (ack or `error` message), counts it, and closes when fatal. */
  reject(error: EdgefedError, options: RejectOptions): void {
    this.#ctx.countRejection(error.code);
    this.#ctx.logger.debug(
      { connectionId: this.channel.id, clientId: this.#clientId, code: error.code },
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

  /** Closes the connection (the pending `error`, if any, goes out first: channels keep order). */
  close(): void {
    if (this.#phase === 'closed') return;
    this.#phase = 'closed';
    this.#cancelHelloTimer?.();
    this.channel.close();
  }

  #onInbound(inbound: Inbound<ClientMessage>): void {
    const type = inbound.ok ? inbound.message.type : inbound.type;
    const raw = inbound.ok ? inbound.message : inbound.raw;
    const ack = inbound.reply;
    const correlationId = correlationOf(type, raw);
    try {
      if (this.#phase === 'closed') return;
      if (this.#phase !== 'ready') {
        if (type !== 'hello' || this.#phase !== 'awaiting-hello') {
          throw new EdgefedError('FAILED_PRECONDITION', `Send a valid hello before "${type.slice(0, 64)}"`);
        }
        this.#phase = 'authenticating';
        void this.#hello(inbound);
        return;
      }
      this.#checkRate();
      if (type === 'hello')
        throw new EdgefedError('FAILED_PRECONDITION', 'Already greeted: hello is sent once');
      if (!inbound.ok) throw inbound.error;
      void this.#message(inbound.message as Exclude<ClientMessage, HelloMessage>, ack, correlationId);
    } catch (error) {
      this.reject(toEdgefedError(error), { ack, fatal: this.#phase !== 'ready', correlationId });
    }
  }

  async #hello(inbound: Inbound<ClientMessage>): Promise<void> {
    try {
      // The version is checked before the schema: a peer of another major version gets
      // PROTOCOL_VERSION, not INVALID_MESSAGE.
      const raw = inbound.ok ? inbound.message : inbound.raw;
      const version = (raw as { protocolVersion?: unknown } | undefined)?.protocolVersion;
      if (typeof version === 'string') checkProtocolVersion(version, PROTOCOL_VERSION, MIN_PROTOCOL_VERSION);
      if (!inbound.ok) throw inbound.error;
      const hello = inbound.message as HelloMessage;
      const principal = await this.#authenticate(hello);
      if (this.#phase !== 'authenticating' || !this.channel.open) return;
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
        { err: error, connectionId: this.channel.id },
        'authenticate threw a non-EdgefedError',
      );
      throw new EdgefedError('INTERNAL', 'Authentication failed');
    }
  }

  async #message(
    message: Exclude<ClientMessage, HelloMessage>,
    ack: AckReply | undefined,
    correlationId: string | undefined,
  ): Promise<void> {
    const clientId = this.#clientId;
    if (clientId === undefined) return;
    try {
      this.#ctx.registry.touch(clientId);
      if (message.type === 'error')
        this.#ctx.logger.warn({ clientId, error: message }, 'client reported an error');
      this.#checkLimits(message);
      const errors = await this.#ctx.dispatch(
        clientId,
        message,
        ack !== undefined || isAckedMessageType(message.type),
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
