/**
 * WorkerHandle: request/response over one fleet worker. Each request waits for the
 * worker's reply of the expected type; an `error` reply, a worker crash or exit, or the
 * timeout rejects it with an EdgefedError.
 */
import type { Worker } from 'node:worker_threads';
import { EdgefedError, type ErrorCode } from '@edgefed/shared';
import type { FromWorkerMessage, ToWorkerMessage } from './fleet-messages.js';

type Reply<T extends FromWorkerMessage['type']> = Extract<FromWorkerMessage, { type: T }>;

interface Waiter {
  readonly type: FromWorkerMessage['type'];
  readonly resolve: (m: FromWorkerMessage) => void;
  readonly reject: (e: EdgefedError) => void;
}

export class WorkerHandle {
  readonly #worker: Worker;
  readonly #waiters: Waiter[] = [];
  #failure: EdgefedError | undefined;

  constructor(worker: Worker) {
    this.#worker = worker;
    worker.on('message', (m: FromWorkerMessage) => {
      if (m.type === 'error') {
        this.#failAll(new EdgefedError(m.code as ErrorCode, `fleet worker: ${m.message}`));
        return;
      }
      const i = this.#waiters.findIndex((w) => w.type === m.type);
      const waiter = this.#waiters[i];
      if (waiter === undefined) return;
      this.#waiters.splice(i, 1);
      waiter.resolve(m);
    });
    worker.on('error', (err) => {
      this.#failAll(new EdgefedError('INTERNAL', `fleet worker crashed: ${err.message}`, { cause: err }));
    });
    worker.on('exit', (code) => {
      this.#failAll(new EdgefedError('UNAVAILABLE', `fleet worker exited with code ${code}`));
    });
  }

  /** Sends `message` and resolves with the first reply of type `expect`. */
  request<T extends FromWorkerMessage['type']>(
    message: ToWorkerMessage,
    expect: T,
    timeoutMs: number,
  ): Promise<Reply<T>> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return new Promise<Reply<T>>((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(
          new EdgefedError(
            'DEADLINE_EXCEEDED',
            `fleet worker did not answer ${message.type} in ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      const waiter: Waiter = {
        type: expect,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m as Reply<T>);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.#waiters.push(waiter);
      // An init message's port moves to the worker (transferred, not cloned).
      const port = message.type === 'init' ? message.port : undefined;
      this.#worker.postMessage(message, port === undefined ? [] : [port]);
    });
  }

  /** Stops the thread now (after a failed or timed-out close). */
  async terminate(): Promise<void> {
    await this.#worker.terminate();
  }

  #failAll(e: EdgefedError): void {
    this.#failure ??= e;
    for (const w of this.#waiters.splice(0)) w.reject(e);
  }
}
