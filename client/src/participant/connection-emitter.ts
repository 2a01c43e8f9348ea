/**
 * A tiny typed emitter for the participant connection: `on` returns its unsubscribe, and
 * a throwing handler is reported instead of breaking the others or the socket.
 */

/** Typed event emitter over an event map `E`. */
export class ConnectionEmitter<E extends object> {
  readonly #handlers = new Map<keyof E, Set<(value: never) => void>>();
  readonly #onError: (error: unknown) => void;

  constructor(onError: (error: unknown) => void) {
    this.#onError = onError;
  }

  /** Adds `handler` for `event`; returns the unsubscribe function (idempotent). */
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

  /** Calls every handler of `event` in order; returns how many there were. */
  emit<K extends keyof E>(event: K, value: E[K]): number {
    const set = this.#handlers.get(event);
    if (set === undefined) return 0;
    for (const handler of [...set]) {
      try {
        (handler as (value: E[K]) => void)(value);
      } catch (error) {
        this.#onError(error);
      }
    }
    return set.size;
  }

  /** Removes every handler. */
  clear(): void {
    this.#handlers.clear();
  }
}
