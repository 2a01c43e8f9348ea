/**
 * PartialFold: a cluster node's side of hierarchical aggregation (issue #16). When the
 * cluster's task routing hands a node the fit outcomes of its own clients, the node feeds
 * each one here as it arrives: the result is admitted exactly as the single-node fit round
 * admits it (metrics, example-count trust bounds, payload decode: result-admission.ts), then
 * folded into a PartialAggregate (layout, finiteness, example count, duplicates), and the
 * upload is dropped. The node holds O(model) whatever its client count; `encode()` gives the
 * bytes it sends to the run's leader, which merges every node's partial and calls
 * `strategy.aggregateMean` (see {@link finishClusterRound}).
 *
 * Failed, dropped and rejected outcomes become `Failure`s (client, code, message) that travel
 * with the partial's metadata, so the leader records them as the single-node round does.
 */
import {
  EdgefedError,
  PartialAggregate,
  decodePartialAggregate,
  encodePartialAggregate,
  toEdgefedError,
  type Failure,
  type FitAggregate,
  type Strategy,
  type TensorMap,
} from '@edgefed/shared';
import { admitResult } from './result-admission.js';
import type { UpdateDecoder } from './run-services.js';
import type { TaskOutcome } from './task-gateway.js';

/** Options of {@link PartialFold}. */
export interface PartialFoldOptions {
  readonly round: number;
  /** The round's global model: fixes the layout. */
  readonly global: TensorMap;
  /** The run's `maxExampleWeight`. */
  readonly maxExampleWeight: number;
  /** Example counts the node's clients declared in `hello`, by client id. */
  readonly declared: ReadonlyMap<string, number>;
  readonly decoder: UpdateDecoder;
  /** DP-FedAvg runs: the privacy block's clipNorm (each update clipped, weighed 1). */
  readonly clipNorm?: number | undefined;
}

/** What became of one outcome fed to {@link PartialFold.accept}. */
export type FoldResult =
  | { readonly status: 'folded'; readonly weight: number; readonly clamped: boolean }
  | { readonly status: 'failed'; readonly failure: Failure };

/** One node's fold of one round; see the file comment. */
export class PartialFold {
  readonly #options: PartialFoldOptions;
  readonly #partial: PartialAggregate;
  readonly #failures: Failure[] = [];

  constructor(options: PartialFoldOptions) {
    this.#options = options;
    this.#partial = new PartialAggregate(options.global, {
      round: options.round,
      clipNorm: options.clipNorm,
    });
  }

  /** Folds a completed outcome in, or records why it is not (never throws for a bad result). */
  accept(o: TaskOutcome): FoldResult {
    const clientId = o.task.clientId;
    if (o.status !== 'completed') return this.#fail({ clientId, code: o.code, message: o.message });
    if (o.payload === undefined) {
      return this.#fail({ clientId, code: 'INVALID_ARGUMENT', message: 'A fit result without an update' });
    }
    try {
      const admitted = admitResult({
        payload: o.payload,
        exampleCount: o.exampleCount,
        metrics: o.metrics,
        declared: this.#options.declared.get(clientId),
        maxExampleWeight: this.#options.maxExampleWeight,
        decoder: this.#options.decoder,
      });
      this.#partial.add(clientId, admitted.update, admitted.weight, o.metrics);
      return { status: 'folded', weight: admitted.weight, clamped: admitted.clamped };
    } catch (err) {
      const e = toEdgefedError(err);
      return this.#fail({ clientId, code: e.code, message: e.message });
    }
  }

  #fail(failure: Failure): FoldResult {
    this.#failures.push(failure);
    return { status: 'failed', failure };
  }

  /** The partial so far (folding continues into it; read-only use). */
  get partial(): PartialAggregate {
    return this.#partial;
  }

  /** Outcomes that were not folded, in arrival order (a copy). */
  get failures(): Failure[] {
    return [...this.#failures];
  }

  /** The partial's bytes for the leader (float64 sums; see partial-codec.ts). */
  encode(): Uint8Array {
    return encodePartialAggregate(this.#partial);
  }
}

/** Input of {@link finishClusterRound}. */
export interface ClusterRoundInput {
  readonly round: number;
  readonly global: TensorMap;
  readonly strategy: Strategy;
  /** Every node's encoded partial (any order). */
  readonly partials: readonly Uint8Array[];
  /** Every node's failures. */
  readonly failures: readonly Failure[];
  /**
   * The run's DP clip norm (its `privacy.clipNorm`), or undefined for a run without central
   * DP. Every partial must have been folded with exactly this weighting: the leader's noise is
   * calibrated to updates clipped to it, so an unclipped partial would void the guarantee.
   */
  readonly clipNorm: number | undefined;
}

/**
 * The leader's side: decodes the nodes' partials (strictly), merges them (a client in two
 * partials is `DUPLICATE_RESULT`; another round, or a weighting other than the run's DP
 * clipNorm, `FAILED_PRECONDITION`) and lets the strategy
 * step through `aggregateMean`; the metrics gain the clients' example-weighted metric means,
 * as `aggregateFit` reports them. A strategy without it throws `UNSUPPORTED` (checkClusterRun
 * refuses such runs up front); no partial, or an empty merge, is `QUORUM_NOT_MET`.
 */
export async function finishClusterRound(input: ClusterRoundInput): Promise<FitAggregate> {
  const aggregateMean = input.strategy.aggregateMean?.bind(input.strategy);
  if (aggregateMean === undefined) {
    throw new EdgefedError('UNSUPPORTED', `${input.strategy.name} cannot aggregate partial sums`);
  }
  const parts = input.partials.map((bytes) => decodePartialAggregate(bytes));
  const clipNorm = input.clipNorm ?? 0;
  for (const p of parts) {
    if (p.clipNorm !== clipNorm) {
      throw new EdgefedError(
        'FAILED_PRECONDITION',
        `A partial folded with clipNorm ${p.clipNorm} in a run with clipNorm ${clipNorm} (0: no DP)`,
        { details: { partialClipNorm: p.clipNorm, runClipNorm: clipNorm } },
      );
    }
  }
  const merged =
    parts.length === 0
      ? new PartialAggregate(input.global, { round: input.round, clipNorm: input.clipNorm })
      : PartialAggregate.mergeAll(parts);
  if (merged.round !== input.round) {
    throw new EdgefedError(
      'FAILED_PRECONDITION',
      `Partials of round ${merged.round} in round ${input.round}`,
    );
  }
  const aggregate = await aggregateMean(
    merged.toMeanInput({ global: input.global, failures: input.failures }),
  );
  // the example-weighted client metrics, as aggregateFit reports them (the secure round does the same)
  return { ...aggregate, metrics: { ...merged.metricsMean(), ...aggregate.metrics } };
}
