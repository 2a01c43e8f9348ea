/**
 * TypedEmitter: edgefed's one in-process event emitter, typed by an event map
 * (`{ name: payload }`, like socket.io's typed event maps). `on` returns its unsubscribe
 * function; the same handler subscribed twice is called twice and each subscription is
 * removed on its own. A throwing handler never stops the others: its error goes to
 * `onError` (ignored when none is given). Handlers added during an emit are not called by
 * that emit.
 */

/** Options of {@link TypedEmitter}. */
export interface TypedEmitterOptions {
  /** Receives what a handler threw (default: ignored, e.g. a UI handler's bug must not stop training). */
  readonly onError?: (error: unknown) => void;
}

/** A typed event emitter over the event map `E`. */
export class TypedEmitter<E extends object> {
  readonly #handlers = new Map<keyof E, Set<(value: never) => void>>();
  readonly #onError: ((error: unknown) => void) | undefined;

  constructor(options: TypedEmitterOptions = {}) {
    this.#onError = options.onError;
  }

  /** Subscribes `handler` to `event`; returns its unsubscribe function. */
  on<K extends keyof E>(event: K, handler: (value: E[K]) => void): () => void {
    const entry = (value: E[K]): void => {
      handler(value);
    };
    let set = this.#handlers.get(event);
    if (set === undefined) {
      set = new Set();
      this.#handlers.set(event, set);
    }
    set.add(entry);
    return () => {
      set.delete(entry);
    };
  }

  /** Calls every handler of `event` with `value`; returns how many were subscribed. */
  emit<K extends keyof E>(event: K, value: E[K]): number {
    const set = this.#handlers.get(event);
    if (set === undefined) return 0;
    const handlers = [...set];
    for (const handler of handlers) {
      try {
        (handler as (value: E[K]) => void)(value);
      } catch (error) {
        this.#onError?.(error);
      }
    }
    return handlers.length;
  }

  /** Number of handlers subscribed to `event`. */
  listenerCount(event: keyof E): number {
    return this.#handlers.get(event)?.size ?? 0;
  }

  /** Removes every handler. */
  clear(): void {
    this.#handlers.clear();
  }
}
