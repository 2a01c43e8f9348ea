/**
 * The coordinator end of one in-process connection: an object with the part of socket.io's
 * server `Socket` that the control plane's `SocketSession` uses (`id`, `connected`,
 * `onAny`, `on('error' | 'disconnect')`, `emit`, `disconnect`). Messages reach the session
 * exactly as socket.io would hand them over, so they go through the same checks (arity,
 * `hello` first, schemas, limits, rate limit) and rejections are answered the same way.
 */

type AnyListener = (event: string, ...args: unknown[]) => void;
type Listener = (value: unknown) => void;

/** Where a socket's outbound traffic goes (the transport that created it). */
export interface InProcessSocketSink {
  /** Delivers one event to the client. */
  send(event: string, message: unknown): void;
  /** Tells the client the coordinator closed the connection. */
  close(reason: string): void;
}

/** Coordinator end of an in-process connection. */
export class InProcessServerSocket {
  readonly id: string;
  readonly #sink: InProcessSocketSink;
  readonly #any: AnyListener[] = [];
  readonly #listeners = new Map<string, Listener[]>();
  #connected = true;

  constructor(id: string, sink: InProcessSocketSink) {
    this.id = id;
    this.#sink = sink;
  }

  /** True until either side closed the connection. */
  get connected(): boolean {
    return this.#connected;
  }

  onAny(listener: AnyListener): this {
    this.#any.push(listener);
    return this;
  }

  /** Listens for `disconnect` (reason) or `error`. */
  on(event: string, listener: Listener): this {
    const list = this.#listeners.get(event) ?? [];
    list.push(listener);
    this.#listeners.set(event, list);
    return this;
  }

  /** Sends one event to the client; dropped once disconnected (as socket.io does). */
  emit(event: string, message: unknown): boolean {
    if (!this.#connected) return false;
    this.#sink.send(event, message);
    return true;
  }

  /** Closes from the coordinator's side (socket.io reason `server namespace disconnect`). */
  disconnect(_close?: boolean): this {
    if (!this.#connected) return this;
    this.#sink.close('io server disconnect');
    this.closed('server namespace disconnect');
    return this;
  }

  /** An inbound event from the client: `ack` present when the client asked for one. */
  deliver(event: string, message: unknown, ack?: (response: unknown) => void): void {
    if (!this.#connected) return;
    const args: unknown[] = ack === undefined ? [message] : [message, ack];
    for (const l of this.#any) l(event, ...args);
  }

  /** The connection ended (client closed, link closed, or `disconnect`); fires once. */
  closed(reason: string): void {
    if (!this.#connected) return;
    this.#connected = false;
    for (const l of this.#listeners.get('disconnect') ?? []) l(reason);
    this.#listeners.clear();
    this.#any.length = 0;
  }
}
