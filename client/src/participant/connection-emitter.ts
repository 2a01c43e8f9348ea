/**
 * The participant connection's emitter: shared's {@link TypedEmitter} (typed, `on` returns
 * its unsubscribe, a throwing handler is reported instead of breaking the others or the
 * socket) plus `emitOrHold`: values sent while nobody listens are held until a handler
 * subscribes.
 */
import { TypedEmitter, type EventHandler } from '@edgefed/shared';

/** Most values held for events without a handler; older ones are kept, newer ones dropped. */
const MAX_HELD = 64;

/** Typed event emitter over an event map `E` that can hold values for late subscribers. */
export class ConnectionEmitter<E extends object> extends TypedEmitter<E> {
  readonly #held: { readonly event: keyof E; readonly value: unknown }[] = [];

  constructor(onError: (error: unknown) => void) {
    super({ onError });
  }

  /** Adds `handler` for `event`; returns the unsubscribe function (idempotent). Delivers held values. */
  override on<K extends keyof E>(event: K, handler: EventHandler<E[K]>): () => void {
    const off = super.on(event, handler);
    if (this.#held.some((h) => h.event === event)) queueMicrotask(() => this.#flush());
    return off;
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
  override clear(): void {
    super.clear();
    this.#held.length = 0;
  }

  #flush(): void {
    const held = this.#held.splice(0);
    for (const h of held) {
      if (this.emit(h.event, h.value as E[typeof h.event]) === 0) this.#held.push(h);
    }
  }
}
