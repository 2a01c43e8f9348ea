/**
 * A small unbounded async queue: producers `push`, one consumer iterates with `for await`.
 * `end()` finishes the iteration after the queued items are consumed.
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  readonly #items: T[] = [];
  #waiter: ((r: IteratorResult<T>) => void) | undefined;
  #ended = false;

  /** Adds an item; ignored after `end()`. */
  push(item: T): void {
    if (this.#ended) return;
    const waiter = this.#waiter;
    if (waiter !== undefined) {
      this.#waiter = undefined;
      waiter({ value: item, done: false });
    } else this.#items.push(item);
  }

  /** No more items will come. */
  end(): void {
    this.#ended = true;
    const waiter = this.#waiter;
    if (waiter !== undefined && this.#items.length === 0) {
      this.#waiter = undefined;
      waiter({ value: undefined, done: true });
    }
  }

  get ended(): boolean {
    return this.#ended;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        if (this.#items.length > 0) return Promise.resolve({ value: this.#items.shift() as T, done: false });
        if (this.#ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => {
          this.#waiter = resolve;
        });
      },
    };
  }
}
