/**
 * Events a participant emits for UIs: connected, task started, progress, uploaded,
 * completed or failed, errors from the coordinator, disconnects, stop.
 */
import type { EdgefedError, Metrics } from '@edgefed/shared';
import type { FitProgress } from './engine.js';

/** Event name -> payload. */
export interface ParticipantEventMap {
  connected: { readonly clientId: string; readonly resumed: boolean };
  'task-started': { readonly taskId: string; readonly kind: 'fit' | 'evaluate'; readonly round: number };
  progress: FitProgress & { readonly taskId: string };
  uploaded: { readonly taskId: string; readonly bytes: number };
  'task-completed': { readonly taskId: string; readonly kind: 'fit' | 'evaluate'; readonly metrics: Metrics };
  'task-failed': { readonly taskId: string; readonly error: EdgefedError };
  error: EdgefedError;
  disconnected: { readonly reason: string; readonly willReconnect: boolean };
  stopped: undefined;
}

type Handler<K extends keyof ParticipantEventMap> = (value: ParticipantEventMap[K]) => void;

/** A tiny typed emitter; handlers that throw never break the participant. */
export class ParticipantEvents {
  readonly #handlers = new Map<keyof ParticipantEventMap, Set<(value: never) => void>>();

  on<K extends keyof ParticipantEventMap>(event: K, handler: Handler<K>): () => void {
    let set = this.#handlers.get(event);
    if (set === undefined) {
      set = new Set();
      this.#handlers.set(event, set);
    }
    const h = handler as (value: never) => void;
    set.add(h);
    return () => {
      set.delete(h);
    };
  }

  emit<K extends keyof ParticipantEventMap>(event: K, value: ParticipantEventMap[K]): void {
    for (const h of this.#handlers.get(event) ?? []) {
      try {
        (h as Handler<K>)(value);
      } catch {
        // a UI handler's bug must not stop training
      }
    }
  }
}
