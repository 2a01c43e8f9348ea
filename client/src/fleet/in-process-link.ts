/**
 * InProcessLink: a fleet worker's end of the in-process transport. Every virtual client of
 * the worker gets a socket from `socket()`; all of them share the worker's one MessagePort
 * to the coordinator's thread, so a fleet holds W ports (not one per client) and no file
 * descriptors. Per connection the link keeps one map entry.
 */
import type { FramePort, LinkFrame } from './in-process-frames.js';
import { InProcessClientSocket, type SocketLink } from './in-process-socket.js';

/** The worker end of one in-process link. */
export class InProcessLink implements SocketLink {
  readonly #port: FramePort;
  readonly #sockets = new Map<number, InProcessClientSocket>();
  readonly #onFrame = (frame: LinkFrame): void => {
    this.#sockets.get(frame.c)?.receive(frame);
  };
  #next = 0;
  #closed = false;

  constructor(port: FramePort) {
    this.#port = port;
    port.on('message', this.#onFrame);
  }

  /** Open connections. */
  get size(): number {
    return this.#sockets.size;
  }

  /** A new, unconnected socket (pass `() => link.socket()` as a participant's socketFactory). */
  socket(): InProcessClientSocket {
    return new InProcessClientSocket(this);
  }

  open(socket: InProcessClientSocket): number | undefined {
    if (this.#closed) return undefined;
    const c = this.#next++;
    this.#sockets.set(c, socket);
    this.#port.postMessage({ k: 'open', c });
    return c;
  }

  forget(c: number): void {
    this.#sockets.delete(c);
  }

  post(frame: LinkFrame): void {
    if (!this.#closed) this.#port.postMessage(frame);
  }

  /**
   * Drops every connection (their sockets see `disconnect` with `transport close`) and
   * closes the port. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    for (const [c, s] of [...this.#sockets]) s.receive({ k: 'close', c, reason: 'transport close' });
    this.#closed = true;
    this.#port.off('message', this.#onFrame);
    this.#port.close();
  }
}
