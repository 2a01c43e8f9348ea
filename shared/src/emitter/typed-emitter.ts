/**
 * TypedEmitter: edgefed's one in-process event emitter, typed by an event map
 * (`{ name: payload }`, like socket.io's typed event maps). `on` returns its unsubscribe
 * function; the same handler subscribed twice is called twice and each subscription is
 * removed on its own. A throwing handler never stops the others: its error goes to
 * `onError` (ignored when none is given). Handlers added during an emit are not called by
 * that emit. `emit` is fire-and-forget; `emitAsync` also waits for the promises handlers
 * return (the coordinator's run events, whose listeners write to stores and sockets).
 */

/** Options of {@link TypedEmitter}. */
export interface TypedEmitterOptions {
  /** Receives what a handler threw (default: ignored, e.g. a UI handler's bug must not stop training). */
  readonly onError?: (error: unknown) => void;
}

/**
 * A handler. What it returns is ignored, except a promise: {@link TypedEmitter.emitAsync}
 * waits for it, and a rejection goes to `onError` either way.
 */
export type EventHandler<T> = (value: T) => unknown;

/** A typed event emitter over the event map `E`. */
export class TypedEmitter<E extends object> {
  readonly #handlers = new Map<keyof E, Set<(value: never) => unknown>>();
  readonly #onError: ((error: unknown) => void) | undefined;

  constructor(options: TypedEmitterOptions = {}) {
    this.#onError = options.onError;
  }

  /** Subscribes `handler` to `event`; returns its unsubscribe function (calling it twice is harmless). */
  on<K extends keyof E>(event: K, handler: EventHandler<E[K]>): () => void {
    // Wrap so the same function can be subscribed twice and removed independently.
    const entry = (value: E[K]): unknown => handler(value);
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

  #snapshot<K extends keyof E>(event: K): ((value: E[K]) => unknown)[] {
    return [...(this.#handlers.get(event) ?? [])] as ((value: E[K]) => unknown)[];
  }

  /**
   * Calls every handler of `event` with `value`, in subscription order; returns how many
   * were subscribed. Promises handlers return are not awaited (a rejection is reported to
   * `onError`).
   */
  emit<K extends keyof E>(event: K, value: E[K]): number {
    const handlers = this.#snapshot(event);
    for (const handler of handlers) {
      try {
        const result = handler(value);
        if (result instanceof Promise) result.catch((error: unknown) => this.#onError?.(error));
      } catch (error) {
        this.#onError?.(error);
      }
    }
    return handlers.length;
  }

  /**
   * Calls every handler of `event` synchronously, in subscription order, then waits for the
   * promises they returned. Resolves to the errors they threw or rejected with (sync throws
   * first, then rejections as they happened; empty when all succeeded), after passing each
   * to `onError`; never rejects.
   */
  async emitAsync<K extends keyof E>(event: K, value: E[K]): Promise<unknown[]> {
    const errors: unknown[] = [];
    const pending: Promise<void>[] = [];
    for (const handler of this.#snapshot(event)) {
      try {
        const result = handler(value);
        if (result instanceof Promise) {
          pending.push(
            result.then(
              () => undefined,
              (error: unknown) => {
                errors.push(error);
              },
            ),
          );
        }
      } catch (error) {
        errors.push(error);
      }
    }
    await Promise.all(pending);
    if (this.#onError !== undefined) for (const error of errors) this.#onError(error);
    return errors;
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
