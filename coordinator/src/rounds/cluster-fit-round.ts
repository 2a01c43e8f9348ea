/**
 * One training round attempt in cluster mode (issue #16): the same selection, task building
 * and closing rules as fit-round.ts (all selected replied, target count, deadline, outer
 * abort), but the updates never reach this function. Every node that hosts selected clients
 * (this node too) folds its clients' accepted updates into a PartialFold as they arrive and
 * reports one small outcome per task (status, code, weight, metrics, bytes); the round counts
 * those. When the batch is closed, the gateway collects each node's partial aggregate and
 * reconciles the outcomes with them (a client reported as folded but absent from its node's
 * partial, or on a node whose partial was lost, counts as dropped, never twice), and
 * `finishClusterRound` merges the partials and steps the strategy through `aggregateMean`.
 * The leader's memory is O(nodes x model), not O(clients x model).
 */
import {
  EdgefedError,
  toEdgefedError,
  type ErrorCode,
  type Failure,
  type Metrics,
  type TensorMap,
} from '@edgefed/shared';
import type { ClientOutcomeFields } from '../store/records.js';
import {
  openRoundClose,
  outcomeRecord,
  planFitRound,
  type FitRoundInput,
  type FitRoundResult,
} from './fit-round.js';
import { finishClusterRound } from './partial-fold.js';
import type { RoundContext } from './round-context.js';
import type { FailedOutcome, TaskSpec } from './task-gateway.js';

/** A fit result a node admitted and folded into its partial (the update stayed there). */
export interface FoldedOutcome {
  readonly status: 'folded';
  readonly task: TaskSpec;
  /** The admitted (bounded) weight. */
  readonly exampleCount: number;
  readonly metrics: Metrics;
  readonly bytesUp: number;
  /** True when the run's maxExampleWeight lowered the claimed count. */
  readonly clamped: boolean;
}

/** A fit result a node received but refused (admission or the partial's checks). */
export interface RejectedOutcome {
  readonly status: 'rejected';
  readonly task: TaskSpec;
  readonly code: ErrorCode;
  readonly message: string;
  readonly bytesUp: number;
}

/** What became of one task of a folded batch. */
export type FoldOutcome = FoldedOutcome | RejectedOutcome | FailedOutcome;

/** How the nodes fold a batch's results. */
export interface FoldSpec {
  readonly round: number;
  /** Hex SHA-256 of the round's global model in the blob store (fixes the layout). */
  readonly modelHash: string;
  readonly global: TensorMap;
  readonly maxExampleWeight: number;
  /** DP-FedAvg runs: the privacy block's clipNorm; undefined otherwise. */
  readonly clipNorm: number | undefined;
}

/** One folded batch: the outcomes as they come, then the partials. */
export interface FoldedBatch extends AsyncIterable<FoldOutcome> {
  /**
   * After the outcomes ended: collects every node's partial (bounded wait per node) and
   * returns them with the final outcome of every task, reconciled with the partials.
   */
  finish(): Promise<{ readonly partials: Uint8Array[]; readonly outcomes: FoldOutcome[] }>;
}

/** A gateway whose nodes fold fit results where they arrive (the cluster gateway). */
export interface FoldingGateway {
  runFolded(o: { tasks: readonly TaskSpec[]; signal: AbortSignal; fold: FoldSpec }): FoldedBatch;
}

/** The stored record of one outcome of a folded batch. */
function foldRecord(o: FoldOutcome): ClientOutcomeFields {
  if (o.status === 'folded') {
    return {
      clientId: o.task.clientId,
      outcome: 'completed',
      exampleCount: o.exampleCount,
      metrics: { ...o.metrics },
      bytesUp: o.bytesUp,
    };
  }
  if (o.status === 'rejected') {
    return { clientId: o.task.clientId, outcome: 'rejected', code: o.code, bytesUp: o.bytesUp };
  }
  return outcomeRecord(o);
}

/** Runs one fit round attempt through a folding gateway; see the file comment. */
export async function runClusterFitRound(
  ctx: RoundContext,
  input: FitRoundInput,
  folding: FoldingGateway,
): Promise<FitRoundResult> {
  const { services, config } = ctx;
  const { plan, tasks } = await planFitRound(ctx, input);
  const { close, dispose } = openRoundClose(config.roundDeadlineMs, input.signal);
  // DP-FedAvg: every node clips each update and weighs it 1; the leader adds the noise once
  const clipNorm = config.strategy.privacy?.clipNorm;
  let outcomes: ClientOutcomeFields[] = [];
  let bytesUp = 0;
  try {
    const batch = folding.runFolded({
      tasks,
      signal: close.signal,
      fold: {
        round: input.round,
        modelHash: input.modelHash,
        global: input.global,
        maxExampleWeight: config.maxExampleWeight,
        clipNorm,
      },
    });
    let folded = 0;
    for await (const o of batch) {
      services.telemetry.emit({
        type: 'task-outcome',
        runId: ctx.runId,
        round: input.round,
        clientId: o.task.clientId,
        outcome: o.status === 'folded' ? 'completed' : o.status === 'rejected' ? 'failed' : o.status,
        code: o.status === 'folded' ? null : o.code,
      });
      if (o.status === 'folded' && ++folded >= plan.targetResults) {
        close.abort(new EdgefedError('CANCELLED', 'enough results for this round'));
      }
    }
    const finished = await batch.finish();
    outcomes = finished.outcomes.map(foldRecord);
    bytesUp = finished.outcomes.reduce((n, o) => n + o.bytesUp, 0);
    for (const o of finished.outcomes) {
      if (o.status === 'folded' && o.clamped) services.telemetry.metrics?.clampedExampleCounts.inc();
    }
    const failures: Failure[] = finished.outcomes.flatMap((o) =>
      o.status === 'folded' ? [] : [{ clientId: o.task.clientId, code: o.code, message: o.message }],
    );
    const aggregate = await finishClusterRound({
      round: input.round,
      global: input.global,
      strategy: ctx.strategy,
      partials: finished.partials,
      failures,
      clipNorm,
    });
    return { aggregate, outcomes, bytesUp, selected: plan.clientIds.length };
  } catch (err) {
    const e = toEdgefedError(err);
    const details = { outcomes, selected: plan.clientIds.length, bytesUp };
    throw new EdgefedError(e.code, e.message, { cause: err, details: { ...details } });
  } finally {
    dispose();
  }
}
