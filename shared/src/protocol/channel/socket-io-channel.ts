/**
 * The socket.io adapter of {@link Channel}, for both ends: the coordinator's server-side
 * `Socket` (socket.io) and the participant's client-side `Socket` (socket.io-client), typed
 * structurally so that shared never imports socket.io.
 *
 * socket.io's mapping of the protocol (events.ts): one event per message type, the single
 * argument the whole message, an acknowledgement callback as the last argument. An event
 * with the wrong arity, or whose message `type` differs from the event name, or of a type
 * this direction does not send, is delivered as invalid with `INVALID_MESSAGE` /
 * `UNKNOWN_MESSAGE_TYPE`, exactly as a schema failure is. socket.io's own limit
 * (`maxHttpBufferSize`) closes the connection before a message reaches the channel.
 */
import { EdgefedError } from '../../errors.js';
import type { AckResponse, ClientToServerEvents, ServerToClientEvents } from '../events.js';
import { isClientMessageType, isServerMessageType } from '../messages.js';
import { BaseChannel, type WireMessage } from './base-channel.js';
import type { ChannelOptions, ChannelSide, CoordinatorChannel, ParticipantChannel } from './channel.js';

/**
 * The parts of a socket.io socket (server `Socket` or socket.io-client `Socket`) the adapter
 * uses. Pass a socket that is connected.
 */
export interface SocketIoSocketLike {
  readonly id?: string | undefined;
  readonly connected: boolean;
  onAny(listener: (event: string, ...args: unknown[]) => void): unknown;
  on(event: 'disconnect', listener: (reason: string) => void): unknown;
  emit(event: string, ...args: unknown[]): unknown;
  disconnect(close?: boolean): unknown;
}

/** Options of the socket.io adapter. */
export interface SocketIoChannelOptions extends ChannelOptions {
  /** Sees errors socket.io reports on the socket (it re-emits them as `error` events). */
  readonly onTransportError?: (error: Error) => void;
}

class SocketIoChannel<Listen, Emit> extends BaseChannel<Listen, Emit> {
  readonly #socket: SocketIoSocketLike;

  constructor(socket: SocketIoSocketLike, side: ChannelSide, options: SocketIoChannelOptions) {
    super(socket.id ?? '', side, options);
    this.#socket = socket;
    socket.onAny((event: unknown, ...args: unknown[]) => {
      this.#onEvent(typeof event === 'string' ? event : String(event), args);
    });
    // Without an `error` listener Node's EventEmitter would throw on socket.io's error events;
    // inbound events named "error" arrive through onAny like every other message.
    (socket.on as (event: string, l: (value: unknown) => void) => unknown)('error', (value) => {
      if (value instanceof Error) options.onTransportError?.(value);
    });
    socket.on('disconnect', (reason) => {
      this.closed(reason);
    });
    if (!socket.connected) queueMicrotask(() => this.closed('transport close'));
  }

  protected override transmit(message: WireMessage, ack: ((raw: unknown) => void) | undefined): void {
    if (ack === undefined) this.#socket.emit(message.type, message);
    else this.#socket.emit(message.type, message, ack);
  }

  protected override hangUp(): void {
    this.#socket.disconnect(true);
  }

  #onEvent(event: string, args: unknown[]): void {
    const last = args.at(-1);
    const callback = typeof last === 'function' ? (last as (response: AckResponse) => void) : undefined;
    const payloads = callback === undefined ? args : args.slice(0, -1);
    const known = this.side === 'coordinator' ? isClientMessageType(event) : isServerMessageType(event);
    const shown = event.slice(0, 64);
    if (!known) {
      const error = new EdgefedError('UNKNOWN_MESSAGE_TYPE', `Unknown event "${shown}"`, {
        details: { type: shown },
      });
      this.receiveInvalid(event, error, payloads[0], callback);
      return;
    }
    const arity = checkArity(shown, payloads);
    if (arity !== undefined) {
      this.receiveInvalid(event, arity, payloads[0], callback);
      return;
    }
    this.receive(payloads[0], callback);
  }
}

/**
 * The payload of an event must be exactly one argument (plus an optional ack) whose `type`
 * equals the event name. Returns the INVALID_MESSAGE error otherwise.
 */
function checkArity(shown: string, payloads: unknown[]): EdgefedError | undefined {
  if (payloads.length !== 1) {
    return new EdgefedError('INVALID_MESSAGE', `Event "${shown}" needs exactly one message argument`, {
      details: {
        type: shown,
        issues: [{ path: '', code: 'arity', message: `got ${payloads.length} arguments` }],
      },
    });
  }
  const payload = payloads[0];
  const type: unknown =
    typeof payload === 'object' && payload !== null ? (payload as { type?: unknown }).type : shown;
  if (type !== undefined && type !== shown) {
    return new EdgefedError('INVALID_MESSAGE', `Message type does not match event "${shown}"`, {
      details: {
        type: shown,
        issues: [{ path: 'type', code: 'mismatch', message: 'type must equal the event name' }],
      },
    });
  }
  return undefined;
}

/** The coordinator's channel over a connected server-side socket.io `Socket`. */
export function socketIoCoordinatorChannel(
  socket: SocketIoSocketLike,
  options: SocketIoChannelOptions = {},
): CoordinatorChannel {
  return new SocketIoChannel<ClientToServerEvents, ServerToClientEvents>(socket, 'coordinator', options);
}

/** The participant's channel over a connected socket.io-client `Socket`. */
export function socketIoParticipantChannel(
  socket: SocketIoSocketLike,
  options: SocketIoChannelOptions = {},
): ParticipantChannel {
  return new SocketIoChannel<ServerToClientEvents, ClientToServerEvents>(socket, 'participant', options);
}
