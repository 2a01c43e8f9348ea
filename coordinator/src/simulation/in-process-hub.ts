/**
 * The coordinator end of the in-process transport: accepts the MessagePort of each fleet
 * worker, demultiplexes its connections, and hands every new connection, as an
 * `InProcessServerSocket`, to the `connection` listeners of the coordinator's socket.io
 * main namespace — that is, to the control plane, which then runs the same session logic
 * (`SocketSession`: hello, authentication, schemas, limits) as for a socket.io client.
 * No socket, HTTP request or file descriptor per client: 10,000 virtual clients cost W
 * ports and small per-connection state.
 */
import type { FramePort, LinkFrame } from '@edgefed/client/node';
import { EdgefedError } from '@edgefed/shared';
import { InProcessServerSocket } from '../transport/in-process-socket.js';

/** The part of socket.io's `Server` the hub uses (the coordinator's `io`). */
export interface HubServer {
  readonly sockets: { listeners(event: 'connection'): ((...args: never[]) => unknown)[] };
}

/** Options of {@link createInProcessHub}. */
export interface InProcessHubOptions {
  readonly io: HubServer;
  /**
   * Largest binary field (`upload-chunk` data) accepted in one message; above it the
   * connection is closed like socket.io closes one over `maxHttpBufferSize`.
   */
  readonly maxMessageBytes: number;
}

/** A running hub. */
export interface InProcessHub {
  /** Serves the connections of one fleet worker's port. Throws `FAILED_PRECONDITION` after close. */
  readonly attach: (port: FramePort) => void;
  /** Open connections over all ports. */
  readonly connections: number;
  /** Closes every connection (clients see `transport close`) and every port. Idempotent. */
  close(): void;
}

class PortEnd {
  readonly #sockets = new Map<number, InProcessServerSocket>();
  readonly #port: FramePort;
  readonly #index: number;
  readonly #o: InProcessHubOptions;
  readonly #onFrame = (f: LinkFrame): void => {
    this.#frame(f);
  };

  constructor(port: FramePort, index: number, o: InProcessHubOptions) {
    this.#port = port;
    this.#index = index;
    this.#o = o;
    port.on('message', this.#onFrame);
  }

  get size(): number {
    return this.#sockets.size;
  }

  close(): void {
    for (const [c, s] of [...this.#sockets]) {
      this.#port.postMessage({ k: 'close', c, reason: 'transport close' });
      s.closed('transport close');
    }
    this.#sockets.clear();
    this.#port.off('message', this.#onFrame);
    this.#port.close();
  }

  #frame(f: LinkFrame): void {
    if (f.k === 'open') {
      this.#open(f.c);
      return;
    }
    const s = this.#sockets.get(f.c);
    if (s === undefined) return; // a late frame of a closed connection
    if (f.k === 'close') {
      this.#sockets.delete(f.c);
      s.closed(f.reason);
    } else if (f.k === 'ev') {
      this.#event(s, f);
    }
  }

  #event(s: InProcessServerSocket, f: Extract<LinkFrame, { k: 'ev' }>): void {
    const data = (f.p as { data?: unknown } | null)?.data;
    if (data instanceof Uint8Array && data.byteLength > this.#o.maxMessageBytes) {
      this.#sockets.delete(f.c);
      this.#port.postMessage({ k: 'close', c: f.c, reason: 'transport close' });
      s.closed('transport error');
      return;
    }
    const { c, a } = f;
    const ack =
      a === undefined
        ? undefined
        : (r: unknown): void => {
            if (this.#sockets.get(c) === s) this.#port.postMessage({ k: 'ack', c, a, r });
          };
    s.deliver(f.e, f.p, ack);
  }

  #open(c: number): void {
    const listeners = this.#o.io.sockets.listeners('connection');
    if (listeners.length === 0 || this.#sockets.has(c)) {
      this.#port.postMessage({ k: 'refused', c, reason: 'nothing serves connections' });
      return;
    }
    const socket = new InProcessServerSocket(`ip-${this.#index}-${c}`, {
      send: (e, p) => {
        this.#port.postMessage({ k: 'ev', c, e, p });
      },
      close: (reason) => {
        if (this.#sockets.delete(c)) this.#port.postMessage({ k: 'close', c, reason });
      },
    });
    this.#sockets.set(c, socket);
    for (const l of listeners) (l as (s: InProcessServerSocket) => void)(socket);
    this.#port.postMessage({ k: 'opened', c });
  }
}

/**
 * Creates a hub over the coordinator's socket.io server (`coordinator.io`). Throws
 * `INVALID_ARGUMENT` for a non-positive `maxMessageBytes`. A connection opened while no
 * control plane listens is refused (the client sees `connect_error`).
 */
export function createInProcessHub(options: InProcessHubOptions): InProcessHub {
  if (!Number.isSafeInteger(options.maxMessageBytes) || options.maxMessageBytes <= 0)
    throw new EdgefedError('INVALID_ARGUMENT', 'maxMessageBytes must be a positive integer');
  const ends: PortEnd[] = [];
  let closed = false;
  return {
    attach(port) {
      if (closed) throw new EdgefedError('FAILED_PRECONDITION', 'The in-process hub is closed');
      ends.push(new PortEnd(port, ends.length, options));
    },
    get connections() {
      return ends.reduce((a, e) => a + e.size, 0);
    },
    close() {
      if (closed) return;
      closed = true;
      for (const e of ends) e.close();
    },
  };
}
