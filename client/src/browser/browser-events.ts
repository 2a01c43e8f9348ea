/**
 * Events of a browser participant: every participant event (connected, task-started,
 * progress, uploaded, task-completed, task-failed, error, disconnected, stopped) plus the
 * policy verdict and local accuracy before/after a fit.
 */
import type { ParticipantEventMap } from '../participant/participant-events.js';
import type { LocalEvaluation } from './evaluating-engine.js';
import type { PolicyVerdict } from './policy.js';

/** Event name -> payload. */
export interface BrowserParticipantEventMap extends ParticipantEventMap {
  /** The participation policy's verdict changed (emitted only on change). */
  policy: PolicyVerdict;
  /** Local accuracy of the global model and of the trained one (needs held-out data). */
  'local-evaluation': LocalEvaluation;
}

type Handler = (value: never) => void;

/** A small typed emitter; a handler that throws never breaks the participant. */
export class BrowserEvents {
  readonly #handlers = new Map<keyof BrowserParticipantEventMap, Set<Handler>>();

  /** Subscribes; returns the unsubscribe function. */
  on<K extends keyof BrowserParticipantEventMap>(
    event: K,
    handler: (value: BrowserParticipantEventMap[K]) => void,
  ): () => void {
    let set = this.#handlers.get(event);
    if (set === undefined) {
      set = new Set();
      this.#handlers.set(event, set);
    }
    const h = handler as Handler;
    set.add(h);
    return () => {
      set.delete(h);
    };
  }

  /** Calls every handler of `event` with `value`, swallowing handler errors. */
  emit<K extends keyof BrowserParticipantEventMap>(event: K, value: BrowserParticipantEventMap[K]): void {
    for (const h of [...(this.#handlers.get(event) ?? [])]) {
      try {
        (h as (v: BrowserParticipantEventMap[K]) => void)(value);
      } catch {
        // a UI handler's bug must not stop training
      }
    }
  }
}
