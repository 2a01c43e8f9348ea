/**
 * The Strategy interface (after Flower's `Strategy`): what the round runner asks of a
 * federated-learning algorithm. Strategies are pure: no timers, sockets or storage. The
 * runner owns round state; a strategy owns only its server-side optimizer state, which it
 * exposes through `getState()` / `restore()` so a restarted coordinator resumes exactly.
 */
import type { Prng } from '../data/prng.js';
import type { ErrorCode } from '../errors.js';
import type { TensorMap } from '../tensor/tensor.js';

/** A hyper-parameter or config value, as the protocol carries it. */
export type Scalar = number | string | boolean;

/** A flat record of scalars (hyper-parameters, task config). */
export type ScalarRecord = Readonly<Record<string, Scalar>>;

/** Numeric metrics reported by a client or aggregated by a strategy. */
export type Metrics = Readonly<Record<string, number>>;

/** A connected client the strategy may select. */
export interface ClientCandidate {
  readonly id: string;
  /** What the client said in `hello`; built-in strategies skip clients with `eligible: false`. */
  readonly capabilities?: Readonly<Record<string, unknown>>;
}

/** Input to {@link Strategy.configureFit} and {@link Strategy.configureEvaluate}. */
export interface ConfigureInput {
  /** The round about to start (>= 1). */
  readonly round: number;
  readonly availableClients: readonly ClientCandidate[];
  /** The global model version the clients will train or evaluate. */
  readonly globalVersion: string;
  /** Seeded random source for client selection. */
  readonly rng: Prng;
}

/** Which clients train this round, and what they are told. */
export interface FitPlan {
  /** Selected client ids (over-selected: more than `targetResults` when overSelection > 1). */
  readonly clientIds: readonly string[];
  /** How many results the runner should wait for before aggregating (<= clientIds.length). */
  readonly targetResults: number;
  /** Fewest accepted results `aggregateFit` will aggregate (the quorum). */
  readonly minResults: number;
  /** Sent with each fit task (learning rate, epochs, FedProx's `proximalMu`, ...). */
  readonly hyperParameters: ScalarRecord;
  readonly config: ScalarRecord;
}

/** Which clients evaluate this round. */
export interface EvaluatePlan {
  readonly clientIds: readonly string[];
  readonly targetResults: number;
  readonly minResults: number;
  readonly config: ScalarRecord;
}

/** A client that did not deliver a usable result, and why. */
export interface Failure {
  readonly clientId: string;
  readonly code: ErrorCode;
  readonly message: string;
}

/** One client's training result. `update` is a float32 delta: client params minus global params. */
export interface FitResult {
  readonly clientId: string;
  /** Examples trained on: the weight of this update; must be an integer > 0. */
  readonly exampleCount: number;
  readonly update: TensorMap;
  readonly metrics?: Metrics;
}

/** Results as the runner delivers them: consumed one at a time, never all at once. */
export type ResultStream<T> = Iterable<T> | AsyncIterable<T>;

/** Input to {@link Strategy.aggregateFit}. */
export interface AggregateFitInput {
  readonly round: number;
  /** The current global model (float32); its names, order and shapes fix the layout. */
  readonly global: TensorMap;
  readonly results: ResultStream<FitResult>;
  /** Clients that failed before aggregation (timeouts, disconnects, decode errors). */
  readonly failures: readonly Failure[];
}

/** Output of {@link Strategy.aggregateFit}. */
export interface FitAggregate {
  /** The new global model (float32, same names and shapes as the input global). */
  readonly parameters: TensorMap;
  /** Example-weighted mean of each client metric, plus `numResults`, `numFailures`, `totalExamples`. */
  readonly metrics: Metrics;
  /** Number of updates aggregated. */
  readonly accepted: number;
  readonly totalExamples: number;
  /** The input failures followed by the results this aggregation rejected. */
  readonly failures: readonly Failure[];
}

/**
 * Input to {@link Strategy.aggregateMean}: what a secure-aggregation round can hand over.
 * Under secure aggregation the coordinator never holds one client's update, only the
 * unmasked weighted mean of the survivors' updates, so this is all the strategy sees.
 */
export interface AggregateMeanInput {
  readonly round: number;
  /** The current global model (float32); its names, order and shapes fix the layout. */
  readonly global: TensorMap;
  /** The weighted mean delta of the contributors, flat in the layout order of `global`. */
  readonly mean: Float32Array;
  /** How many clients' updates the mean holds. */
  readonly contributors: number;
  /** The sum of their weights (bounded example counts, or 1 each under uniform weighting). */
  readonly totalWeight: number;
  /** Clients that were selected but are not in the mean (dropped, refused). */
  readonly failures: readonly Failure[];
}

/** One client's evaluation result. */
export interface EvaluateResult {
  readonly clientId: string;
  readonly exampleCount: number;
  readonly loss: number;
  readonly metrics?: Metrics;
}

/** Input to {@link Strategy.aggregateEvaluate}. */
export interface AggregateEvaluateInput {
  readonly round: number;
  readonly results: ResultStream<EvaluateResult>;
  readonly failures: readonly Failure[];
}

/** Output of {@link Strategy.aggregateEvaluate}: example-weighted loss and metrics. */
export interface EvaluateAggregate {
  readonly loss: number;
  readonly metrics: Metrics;
  readonly accepted: number;
  readonly totalExamples: number;
  readonly failures: readonly Failure[];
}

/**
 * A strategy's server-side state: scalars plus float32 tensors (momentum, moments). Store it
 * with the checkpoint (the tensors with the TensorMap codec); `restore` it after a restart.
 */
export interface StrategyState {
  /** The strategy name (`fedadam`, ...): restoring into another strategy is refused. */
  readonly strategy: string;
  readonly version: 1;
  readonly scalars: Readonly<Record<string, number>>;
  readonly tensors: TensorMap;
}

/** How a strategy holds updates while aggregating. */
export type StrategyMemory =
  /** O(model): each update is read while it is current and never after the next is pulled. */
  | { readonly kind: 'streaming' }
  /** Copies up to `maxUpdates` updates (O(k x model)); more throws `FAILED_PRECONDITION`. */
  | { readonly kind: 'buffered'; readonly maxUpdates: number };

/**
 * A federated-learning strategy.
 *
 * Edge cases every implementation handles the same way:
 * - `configureFit`/`configureEvaluate` throw `QUORUM_NOT_MET` when fewer eligible clients
 *   are available than `minAvailableClients`; selection is deterministic given the rng seed
 *   and does not depend on the order of `availableClients` (candidates are sorted by id).
 *   Duplicate candidate ids throw `INVALID_ARGUMENT`.
 * - `aggregateFit` consumes `results` one at a time. A result is rejected and added to
 *   `failures` (the model is not touched) when: its update's names/dtype/shapes differ from
 *   `global` (`NAME_MISMATCH`/`DTYPE_MISMATCH`/`SHAPE_MISMATCH`); it holds NaN or Infinity in
 *   the update or metrics (`NON_FINITE`); `exampleCount` is not an integer > 0
 *   (`INVALID_ARGUMENT`); the client already delivered a result (`DUPLICATE_RESULT`).
 * - With fewer accepted results than `minResults` (zero results, all failed) `aggregateFit`
 *   throws `QUORUM_NOT_MET` with the failures in `details`; the model and the strategy's
 *   state are left unchanged, so the runner can retry the round.
 * - A `global` that is not float32 throws `DTYPE_MISMATCH`; one holding NaN or Infinity
 *   throws `NON_FINITE` (before any result is pulled).
 * - `aggregateEvaluate` follows the same rules for loss and metrics.
 * - `restore` refuses state from another strategy or version (`FAILED_PRECONDITION`) and
 *   state whose tensors do not fit the model at the next aggregation (`SHAPE_MISMATCH`).
 */
export interface Strategy {
  /** The config name (`fedavg`, `fedadam`, ...). */
  readonly name: string;
  readonly memory: StrategyMemory;
  configureFit(input: ConfigureInput): FitPlan;
  aggregateFit(input: AggregateFitInput): Promise<FitAggregate>;
  /**
   * Optional: the secure-aggregation entry. Present only on strategies whose aggregation is
   * a weighted mean followed by a server step (FedAvg, FedAvgM, FedProx, FedAdam, FedYogi,
   * FedAdagrad, and central DP around one of them): the server step runs on `mean` exactly
   * as `aggregateFit` runs it on the mean of the results. Throws `SHAPE_MISMATCH` when
   * `mean` does not have the size of `global`, `NON_FINITE` for NaN or Infinity in it,
   * `QUORUM_NOT_MET` when `contributors` is below the strategy's `minFitResults` (state
   * unchanged, as for `aggregateFit`).
   */
  aggregateMean?(input: AggregateMeanInput): Promise<FitAggregate>;
  configureEvaluate(input: ConfigureInput): EvaluatePlan;
  aggregateEvaluate(input: AggregateEvaluateInput): Promise<EvaluateAggregate>;
  /** A snapshot of the server-side state (copies; later rounds do not change it). */
  getState(): StrategyState;
  /** Replaces the server-side state with `state` (copied). */
  restore(state: StrategyState): void;
}
