/**
 * A typed set of listeners: the coordinator's small event primitive. Subscribing returns
 * the unsubscribe function; a throwing or rejecting listener never stops the others.
 */

/** A listener; it may return a promise, which `emit` waits for. */
export type Listener<T> = (value: T) => void | Promise<void>;

/** Removes the listener it was returned for; calling it twice is harmless. */
export type Unsubscribe = () => void;

/**
 * An ordered set of listeners of one event.
 * `onError` (default: none) sees every error a listener throws or rejects with.
 */
export class ListenerSet<T> {
  readonly #listeners = new Set<Listener<T>>();
  readonly #onError: ((error: unknown) => void) | undefined;

  constructor(onError?: (error: unknown) => void) {
    this.#onError = onError;
  }

  /** Number of current listeners. */
  get size(): number {
    return this.#listeners.size;
  }

  /** Adds `listener` (a listener added twice is called once) and returns its unsubscribe. */
  add(listener: Listener<T>): Unsubscribe {
    // Wrap so the same function can be subscribed twice and removed independently.
    const entry: Listener<T> = (value) => listener(value);
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  /**
   * Calls every listener synchronously, in subscription order, then waits for the promises
   * they returned. Resolves to the errors they threw or rejected with (empty when all
   * succeeded); never rejects. Listeners added during an emit are not called by it.
   */
  async emit(value: T): Promise<unknown[]> {
    const errors: unknown[] = [];
    const pending: Promise<void>[] = [];
    for (const listener of [...this.#listeners]) {
      try {
        const result = listener(value);
        if (result instanceof Promise) {
          pending.push(
            result.catch((error: unknown) => {
              errors.push(error);
            }),
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

  /** Removes every listener. */
  clear(): void {
    this.#listeners.clear();
  }
}
