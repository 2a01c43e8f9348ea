/**
 * ListenerSet: the listeners of one coordinator event, on shared's {@link TypedEmitter}
 * (`emitAsync`): subscribing returns the unsubscribe function, `emit` waits for the
 * promises listeners return, and a throwing or rejecting listener never stops the others.
 */
import { TypedEmitter } from '@edgefed/shared';

/** A listener; it may return a promise, which `emit` waits for. */
export type Listener<T> = (value: T) => void | Promise<void>;

/** Removes the listener it was returned for; calling it twice is harmless. */
export type Unsubscribe = () => void;

/**
 * An ordered set of listeners of one event.
 * `onError` (default: none) sees every error a listener throws or rejects with.
 */
export class ListenerSet<T> {
  readonly #emitter: TypedEmitter<{ event: T }>;

  constructor(onError?: (error: unknown) => void) {
    this.#emitter = new TypedEmitter(onError === undefined ? {} : { onError });
  }

  /** Number of current listeners. */
  get size(): number {
    return this.#emitter.listenerCount('event');
  }

  /**
   * Adds `listener` and returns its unsubscribe. A listener added twice is called twice;
   * each subscription is removed on its own.
   */
  add(listener: Listener<T>): Unsubscribe {
    return this.#emitter.on('event', listener);
  }

  /**
   * Calls every listener synchronously, in subscription order, then waits for the promises
   * they returned. Resolves to the errors they threw or rejected with (empty when all
   * succeeded), each also passed to `onError`; never rejects. Listeners added during an
   * emit are not called by it.
   */
  emit(value: T): Promise<unknown[]> {
    return this.#emitter.emitAsync('event', value);
  }

  /** Removes every listener. */
  clear(): void {
    this.#emitter.clear();
  }
}
