/**
 * Events a participant emits for UIs: connected, task started, its global model ready,
 * progress, uploaded, completed or failed, errors from the coordinator, disconnects, stop.
 */
import { TypedEmitter, type EdgefedError, type Metrics } from '@edgefed/shared';
import type { FitProgress } from './engine.js';

/** Event name -> payload. */
export interface ParticipantEventMap {
  connected: { readonly clientId: string; readonly resumed: boolean };
  'task-started': { readonly taskId: string; readonly kind: 'fit' | 'evaluate'; readonly round: number };
  /**
   * The global model a task starts from is on the device (downloaded and verified, or from
   * the cache): its run, version, hex SHA-256 (the device store's key) and the model spec
   * as JSON text, so an app can run the same model locally (e.g. to show predictions).
   */
  model: {
    readonly taskId: string;
    readonly runId: string;
    readonly version: number;
    readonly hash: string;
    readonly spec: string;
  };
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
