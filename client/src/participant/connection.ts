/**
 * The participant's connection to a coordinator: `hello` -> `welcome` handshake, heartbeats,
 * and reconnects with exponential backoff + jitter that resume the same identity (resume
 * token) when the coordinator still remembers it. A token saved earlier (`resumeToken`)
 * resumes an identity across process or page restarts.
 *
 * Each connection attempt opens a new {@link ParticipantChannel} through the `dial` option
 * (default: socket.io-client to `url`); the channel validates every message both ways.
 */
import {
  checkProtocolVersion,
  EdgefedError,
  helloSchema,
  isEdgefedError,
  MIN_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  toEdgefedError,
  type ErrorMessage,
  type Inbound,
  type ParticipantChannel,
  type ServerMessage,
  type WelcomeMessage,
} from '@edgefed/shared';
import { backoffDelay, resolveBackoff, type ResolvedBackoff } from './connection-backoff.js';
import { ConnectionEmitter } from './connection-emitter.js';
import { socketIoDialer } from './socket-io-dialer.js';
import { endsConnection, wireError } from './connection-wire.js';
import type {
  ChannelDialer,
  ConnectOptions,
  Connection,
  ConnectionEvents,
  SendableMessage,
  SendOptions,
} from './connection-types.js';

type State = 'connecting' | 'ready' | 'waiting' | 'closed';
type Timer = ReturnType<typeof setTimeout>;

/**
 * Connects to a coordinator and resolves once the first `welcome` arrives.
 *
 * @throws EdgefedError `TIMEOUT` (no welcome within `timeoutMs`, retries included),
 *   `ABORTED` (signal), the coordinator's code for a refused handshake
 *   (`PROTOCOL_VERSION`, `UNAUTHORIZED`, `INVALID_MESSAGE`, ...), `UNAVAILABLE` when
 *   `reconnect.maxAttempts` ran out, `INVALID_ARGUMENT` for bad options.
 */
export async function connect(options: ConnectOptions): Promise<Connection> {
  const connection = new ParticipantConnection(options);
  await connection.start();
  return connection;
}

class ParticipantConnection implements Connection {
  readonly #options: ConnectOptions;
  readonly #backoff: ResolvedBackoff;
  readonly #dial: ChannelDialer;
  readonly #emitter: ConnectionEmitter<ConnectionEvents>;
  /** The channel of the current attempt (undefined between attempts). */
  #channel: ParticipantChannel | undefined;
  /** Aborts a dial in progress when the connection shuts down. */
  #dialing: AbortController | undefined;
  #state: State = 'connecting';
  #welcome: WelcomeMessage | undefined;
  #attempt = 0;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #retryTimer: Timer | undefined;
  #pending: { resolve: () => void; reject: (error: EdgefedError) => void } | undefined;
  #detachSignal: (() => void) | undefined;

  constructor(options: ConnectOptions) {
    if (options.url === '' || options.token === '') {
      throw new EdgefedError('INVALID_ARGUMENT', 'connect needs a url and a token');
    }
    const saved = options.resumeToken;
    if (saved !== undefined && (saved === '' || saved.length > 256)) {
      throw new EdgefedError('INVALID_ARGUMENT', 'resumeToken must be 1..256 characters');
    }
    this.#options = options;
    this.#backoff = resolveBackoff(options.reconnect);
    this.#emitter = new ConnectionEmitter(
      options.onListenerError ??
        ((e: unknown) => {
          console.error(e);
        }),
    );
    this.#dial = options.dial ?? socketIoDialer(options);
  }

  get clientId(): string {
    return this.welcome.clientId;
  }

  get welcome(): WelcomeMessage {
    if (this.#welcome === undefined) throw new EdgefedError('FAILED_PRECONDITION', 'Not welcomed yet');
    return this.#welcome;
  }

  get resumeToken(): string {
    return this.welcome.resumeToken;
  }

  get connected(): boolean {
    return this.#state === 'ready';
  }

  /** Opens the socket; resolves on the first welcome. */
  start(): Promise<void> {
    const { signal } = this.#options;
    const timeoutMs = this.#options.timeoutMs ?? 15_000;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#shutdown(
          new EdgefedError('TIMEOUT', `No welcome from ${this.#options.url} within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      const onAbort = (): void => {
        this.#shutdown(new EdgefedError('ABORTED', 'connect was aborted'));
      };
      this.#detachSignal = () => {
        signal?.removeEventListener('abort', onAbort);
      };
      this.#pending = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      if (signal?.aborted === true) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#open();
    });
  }

  on<K extends keyof ConnectionEvents>(event: K, handler: (value: ConnectionEvents[K]) => void): () => void {
    return this.#emitter.on(event, handler);
  }

  async send(message: SendableMessage, options: SendOptions = {}): Promise<void> {
    if (this.#state !== 'ready') throw new EdgefedError('UNAVAILABLE', `Not connected (${this.#state})`);
    if ((message as { type: unknown }).type === 'hello') {
      throw new EdgefedError('INVALID_ARGUMENT', 'hello is sent by the connection itself');
    }
    const channel = this.#channel;
    if (channel === undefined) throw new EdgefedError('UNAVAILABLE', 'Not connected');
    if (message.type !== 'result' && message.type !== 'upload-chunk') {
      if (!channel.send(message)) throw new EdgefedError('UNAVAILABLE', 'Not connected (closed)');
      return;
    }
    const timeoutMs = options.timeoutMs ?? this.#options.ackTimeoutMs ?? 30_000;
    try {
      await channel.request(message, { timeoutMs });
    } catch (error) {
      if (isEdgefedError(error) && error.details?.invalidAck === true)
        this.#emitter.emit('protocol-error', error);
      throw error;
    }
  }

  close(): Promise<void> {
    this.#shutdown(undefined);
    return Promise.resolve();
  }

  #sendHello(): void {
    if (this.#state === 'closed') return;
    this.#state = 'connecting';
    const caps = this.#options.capabilities;
    const resumeToken = this.#welcome?.resumeToken ?? this.#options.resumeToken;
    const hello = helloSchema.safeParse({
      type: 'hello',
      protocolVersion: this.#options.protocolVersion ?? PROTOCOL_VERSION,
      token: this.#options.token,
      capabilities: typeof caps === 'function' ? caps() : caps,
      ...(resumeToken === undefined ? {} : { resumeToken }),
    });
    if (!hello.success) {
      const issues = hello.error.issues.map((i) => i.path.map(String).join('.'));
      this.#shutdown(
        new EdgefedError('INVALID_ARGUMENT', 'Invalid hello (capabilities?)', { details: { issues } }),
      );
      return;
    }
    this.#channel?.send(hello.data);
  }

  /** Opens a channel (one connection attempt); a failure counts as a drop. */
  #open(): void {
    const controller = new AbortController();
    this.#dialing = controller;
    this.#dial(controller.signal).then(
      (channel) => {
        if (this.#dialing === controller) this.#dialing = undefined;
        if (this.#state === 'closed' || controller.signal.aborted) {
          channel.close();
          return;
        }
        this.#channel = channel;
        channel.onMessage((inbound) => {
          if (this.#channel === channel) this.#onInbound(inbound);
        });
        channel.onClose((reason) => {
          if (this.#channel !== channel) return;
          this.#channel = undefined;
          this.#onSocketDown(reason);
        });
        this.#sendHello();
      },
      (error: unknown) => {
        if (this.#dialing === controller) this.#dialing = undefined;
        if (controller.signal.aborted) return;
        this.#onSocketDown(`connect_error: ${toEdgefedError(error).message}`);
      },
    );
  }

  #onInbound(inbound: Inbound<ServerMessage>): void {
    if (this.#state === 'closed') return;
    if (!inbound.ok) {
      this.#reportInvalid(inbound.type, inbound.error);
      return;
    }
    const message = inbound.message;
    switch (message.type) {
      case 'welcome':
        this.#onWelcome(message);
        break;
      case 'error':
        this.#onServerError(message);
        break;
      case 'task': // may arrive with the welcome, before the caller of connect() subscribed
        this.#emitter.emitOrHold('task', message);
        break;
      case 'cancel':
        this.#emitter.emitOrHold('cancel', message);
        break;
      case 'heartbeat':
        this.#emitter.emit('heartbeat', message);
        break;
      case 'secagg-roster':
      case 'secagg-inbox':
      case 'secagg-unmask-request':
        this.#emitter.emit('secagg', message);
        break;
    }
  }

  #reportInvalid(event: string, error: EdgefedError): void {
    this.#emitter.emit('protocol-error', error);
    if (this.#state !== 'ready') return;
    const correlationId = event.slice(0, 256);
    this.#channel?.send({
      type: 'error',
      ...error.toWire(),
      ...(correlationId === '' ? {} : { correlationId }),
    });
  }

  #onWelcome(welcome: WelcomeMessage): void {
    if (this.#state !== 'connecting') {
      this.#reportInvalid(
        'welcome',
        new EdgefedError('INVALID_MESSAGE', 'Unexpected welcome (already greeted)'),
      );
      return;
    }
    try {
      // A coordinator older than MIN_PROTOCOL_VERSION would send tasks this build misreads.
      checkProtocolVersion(welcome.protocolVersion, PROTOCOL_VERSION, MIN_PROTOCOL_VERSION);
    } catch (error) {
      this.#shutdown(toEdgefedError(error));
      return;
    }
    const previousClientId = this.#welcome?.clientId;
    this.#welcome = welcome;
    this.#attempt = 0;
    this.#state = 'ready';
    this.#startHeartbeat(welcome.limits.heartbeatIntervalMs);
    this.#notifyResumeToken(welcome.resumeToken);
    this.#emitter.emit('welcome', welcome);
    if (previousClientId === welcome.clientId) {
      this.#emitter.emit('resumed', { clientId: welcome.clientId });
    } else if (previousClientId !== undefined) {
      this.#emitter.emit('rejoined', { clientId: welcome.clientId, previousClientId });
    }
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.resolve();
  }

  #notifyResumeToken(token: string): void {
    const listener = this.#options.onResumeToken;
    if (listener === undefined) return;
    try {
      listener(token);
    } catch (error) {
      if (this.#options.onListenerError === undefined) console.error(error);
      else this.#options.onListenerError(error);
    }
  }

  #onServerError(message: ErrorMessage): void {
    this.#emitter.emit('error', message);
    if (endsConnection(message.code, this.#state === 'ready')) this.#shutdown(wireError(message));
  }

  #startHeartbeat(intervalMs: number): void {
    this.#stopHeartbeat();
    this.#heartbeat = setInterval(() => {
      if (this.#state === 'ready') this.#channel?.send({ type: 'heartbeat', sentAt: Date.now() });
    }, intervalMs);
  }

  #stopHeartbeat(): void {
    if (this.#heartbeat !== undefined) clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
  }

  #onSocketDown(reason: string): void {
    this.#stopHeartbeat();
    if (this.#state === 'closed' || this.#state === 'waiting') return;
    this.#state = 'waiting';
    if (this.#attempt >= this.#backoff.maxAttempts) {
      this.#emitter.emit('disconnected', { reason, willReconnect: false });
      this.#shutdown(
        new EdgefedError('UNAVAILABLE', `Gave up after ${this.#attempt} reconnect attempts (${reason})`),
      );
      return;
    }
    const attempt = this.#attempt++;
    const delayMs = backoffDelay(attempt, this.#backoff, this.#options.random ?? Math.random);
    this.#emitter.emit('disconnected', { reason, willReconnect: true });
    this.#emitter.emit('reconnecting', { attempt: attempt + 1, delayMs });
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (this.#state !== 'waiting') return;
      this.#state = 'connecting';
      this.#open();
    }, delayMs);
  }

  #shutdown(error: EdgefedError | undefined): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#stopHeartbeat();
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    this.#detachSignal?.();
    this.#dialing?.abort();
    this.#dialing = undefined;
    const channel = this.#channel;
    this.#channel = undefined;
    channel?.close();
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.reject(error ?? new EdgefedError('ABORTED', 'Closed before the coordinator welcomed us'));
    this.#emitter.emit('closed', error === undefined ? {} : { error });
    this.#emitter.clear();
  }
}
