/**
 * The MessagePort adapter of {@link Channel}: protocol messages as structured-cloned frames
 * over a MessagePort (node:worker_threads, or a browser's MessageChannel / worker port).
 *
 * Two forms:
 * - {@link createPortChannel}: one channel over one port (a browser worker, a test);
 * - {@link createPortListener} / {@link createPortDialer}: many channels multiplexed over
 *   one port, each opened by the participant's side (`dial`) and accepted by the
 *   coordinator's (`onChannel`). A simulation's fleet worker holds one port for all its
 *   virtual clients: W ports for W workers, not one per client.
 *
 * Frames carry the validated message itself, so binary fields arrive as Uint8Array copies.
 */
import { EdgefedError } from '../../errors.js';
import type { AckResponse, ClientToServerEvents, ServerToClientEvents } from '../events.js';
import { BaseChannel, type WireMessage } from './base-channel.js';
import {
  DISCONNECT_REASONS,
  type ChannelOptions,
  type ChannelSide,
  type CoordinatorChannel,
  type ParticipantChannel,
} from './channel.js';

/** One frame. `c` names the connection on a multiplexed port (absent on a single one). */
export type PortFrame =
  /** A message; `a` asks for an acknowledgement under that id. */
  | { readonly k: 'm'; readonly c?: number; readonly m: unknown; readonly a?: number }
  /** The answer to message acknowledgement `a`. */
  | { readonly k: 'r'; readonly c?: number; readonly a: number; readonly r: unknown }
  /** The sender closed connection `c` (`reason` as the receiver should report it). */
  | { readonly k: 'x'; readonly c?: number; readonly reason: string }
  /** Participant -> coordinator: open connection `c`. */
  | { readonly k: 'open'; readonly c: number }
  /** Coordinator -> participant: connection `c` is accepted. */
  | { readonly k: 'opened'; readonly c: number }
  /** Coordinator -> participant: connection `c` is refused. */
  | { readonly k: 'refused'; readonly c: number; readonly reason: string }
  /** Coordinator -> participant: the listener closed; no more connections. */
  | { readonly k: 'bye' };

/** The part of a MessagePort the adapter uses (Node's worker_threads and browsers' fit). */
export interface MessagePortLike {
  postMessage(value: unknown): void;
  /** Adds a `message` listener; events carry the frame as `data` (a MessageEvent). */
  addEventListener(type: 'message', listener: (event: object) => void): void;
  removeEventListener(type: 'message', listener: (event: object) => void): void;
  /** Starts delivery (browsers need it after addEventListener; harmless in Node). */
  start?(): void;
  close(): void;
}

/** Where a port channel's frames go (a whole port, or one connection of a multiplexed one). */
interface FrameSink {
  post(frame: PortFrame): void;
  /** The channel closed from this side; `remoteReason` is what the peer should report. */
  hangUp(remoteReason: string): void;
}

const isFrame = (v: unknown): v is PortFrame =>
  typeof v === 'object' && v !== null && typeof (v as { k?: unknown }).k === 'string';

class PortChannel<Listen, Emit> extends BaseChannel<Listen, Emit> {
  readonly #sink: FrameSink;
  /** Pending acknowledgements of this side's requests, by frame ack id. */
  readonly #acks = new Map<number, (raw: unknown) => void>();
  #nextAck = 0;

  constructor(id: string, side: ChannelSide, sink: FrameSink, options: ChannelOptions) {
    super(id, side, options);
    this.#sink = sink;
  }

  /** Routes one frame addressed to this channel. */
  frame(f: PortFrame): void {
    switch (f.k) {
      case 'm': {
        const { a } = f;
        const answer =
          a === undefined
            ? undefined
            : (r: AckResponse): void => {
                this.#sink.post({ k: 'r', a, r });
              };
        this.receive(f.m, answer);
        return;
      }
      case 'x':
        this.closed(f.reason);
        return;
      default:
        return;
    }
  }

  /** Routes an acknowledgement to its pending request. */
  ack(f: Extract<PortFrame, { k: 'r' }>): void {
    const settle = this.#acks.get(f.a);
    if (settle === undefined) return;
    this.#acks.delete(f.a);
    settle(f.r);
  }

  transportClosed(): void {
    this.closed(DISCONNECT_REASONS.transportClosed);
  }

  protected override transmit(message: WireMessage, ack: ((raw: unknown) => void) | undefined): void {
    if (ack === undefined) {
      this.#sink.post({ k: 'm', m: message });
      return;
    }
    const a = this.#nextAck++;
    this.#acks.set(a, ack);
    this.#sink.post({ k: 'm', m: message, a });
  }

  protected override hangUp(): void {
    this.#acks.clear();
    this.#sink.hangUp(
      this.side === 'coordinator'
        ? DISCONNECT_REASONS.coordinatorClosedThere
        : DISCONNECT_REASONS.participantClosedThere,
    );
  }

  protected override closed(reason: string): void {
    this.#acks.clear();
    super.closed(reason);
  }
}

type Handler = (event: object) => void;

function listen(port: MessagePortLike, onFrame: (f: PortFrame) => void): () => void {
  const handler: Handler = (event) => {
    const data = (event as { readonly data?: unknown }).data;
    if (isFrame(data)) onFrame(data);
  };
  port.addEventListener('message', handler);
  port.start?.();
  return () => {
    port.removeEventListener('message', handler);
  };
}

let portCounter = 0;

/** Options of the port adapters. */
export interface PortChannelOptions extends ChannelOptions {
  /** Prefix of channel ids (default `port-N-`). */
  readonly idPrefix?: string;
}

/**
 * One channel over a whole port; `side` says which end this is. Closing the channel closes
 * the port; the peer sees its reason (see `DISCONNECT_REASONS`).
 */
export function createPortChannel(
  port: MessagePortLike,
  side: 'coordinator',
  options?: PortChannelOptions,
): CoordinatorChannel;
export function createPortChannel(
  port: MessagePortLike,
  side: 'participant',
  options?: PortChannelOptions,
): ParticipantChannel;
export function createPortChannel(
  port: MessagePortLike,
  side: ChannelSide,
  options: PortChannelOptions = {},
): CoordinatorChannel | ParticipantChannel {
  let detach = (): void => undefined;
  const sink: FrameSink = {
    post: (frame) => {
      port.postMessage(frame);
    },
    hangUp: (reason) => {
      port.postMessage({ k: 'x', reason });
      detach();
      port.close();
    },
  };
  const id = `${options.idPrefix ?? `port-${portCounter++}-`}0`;
  const channel =
    side === 'coordinator'
      ? new PortChannel<ClientToServerEvents, ServerToClientEvents>(id, side, sink, options)
      : new PortChannel<ServerToClientEvents, ClientToServerEvents>(id, side, sink, options);
  detach = listen(port, (f) => {
    if (f.k === 'r') channel.ack(f);
    else channel.frame(f);
    if (f.k === 'x') {
      detach();
      port.close();
    }
  });
  return channel;
}

/** The coordinator's end of a multiplexed port. */
export interface PortListener {
  /** Open channels. */
  readonly size: number;
  /** Closes every channel (participants see `transport close`), refuses new ones, closes the port. */
  close(): void;
}

/**
 * Accepts the channels participants open on `port` (see {@link createPortDialer}); each is
 * handed to `onChannel` at once, before any of its messages.
 */
export function createPortListener(
  port: MessagePortLike,
  onChannel: (channel: CoordinatorChannel) => void,
  options: PortChannelOptions = {},
): PortListener {
  const prefix = options.idPrefix ?? `port-${portCounter++}-`;
  const channels = new Map<number, PortChannel<ClientToServerEvents, ServerToClientEvents>>();
  let closed = false;
  const open = (c: number): void => {
    if (closed || channels.has(c)) {
      port.postMessage({ k: 'refused', c, reason: closed ? 'listener closed' : 'connection id in use' });
      return;
    }
    const channel = new PortChannel<ClientToServerEvents, ServerToClientEvents>(
      `${prefix}${c}`,
      'coordinator',
      {
        post: (frame) => {
          port.postMessage({ ...frame, c });
        },
        hangUp: (reason) => {
          if (channels.delete(c)) port.postMessage({ k: 'x', c, reason });
        },
      },
      options,
    );
    channels.set(c, channel);
    channel.onClose(() => channels.delete(c));
    port.postMessage({ k: 'opened', c });
    onChannel(channel);
  };
  const detach = listen(port, (f) => {
    if (f.k === 'open') {
      open(f.c);
      return;
    }
    const channel = f.k === 'bye' || f.c === undefined ? undefined : channels.get(f.c);
    if (channel === undefined) return; // a late frame of a closed connection
    if (f.k === 'r') channel.ack(f);
    else channel.frame(f);
  });
  return {
    get size() {
      return channels.size;
    },
    close() {
      if (closed) return;
      closed = true;
      for (const [c, channel] of [...channels]) {
        port.postMessage({ k: 'x', c, reason: DISCONNECT_REASONS.transportClosed });
        channel.transportClosed();
      }
      channels.clear();
      port.postMessage({ k: 'bye' });
      detach();
      port.close();
    },
  };
}

/** The participant's end of a multiplexed port. */
export interface PortDialer {
  /** Open channels. */
  readonly size: number;
  /**
   * Opens a new channel. Rejects with `UNAVAILABLE` when the listener refused it or is
   * closed, `TIMEOUT` when it did not answer within `timeoutMs` (default 30,000).
   */
  dial(timeoutMs?: number): Promise<ParticipantChannel>;
  /** Closes every channel (the coordinator sees `transport close`) and the port. Idempotent. */
  close(): void;
}

interface Dialing {
  readonly resolve: (channel: ParticipantChannel) => void;
  readonly reject: (error: EdgefedError) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/** Opens channels over `port` to a {@link createPortListener} on the other end. */
export function createPortDialer(port: MessagePortLike, options: PortChannelOptions = {}): PortDialer {
  const prefix = options.idPrefix ?? `port-${portCounter++}-`;
  const channels = new Map<number, PortChannel<ServerToClientEvents, ClientToServerEvents>>();
  const dialing = new Map<number, Dialing>();
  let next = 0;
  let closed = false;
  let gone = false;
  const fail = (c: number, error: EdgefedError): void => {
    const d = dialing.get(c);
    if (d === undefined) return;
    dialing.delete(c);
    clearTimeout(d.timer);
    d.reject(error);
  };
  const accept = (c: number): void => {
    const d = dialing.get(c);
    if (d === undefined) {
      port.postMessage({ k: 'x', c, reason: DISCONNECT_REASONS.participantClosedThere });
      return;
    }
    dialing.delete(c);
    clearTimeout(d.timer);
    const channel = new PortChannel<ServerToClientEvents, ClientToServerEvents>(
      `${prefix}${c}`,
      'participant',
      {
        post: (frame) => {
          port.postMessage({ ...frame, c });
        },
        hangUp: (reason) => {
          if (channels.delete(c)) port.postMessage({ k: 'x', c, reason });
        },
      },
      options,
    );
    channels.set(c, channel);
    channel.onClose(() => channels.delete(c));
    d.resolve(channel);
  };
  const detach = listen(port, (f) => {
    switch (f.k) {
      case 'opened':
        accept(f.c);
        return;
      case 'refused':
        fail(f.c, new EdgefedError('UNAVAILABLE', `Connection refused: ${f.reason}`));
        return;
      case 'bye':
        gone = true;
        for (const c of [...dialing.keys()]) fail(c, new EdgefedError('UNAVAILABLE', 'Listener closed'));
        return;
      case 'open':
        return;
      default: {
        const channel = f.c === undefined ? undefined : channels.get(f.c);
        if (channel === undefined) return;
        if (f.k === 'r') channel.ack(f);
        else channel.frame(f);
      }
    }
  });
  return {
    get size() {
      return channels.size;
    },
    dial(timeoutMs = 30_000) {
      if (closed || gone) return Promise.reject(new EdgefedError('UNAVAILABLE', 'Port closed'));
      const c = next++;
      return new Promise<ParticipantChannel>((resolve, reject) => {
        const timer = setTimeout(() => {
          fail(c, new EdgefedError('TIMEOUT', `No answer to connection ${c} in ${timeoutMs} ms`));
        }, timeoutMs);
        dialing.set(c, { resolve, reject, timer });
        port.postMessage({ k: 'open', c });
      });
    },
    close() {
      if (closed) return;
      closed = true;
      for (const c of [...dialing.keys()]) fail(c, new EdgefedError('UNAVAILABLE', 'Port closed'));
      for (const [c, channel] of [...channels]) {
        port.postMessage({ k: 'x', c, reason: DISCONNECT_REASONS.transportClosed });
        channel.transportClosed();
      }
      channels.clear();
      detach();
      port.close();
    },
  };
}
