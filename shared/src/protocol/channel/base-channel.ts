/**
 * BaseChannel: everything a {@link Channel} does that does not depend on the transport —
 * validation both ways, size limits, acknowledgements (ids, timeouts, failure on close),
 * holding messages until the first listener, and the close bookkeeping. An adapter
 * implements `transmit` and `hangUp` and calls `receive` / `receiveInvalid` / `closed`.
 */
import { EdgefedError, fromWireError } from '../../errors.js';
import { ackResponseSchema, type AckResponse } from '../events.js';
import { isAckedMessageType } from '../messages.js';
import { parseMessage } from '../parse-message.js';
import {
  DISCONNECT_REASONS,
  messageBytes,
  type AckReply,
  type AckedOutboundOf,
  type Channel,
  type ChannelOptions,
  type ChannelSide,
  type ChannelUnsubscribe,
  type DisconnectReason,
  type Inbound,
  type InboundOf,
  type OutboundOf,
  type RequestOptions,
} from './channel.js';

/** The default acknowledgement wait of `request`. */
export const DEFAULT_ACK_TIMEOUT_MS = 30_000;

/** A validated outbound message, as handed to the transport. */
export interface WireMessage {
  readonly type: string;
}

interface Pending {
  readonly type: string;
  readonly resolve: () => void;
  readonly reject: (error: EdgefedError) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/** Shared implementation of {@link Channel}; see the file comment. */
export abstract class BaseChannel<Listen, Emit> implements Channel<Listen, Emit> {
  readonly id: string;
  readonly side: ChannelSide;
  readonly #options: ChannelOptions;
  readonly #listeners = new Set<(inbound: Inbound<InboundOf<Listen>>) => void>();
  readonly #closeListeners = new Set<(reason: DisconnectReason) => void>();
  readonly #pending = new Map<number, Pending>();
  #held: Inbound<InboundOf<Listen>>[] | undefined = [];
  #flushScheduled = false;
  #nextAck = 0;
  #closeReason: DisconnectReason | undefined;

  protected constructor(id: string, side: ChannelSide, options: ChannelOptions = {}) {
    this.id = id;
    this.side = side;
    this.#options = options;
  }

  get open(): boolean {
    return this.#closeReason === undefined;
  }

  get closeReason(): DisconnectReason | undefined {
    return this.#closeReason;
  }

  send(message: OutboundOf<Emit>): boolean {
    if (!this.open) return false;
    this.transmit(this.#prepare(message), undefined);
    return true;
  }

  request(message: AckedOutboundOf<Emit>, options: RequestOptions = {}): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (!this.open) {
        reject(new EdgefedError('UNAVAILABLE', `Channel closed (${this.#closeReason ?? ''})`));
        return;
      }
      const wire = this.#prepare(message);
      if (!isAckedMessageType(wire.type)) {
        throw new EdgefedError('INVALID_ARGUMENT', `"${wire.type}" messages are not acknowledged`);
      }
      const ms = options.timeoutMs ?? this.#options.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS;
      const id = this.#nextAck++;
      const timer = setTimeout(() => {
        this.#settle(id, new EdgefedError('TIMEOUT', `No ack for ${wire.type} in ${ms} ms`));
      }, ms);
      this.#pending.set(id, { type: wire.type, resolve, reject, timer });
      this.transmit(wire, (raw) => {
        this.#settle(id, raw);
      });
    });
  }

  onMessage(listener: (inbound: Inbound<InboundOf<Listen>>) => void): ChannelUnsubscribe {
    this.#listeners.add(listener);
    if (this.#held !== undefined && !this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(() => {
        this.#flush();
      });
    }
    return () => {
      this.#listeners.delete(listener);
    };
  }

  onClose(listener: (reason: DisconnectReason) => void): ChannelUnsubscribe {
    const reason = this.#closeReason;
    if (reason !== undefined) {
      listener(reason);
      return () => undefined;
    }
    this.#closeListeners.add(listener);
    return () => {
      this.#closeListeners.delete(listener);
    };
  }

  close(): void {
    if (!this.open) return;
    this.hangUp();
    this.closed(
      this.side === 'coordinator'
        ? DISCONNECT_REASONS.coordinatorClosedHere
        : DISCONNECT_REASONS.participantClosedHere,
    );
  }

  /** Hands a validated message to the transport; `ack` receives the peer's raw answer. */
  protected abstract transmit(message: WireMessage, ack: ((raw: unknown) => void) | undefined): void;

  /** Closes the transport connection from this side (the peer learns it). */
  protected abstract hangUp(): void;

  /** An inbound message: checked against the size limit and its schema, then delivered. */
  protected receive(raw: unknown, answer: ((response: AckResponse) => void) | undefined): void {
    if (!this.open) return;
    const reply = answer === undefined ? undefined : this.#once(answer);
    const max = this.#options.maxReceiveBytes;
    const type = typeOf(raw);
    if (max !== undefined) {
      const bytes = messageBytes(raw);
      if (bytes > max) {
        const error = new EdgefedError('PAYLOAD_TOO_LARGE', `Message of ${bytes} bytes exceeds ${max}`, {
          details: { byteLength: bytes, maxMessageBytes: max },
        });
        this.#deliver({ ok: false, type, error, raw, reply });
        return;
      }
    }
    let message: InboundOf<Listen>;
    try {
      message = parseMessage(this.#inboundDirection(), raw) as InboundOf<Listen>;
    } catch (error) {
      this.#deliver({ ok: false, type, error: asEdgefedError(error), raw, reply });
      return;
    }
    this.#deliver({ ok: true, message, reply });
  }

  /** An inbound message the adapter already refused (e.g. a socket.io event of wrong arity). */
  protected receiveInvalid(
    type: string,
    error: EdgefedError,
    raw: unknown,
    answer: ((response: AckResponse) => void) | undefined,
  ): void {
    if (!this.open) return;
    const reply = answer === undefined ? undefined : this.#once(answer);
    this.#deliver({ ok: false, type: type.slice(0, 64), error, raw, reply });
  }

  /** The connection ended (either side, or the transport); fires the close once. */
  protected closed(reason: DisconnectReason): void {
    if (!this.open) return;
    this.#closeReason = reason;
    for (const [id, p] of [...this.#pending]) {
      this.#pending.delete(id);
      clearTimeout(p.timer);
      p.reject(new EdgefedError('UNAVAILABLE', `Disconnected before ${p.type} was acknowledged (${reason})`));
    }
    this.#listeners.clear();
    this.#held = undefined;
    const listeners = [...this.#closeListeners];
    this.#closeListeners.clear();
    for (const l of listeners) l(reason);
  }

  #inboundDirection(): 'client-to-server' | 'server-to-client' {
    return this.side === 'coordinator' ? 'client-to-server' : 'server-to-client';
  }

  #prepare(message: unknown): WireMessage {
    const direction = this.side === 'coordinator' ? 'server-to-client' : 'client-to-server';
    const wire = parseMessage(direction, message) as WireMessage;
    const max = this.#options.maxSendBytes;
    if (max !== undefined) {
      const bytes = messageBytes(wire);
      if (bytes > max) {
        throw new EdgefedError('PAYLOAD_TOO_LARGE', `Message of ${bytes} bytes exceeds ${max}`, {
          details: { byteLength: bytes, maxMessageBytes: max },
        });
      }
    }
    return wire;
  }

  #settle(id: number, outcome: unknown): void {
    const p = this.#pending.get(id);
    if (p === undefined) return;
    this.#pending.delete(id);
    clearTimeout(p.timer);
    if (outcome instanceof EdgefedError) {
      p.reject(outcome);
      return;
    }
    const ack = ackResponseSchema.safeParse(outcome);
    if (!ack.success) {
      p.reject(
        new EdgefedError('INVALID_MESSAGE', `Invalid ack for ${p.type}`, { details: { invalidAck: true } }),
      );
    } else if (ack.data.ok) {
      p.resolve();
    } else {
      const { code, message, details } = ack.data.error;
      p.reject(fromWireError(details === undefined ? { code, message } : { code, message, details }));
    }
  }

  #once(answer: (response: AckResponse) => void): AckReply {
    let done = false;
    return (response) => {
      if (done || !this.open) return;
      done = true;
      answer(response);
    };
  }

  #deliver(inbound: Inbound<InboundOf<Listen>>): void {
    if (this.#held !== undefined) {
      this.#held.push(inbound);
      return;
    }
    for (const l of this.#listeners) l(inbound);
  }

  #flush(): void {
    const held = this.#held ?? [];
    while (held.length > 0 && this.open) {
      const next = held.shift();
      if (next !== undefined) for (const l of this.#listeners) l(next);
    }
    if (this.open) this.#held = undefined;
  }
}

function typeOf(raw: unknown): string {
  const type: unknown =
    typeof raw === 'object' && raw !== null ? (raw as { type?: unknown }).type : undefined;
  return typeof type === 'string' ? type.slice(0, 64) : '';
}

function asEdgefedError(error: unknown): EdgefedError {
  return error instanceof EdgefedError ? error : new EdgefedError('INVALID_MESSAGE', String(error));
}
