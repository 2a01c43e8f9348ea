/**
 * A tiny typed emitter for the participant connection: `on` returns its unsubscribe, and
 * a throwing handler is reported instead of breaking the others or the socket. Values sent
 * with `emitOrHold` while nobody listens are held until a handler subscribes.
 */

/** Most values held for events without a handler; older ones are kept, newer ones dropped. */
const MAX_HELD = 64;

/** Typed event emitter over an event map `E`. */
export class ConnectionEmitter<E extends object> {
  readonly #handlers = new Map<keyof E, Set<(value: never) => void>>();
  readonly #onError: (error: unknown) => void;
  readonly #held: { readonly event: keyof E; readonly value: unknown }[] = [];

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
    if (this.#held.some((h) => h.event === event)) queueMicrotask(() => this.#flush());
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

  /**
   * Emits `value`; when `event` has no handler yet, holds it (at most 64 values in all) and
   * delivers it, in arrival order, in a microtask after the first handler subscribes. For
   * messages that must not be lost in the gap between `connect()` resolving and its caller
   * subscribing (a `task` that arrives in the same read as `welcome`).
   */
  emitOrHold<K extends keyof E>(event: K, value: E[K]): void {
    if (this.emit(event, value) === 0 && this.#held.length < MAX_HELD) this.#held.push({ event, value });
  }

  /** Removes every handler and drops held values. */
  clear(): void {
    this.#handlers.clear();
    this.#held.length = 0;
  }

  #flush(): void {
    const held = this.#held.splice(0);
    for (const h of held) {
      if (this.emit(h.event, h.value as E[typeof h.event]) === 0) this.#held.push(h);
    }
  }
}
