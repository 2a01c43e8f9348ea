/**
 * Events a run emits while it runs, for the admin dashboard's live view and for logs.
 */
import type { Metrics } from '@edgefed/shared';

/** The round runner's states (one explicit state machine per run). */
export const RUN_PHASES = [
  'idle',
  'waiting-for-clients',
  'configuring',
  'training',
  'aggregating',
  'evaluating',
  'checkpointed',
  'paused',
  'stopped',
  'completed',
  'failed',
] as const;

/** One of {@link RUN_PHASES}. */
export type RunPhase = (typeof RUN_PHASES)[number];

/**
 * A participant's latest training or evaluation progress on its task (from its `progress`
 * messages, which participants throttle to about one a second). Only progress for the
 * client's own task in flight is reported; `totalSteps` and `loss` are absent when the
 * participant did not send them.
 */
export interface TaskProgressEvent {
  readonly type: 'task-progress';
  readonly runId: string;
  readonly round: number;
  readonly clientId: string;
  readonly taskId: string;
  readonly kind: 'fit' | 'evaluate';
  readonly step: number;
  readonly totalSteps?: number;
  readonly loss?: number;
}

/** Something that happened in a run. */
export type RunEvent =
  | { readonly type: 'phase'; readonly runId: string; readonly round: number; readonly phase: RunPhase }
  | {
      readonly type: 'round-completed';
      readonly runId: string;
      readonly round: number;
      readonly modelVersion: number;
      readonly metrics: Metrics;
      readonly durationMs: number;
    }
  | {
      readonly type: 'round-failed';
      readonly runId: string;
      readonly round: number;
      readonly attempt: number;
      readonly reason: string;
    }
  | {
      readonly type: 'task-outcome';
      readonly runId: string;
      readonly round: number;
      readonly clientId: string;
      readonly outcome: string;
      readonly code: string | null;
    }
  | { readonly type: 'evaluated'; readonly runId: string; readonly round: number; readonly metrics: Metrics }
  | TaskProgressEvent;
