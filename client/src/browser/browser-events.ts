/**
 * Events of a browser participant: every participant event (connected, task-started,
 * model, progress, uploaded, task-completed, task-failed, error, disconnected, stopped) plus the
 * policy verdict and local accuracy before/after a fit.
 */
import { TypedEmitter } from '@edgefed/shared';
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

/** The browser participant's events: the shared typed emitter (a throwing UI handler is ignored). */
export class BrowserEvents extends TypedEmitter<BrowserParticipantEventMap> {}
