/**
 * What the store gets when a round attempt ends: pure builders of the `commitRound` input
 * for a committed round and for a failed or cancelled attempt. Counts are derived from the
 * client outcomes here, once (failed and rejected results both count as failed).
 */
import { EdgefedError } from '@edgefed/shared';
import type { JsonObject } from '../store/json.js';
import type { ClientOutcomeFields, RoundKey } from '../store/records.js';
import type { CommitRoundInput } from '../store/run-store.js';
import type { FitRoundFailureDetails, FitRoundResult } from './fit-round.js';

/** Completed, failed (incl. rejected) and dropped counts of an attempt's outcomes. */
export function outcomeCounts(outcomes: readonly ClientOutcomeFields[]): {
  completedCount: number;
  failedCount: number;
  droppedCount: number;
} {
  const count = (k: string): number => outcomes.filter((o) => o.outcome === k).length;
  return {
    completedCount: count('completed'),
    failedCount: count('failed') + count('rejected'),
    droppedCount: count('dropped'),
  };
}

/** Input of {@link committedRound}. */
export interface CommittedRoundInput {
  readonly key: RoundKey;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly fit: FitRoundResult;
  /** Model bytes served so far to this round's tasks. */
  readonly bytesDown: number;
  readonly strategyState: JsonObject;
  readonly checkpoint: { readonly hash: string; readonly byteSize: number };
}

/** The commit of a finished round: run pointer, round record, outcomes, metrics, checkpoint. */
export function committedRound(r: CommittedRoundInput): CommitRoundInput {
  const { fit, key } = r;
  const trainMetrics = { ...fit.aggregate.metrics };
  return {
    runUpdate: { currentRound: key.round, currentModelVersion: key.round, strategyState: r.strategyState },
    round: {
      ...key,
      state: 'completed',
      startedAt: r.startedAt,
      endedAt: r.endedAt,
      selectedCount: fit.selected,
      ...outcomeCounts(fit.outcomes),
      bytesUp: fit.bytesUp,
      bytesDown: r.bytesDown,
      trainMetrics,
    },
    outcomes: fit.outcomes,
    metrics: Object.entries(trainMetrics).map(([name, value]) => ({ name, value, scope: 'train' as const })),
    checkpoint: { version: key.round, ...r.checkpoint },
  };
}

/** Input of {@link endedAttempt}. */
export interface EndedAttemptInput {
  readonly key: RoundKey;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly state: 'failed' | 'cancelled';
  readonly reason: string;
  /** What ended the attempt; its `details` (FitRoundFailureDetails) carry the outcomes so far. */
  readonly error: unknown;
  readonly bytesDown: number;
  readonly expectedRevision: number;
}

/** The commit of an attempt that ended without a model: the round record and its outcomes. */
export function endedAttempt(a: EndedAttemptInput): CommitRoundInput {
  const details = (a.error instanceof EdgefedError ? a.error.details : undefined) as
    Partial<FitRoundFailureDetails> | undefined;
  const outcomes = details?.outcomes ?? [];
  return {
    runUpdate: {},
    expectedRevision: a.expectedRevision,
    round: {
      ...a.key,
      startedAt: a.startedAt,
      state: a.state,
      endedAt: a.endedAt,
      failureReason: a.reason,
      selectedCount: details?.selected ?? 0,
      ...outcomeCounts(outcomes),
      bytesUp: details?.bytesUp ?? 0,
      bytesDown: a.bytesDown,
    },
    outcomes,
  };
}
