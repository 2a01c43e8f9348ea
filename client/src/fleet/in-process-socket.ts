/**
 * The client end of one in-process connection: a socket.io-client `Socket` lookalike
 * (the parts `connect` uses) whose events travel as frames over its worker's link.
 * socket.io-client semantics kept: `connect` fires when the coordinator accepted the
 * connection, `disconnect` with socket.io's reasons, acks time out through `timeout(ms)`,
 * and pending acks fail at once when the connection drops.
 */
import type { LinkFrame } from './in-process-frames.js';

type Listener = (...args: unknown[]) => void;
type AckCallback = (error: Error | null, response?: unknown) => void;

/** What a socket needs from its link. */
export interface SocketLink {
  /** Registers `socket` under a new connection id and sends `open`; undefined when closed. */
  open(socket: InProcessClientSocket): number | undefined;
  /** Forgets connection `c` (no more frames are routed to it). */
  forget(c: number): void;
  post(frame: LinkFrame): void;
}

/** Client end of an in-process connection; create through `InProcessLink.socket()`. */
export class InProcessClientSocket {
  readonly #link: SocketLink;
  readonly #listeners = new Map<string, Listener[]>();
  readonly #any: Listener[] = [];
  readonly #acks = new Map<number, { cb: AckCallback; timer: ReturnType<typeof setTimeout> }>();
  #conn: number | undefined;
  #nextAck = 0;
  #connected = false;

  constructor(link: SocketLink) {
    this.#link = link;
  }

  /** True between `connect` and `disconnect`. */
  get connected(): boolean {
    return this.#connected;
  }

  /** Adds a listener for `connect`, `connect_error` or `disconnect`. */
  on(event: string, listener: Listener): this {
    const list = this.#listeners.get(event) ?? [];
    list.push(listener);
    this.#listeners.set(event, list);
    return this;
  }

  /** Adds a listener for every inbound event: `(event, message, ack?)`. */
  onAny(listener: Listener): this {
    this.#any.push(listener);
    return this;
  }

  /** Opens a new connection (a closed link reports `connect_error` asynchronously). */
  connect(): this {
    if (this.#conn !== undefined) return this;
    this.#conn = this.#link.open(this);
    if (this.#conn === undefined) {
      queueMicrotask(() => {
        this.#fire('connect_error', new Error('in-process link closed'));
      });
    }
    return this;
  }

  /** Closes the connection (`disconnect` with `io client disconnect` when it was open). */
  disconnect(): this {
    const c = this.#conn;
    if (c === undefined) return this;
    this.#link.post({ k: 'close', c, reason: 'client namespace disconnect' });
    this.#drop('io client disconnect');
    return this;
  }

  /** Sends one event with one message; ignored while not connected (nothing is queued). */
  emit(event: string, message: unknown): this {
    const c = this.#conn;
    if (c !== undefined && this.#connected) this.#link.post({ k: 'ev', c, e: event, p: message });
    return this;
  }

  /** An emitter whose last argument is an ack callback `(error, response)` limited to `ms`. */
  timeout(ms: number): { emit(event: string, message: unknown, cb: AckCallback): void } {
    return {
      emit: (event, message, cb) => {
        const c = this.#conn;
        if (c === undefined || !this.#connected) {
          queueMicrotask(() => {
            cb(new Error('not connected'));
          });
          return;
        }
        const a = this.#nextAck++;
        const timer = setTimeout(() => {
          this.#acks.delete(a);
          cb(new Error('operation has timed out'));
        }, ms);
        this.#acks.set(a, { cb, timer });
        this.#link.post({ k: 'ev', c, e: event, p: message, a });
      },
    };
  }

  /** Routes one frame of this socket's connection (called by the link). */
  receive(frame: LinkFrame): void {
    switch (frame.k) {
      case 'opened':
        this.#connected = true;
        this.#fire('connect');
        return;
      case 'refused':
        this.#conn = undefined;
        this.#fire('connect_error', new Error(frame.reason));
        return;
      case 'ev':
        this.#onEvent(frame);
        return;
      case 'ack': {
        const pending = this.#acks.get(frame.a);
        if (pending === undefined) return;
        this.#acks.delete(frame.a);
        clearTimeout(pending.timer);
        pending.cb(null, frame.r);
        return;
      }
      case 'close':
        this.#drop(frame.reason === 'transport close' ? 'transport close' : 'io server disconnect');
        return;
      case 'open':
        return;
    }
  }

  #onEvent(frame: Extract<LinkFrame, { k: 'ev' }>): void {
    const { c, a } = frame;
    const args: unknown[] = [frame.e, frame.p];
    if (a !== undefined) {
      args.push((response: unknown) => {
        if (this.#conn === c) this.#link.post({ k: 'ack', c, a, r: response });
      });
    }
    for (const l of this.#any) l(...args);
  }

  #drop(reason: string): void {
    const c = this.#conn;
    if (c !== undefined) this.#link.forget(c);
    this.#conn = undefined;
    const was = this.#connected;
    this.#connected = false;
    for (const [a, p] of this.#acks) {
      clearTimeout(p.timer);
      this.#acks.delete(a);
      p.cb(new Error(`disconnected: ${reason}`));
    }
    if (was) this.#fire('disconnect', reason);
    else this.#fire('connect_error', new Error(reason));
  }

  #fire(event: string, ...args: unknown[]): void {
    for (const l of this.#listeners.get(event) ?? []) l(...args);
  }
}
