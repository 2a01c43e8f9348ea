/**
 * FedBuff's buffer: the updates received since the last aggregation, summed as they arrive
 * (Float64, memory O(model) whatever K is), plus the outcome records of every task that ended
 * in the window (completed, rejected, failed, dropped) for the next commit; a client with
 * several tasks in one window gets one record (the store keeps one per client per version):
 * `completed` if any was, counts and bytes summed, `tasks` in its metrics. The new model is
 * `global + lr x sum(n_i w(s_i) delta_i) / sum(n_i)`: example-weighted like FedAvg, and each
 * update shrunk by its staleness weight w(s) (Nguyen et al. 2022, with FedAvg's weights).
 */
import {
  EdgefedError,
  WeightedMeanAccumulator,
  layoutData,
  unflatten,
  type Metrics,
  type TensorMap,
} from '@edgefed/shared';
import type { ClientOutcomeFields } from '../store/records.js';
import { stalenessWeight, type FedBuffConfig } from './fedbuff-config.js';

/** What one aggregation of the buffer produced. */
export interface BufferAggregate {
  readonly parameters: TensorMap;
  /** Example-weighted client metrics, `updates`, and staleness mean and max (train metrics). */
  readonly metrics: Metrics;
  readonly outcomes: ClientOutcomeFields[];
  /** Stalenesses of the aggregated updates, one per update (the histogram's data). */
  readonly staleness: readonly number[];
  readonly bytesUp: number;
}

export class FedBuffBuffer {
  readonly #c: FedBuffConfig;
  readonly #global: TensorMap;
  #acc: WeightedMeanAccumulator;
  #examples = 0;
  readonly #outcomes = new Map<string, ClientOutcomeFields>();
  #staleness: number[] = [];
  #metricSums = new Map<string, number>();
  #bytesUp = 0;

  constructor(config: FedBuffConfig, global: TensorMap) {
    this.#c = config;
    this.#global = global;
    this.#acc = new WeightedMeanAccumulator(global);
  }

  /** Updates accepted since the last aggregation. */
  get count(): number {
    return this.#acc.count;
  }

  /** Outcome records waiting for the next commit. */
  get outcomes(): ClientOutcomeFields[] {
    return [...this.#outcomes.values()];
  }

  /** Records an outcome that adds nothing to the model (failed, dropped, rejected). */
  record(outcome: ClientOutcomeFields): void {
    this.#merge(outcome);
    this.#bytesUp += outcome.bytesUp ?? 0;
  }

  #merge(o: ClientOutcomeFields): void {
    const had = this.#outcomes.get(o.clientId);
    if (had === undefined) {
      this.#outcomes.set(o.clientId, o);
      return;
    }
    const completed = had.outcome === 'completed' || o.outcome === 'completed';
    const tasks = (had.metrics?.tasks ?? 1) + 1;
    this.#outcomes.set(o.clientId, {
      clientId: o.clientId,
      outcome: completed ? 'completed' : o.outcome,
      code: completed ? null : (o.code ?? null),
      exampleCount: (had.exampleCount ?? 0) + (o.exampleCount ?? 0),
      metrics: { ...had.metrics, ...o.metrics, tasks },
      bytesUp: (had.bytesUp ?? 0) + (o.bytesUp ?? 0),
    });
  }

  /**
   * Adds an update `staleness` versions old with FedAvg weight `examples`. Throws (adding
   * nothing) `NAME_MISMATCH`, `SHAPE_MISMATCH`, `DTYPE_MISMATCH` or `NON_FINITE` for a bad update.
   */
  add(u: {
    readonly outcome: ClientOutcomeFields;
    readonly update: TensorMap;
    readonly examples: number;
    readonly staleness: number;
    readonly metrics: Metrics;
  }): void {
    const w = stalenessWeight(this.#c, u.staleness);
    this.#acc.add(u.update, u.examples * w);
    this.#examples += u.examples;
    this.#staleness.push(u.staleness);
    for (const [k, v] of Object.entries(u.metrics)) {
      if (Number.isFinite(v)) this.#metricSums.set(k, (this.#metricSums.get(k) ?? 0) + v * u.examples);
    }
    this.#merge({ ...u.outcome, metrics: { ...u.outcome.metrics, staleness: u.staleness } });
    this.#bytesUp += u.outcome.bytesUp ?? 0;
  }

  /** The new model and the window's records; the buffer starts over on `next` (the new model). */
  aggregate(): BufferAggregate {
    if (this.#acc.count === 0) throw new EdgefedError('FAILED_PRECONDITION', 'The FedBuff buffer is empty');
    const shrink = this.#acc.totalWeight / this.#examples;
    const mean = this.#acc.finalizeFlat();
    const layout = this.#acc.layout;
    const global = layoutData(layout, this.#global);
    const next = new Float32Array(layout.size);
    const lr = this.#c.serverLearningRate * shrink;
    layout.entries.forEach((e, t) => {
      const g = global[t];
      if (g === undefined) return;
      for (let i = 0; i < e.size; i++) next[e.offset + i] = (g[i] ?? 0) + lr * (mean[e.offset + i] ?? 0);
    });
    const metrics: Record<string, number> = {};
    for (const [k, v] of this.#metricSums) metrics[k] = v / this.#examples;
    const s = this.#staleness;
    metrics.updates = s.length;
    metrics.staleness_mean = s.reduce((a, b) => a + b, 0) / s.length;
    metrics.staleness_max = Math.max(...s);
    return {
      parameters: unflatten(layout, next),
      metrics,
      outcomes: this.outcomes,
      staleness: s,
      bytesUp: this.#bytesUp,
    };
  }

  /** A fresh buffer around the new global model (outcomes and sums cleared). */
  next(global: TensorMap): FedBuffBuffer {
    return new FedBuffBuffer(this.#c, global);
  }
}
