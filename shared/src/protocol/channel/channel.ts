/**
 * Channel: one validated, typed, message-level connection between a participant and the
 * coordinator, whatever carries it (socket.io, a MessagePort). Protocol code — the
 * coordinator's session and task gateway, the participant's `connect` — depends on this
 * interface only; adapters (socket-io-channel.ts, port-channel.ts) map it onto a transport
 * and all pass one conformance suite (channel-conformance.ts).
 *
 * A channel is typed by the event maps of events.ts: `Channel<Listen, Emit>` receives the
 * messages of `Listen` and sends those of `Emit`, like socket.io's `Socket<Listen, Emit>`.
 * Both directions are validated by the protocol's schemas: outbound before anything is sent
 * (a bug in the sender throws, nothing reaches the wire), inbound on arrival (an invalid
 * message is delivered as an {@link InvalidInbound} with its error code, never dropped).
 */
import type { EdgefedError } from '../../errors.js';
import type { AckCallback, AckResponse, ClientToServerEvents, ServerToClientEvents } from '../events.js';
import type { ClientMessage, ServerMessage } from '../messages.js';

/** Unsubscribes a listener; idempotent. */
export type ChannelUnsubscribe = () => void;

/** The message a sender writes for any event of the event map `Emit`. */
export type OutboundOf<Emit> = {
  [K in keyof Emit]: Emit[K] extends (...args: infer A) => void
    ? A extends [infer M, ...unknown[]]
      ? M
      : never
    : never;
}[keyof Emit];

/** The messages of `Emit` that carry an acknowledgement (a second, {@link AckCallback} argument). */
export type AckedOutboundOf<Emit> = {
  [K in keyof Emit]: Emit[K] extends (...args: infer A) => void
    ? A extends [infer M, AckCallback]
      ? M
      : never
    : never;
}[keyof Emit];

/** The parsed message type received on a channel that listens to `Listen`. */
export type InboundOf<Listen> = Listen extends ClientToServerEvents ? ClientMessage : ServerMessage;

/** Answers an acknowledged message; calls after the first, or after close, do nothing. */
export type AckReply = (response: AckResponse) => void;

/** A valid inbound message. `reply` is present when the sender asked for an acknowledgement. */
export interface ValidInbound<M> {
  readonly ok: true;
  readonly message: M;
  readonly reply: AckReply | undefined;
}

/**
 * An inbound message that failed validation: `error` is `INVALID_MESSAGE`,
 * `UNKNOWN_MESSAGE_TYPE` or `PAYLOAD_TOO_LARGE`; `type` is the event name or `type` field
 * as received (truncated to 64 characters); `raw` the untrusted value (for diagnostics such
 * as reading `protocolVersion` of a `hello` from another major version). Answer it through
 * `reply` when present, so the sender's acknowledgement does not time out.
 */
export interface InvalidInbound {
  readonly ok: false;
  readonly type: string;
  readonly error: EdgefedError;
  readonly raw: unknown;
  readonly reply: AckReply | undefined;
}

/** What a channel delivers to its message listeners. */
export type Inbound<M> = ValidInbound<M> | InvalidInbound;

/** Options of {@link Channel.request}. */
export interface RequestOptions {
  /** How long to wait for the acknowledgement (default: the channel's `ackTimeoutMs`). */
  readonly timeoutMs?: number;
}

/**
 * Why a channel closed. Adapters use socket.io's vocabulary so logs read the same over any
 * transport: the coordinator closing gives `server namespace disconnect` on its side and
 * `io server disconnect` on the participant's; the participant closing gives
 * `io client disconnect` and `client namespace disconnect`; a transport that went away
 * gives `transport close` (socket.io adds `ping timeout`, `transport error`, ...).
 */
export type DisconnectReason = string;

/** The four reasons every adapter reports (see {@link DisconnectReason}). */
export const DISCONNECT_REASONS = {
  coordinatorClosedHere: 'server namespace disconnect',
  coordinatorClosedThere: 'io server disconnect',
  participantClosedHere: 'io client disconnect',
  participantClosedThere: 'client namespace disconnect',
  transportClosed: 'transport close',
} as const;

/** A connection that receives the messages of `Listen` and sends those of `Emit`. */
export interface Channel<Listen, Emit> {
  /** Identifies the connection (socket.io's socket id, or the port connection's id). */
  readonly id: string;
  /** True until either side closed the channel or its transport went away. */
  readonly open: boolean;
  /** Why the channel closed; undefined while open. */
  readonly closeReason: DisconnectReason | undefined;
  /**
   * Validates and sends one message without acknowledgement. Returns false (nothing sent)
   * when the channel is closed.
   *
   * @throws EdgefedError `INVALID_MESSAGE` / `UNKNOWN_MESSAGE_TYPE` for a message its schema
   *   refuses, `PAYLOAD_TOO_LARGE` above the channel's `maxSendBytes`.
   */
  send(message: OutboundOf<Emit>): boolean;
  /**
   * Validates and sends an acknowledged message; resolves when the peer answered
   * `{ ok: true }`. Rejects with the peer's error code for `{ ok: false }`, `TIMEOUT`
   * without an answer in time, `UNAVAILABLE` when the channel is closed or closes before
   * the answer, `INVALID_MESSAGE` (`details.invalidAck: true`) for a malformed answer, and
   * the validation codes of {@link send}.
   */
  request(message: AckedOutboundOf<Emit>, options?: RequestOptions): Promise<void>;
  /**
   * Subscribes to inbound messages, in arrival order. Messages that arrive before the first
   * subscriber are held and delivered to it (in a microtask), so none is lost between
   * opening a channel and listening to it. Listeners must not throw.
   */
  onMessage(listener: (inbound: Inbound<InboundOf<Listen>>) => void): ChannelUnsubscribe;
  /** Subscribes to the close (called once, with the reason); at once if already closed. */
  onClose(listener: (reason: DisconnectReason) => void): ChannelUnsubscribe;
  /** Closes the channel and its connection; idempotent. Pending requests reject `UNAVAILABLE`. */
  close(): void;
}

/** The coordinator's end: receives participant messages, sends coordinator messages. */
export type CoordinatorChannel = Channel<ClientToServerEvents, ServerToClientEvents>;
/** The participant's end: receives coordinator messages, sends participant messages. */
export type ParticipantChannel = Channel<ServerToClientEvents, ClientToServerEvents>;

/** Which end of the protocol a channel serves. */
export type ChannelSide = 'coordinator' | 'participant';

/** Size limits of a channel, in bytes as measured by `messageBytes`. */
export interface ChannelLimits {
  /** Messages above it are refused by `send`/`request` with `PAYLOAD_TOO_LARGE`. */
  readonly maxSendBytes?: number;
  /** Messages above it are delivered as invalid, with `PAYLOAD_TOO_LARGE`. */
  readonly maxReceiveBytes?: number;
}

/** Options every adapter takes. */
export interface ChannelOptions extends ChannelLimits {
  /** Default acknowledgement wait of `request` (default 30,000 ms). */
  readonly ackTimeoutMs?: number;
}

/**
 * The size of a message as channels limit it: bytes of binary fields, characters of
 * strings, 8 per number or boolean, plus key lengths, over nested objects and arrays (to
 * depth 8). Close to, and never far above, what a transport's encoding takes.
 */
export function messageBytes(value: unknown, depth = 0): number {
  if (typeof value === 'string') return value.length;
  if (typeof value === 'number' || typeof value === 'boolean') return 8;
  if (typeof value !== 'object' || value === null || depth > 8) return 0;
  if (ArrayBuffer.isView(value)) return value.byteLength;
  if (value instanceof ArrayBuffer) return value.byteLength;
  let total = 0;
  for (const [key, v] of Object.entries(value)) total += key.length + messageBytes(v, depth + 1);
  return total;
}
