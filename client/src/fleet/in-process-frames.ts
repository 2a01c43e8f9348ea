/**
 * Frames of the in-process transport: the socket.io-shaped events of many virtual clients
 * multiplexed over one MessagePort between a fleet worker and the coordinator's thread
 * (structured-cloned). `c` names a connection (a new one per `connect()`), `a` an ack.
 * Messages inside `ev` frames are the protocol's own messages, validated by the same
 * schemas on arrival as over socket.io.
 */

/** One frame, either direction unless noted. */
export type LinkFrame =
  /** Client -> coordinator: open connection `c`. */
  | { readonly k: 'open'; readonly c: number }
  /** Coordinator -> client: connection `c` is served (socket.io's `connect`). */
  | { readonly k: 'opened'; readonly c: number }
  /** Coordinator -> client: connection `c` was not accepted (socket.io's `connect_error`). */
  | { readonly k: 'refused'; readonly c: number; readonly reason: string }
  /** An event with one message; `a` asks for an ack. */
  | { readonly k: 'ev'; readonly c: number; readonly e: string; readonly p: unknown; readonly a?: number }
  /** The ack of an `ev` that asked for one. */
  | { readonly k: 'ack'; readonly c: number; readonly a: number; readonly r: unknown }
  /** Connection `c` closed by the side that sends this. */
  | { readonly k: 'close'; readonly c: number; readonly reason: string };

/** The part of a MessagePort a link end uses (node:worker_threads' MessagePort fits). */
export interface FramePort {
  postMessage(frame: LinkFrame): void;
  on(event: 'message', listener: (frame: LinkFrame) => void): unknown;
  off(event: 'message', listener: (frame: LinkFrame) => void): unknown;
  close(): void;
}
