/**
 * Events a participant emits for UIs: connected, task started, progress, uploaded,
 * completed or failed, errors from the coordinator, disconnects, stop.
 */
import { TypedEmitter, type EdgefedError, type Metrics } from '@edgefed/shared';
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

/** The participant's events: the shared typed emitter; a throwing handler never stops training. */
export class ParticipantEvents extends TypedEmitter<ParticipantEventMap> {}
