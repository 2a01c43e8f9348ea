/**
 * PartialAggregate: what one coordinator node of a cluster keeps of its own clients' updates
 * in a round (hierarchical aggregation, issue #16). Each validated update is folded in as it
 * arrives — `sum += w * update` in Float64, plus the weight, the contributor count, the
 * client id and the example-weighted sums of its metrics — so a node holds O(model), never O(clients x model). Partials from several
 * nodes merge into one (commutative; associative up to Float64 rounding of the sums), and the
 * merged partial finalizes to the {@link AggregateMeanInput} that `Strategy.aggregateMean`
 * takes: the same entry the secure-aggregation round uses.
 *
 * Two weightings, fixed when the partial is created and carried with it:
 * - example-weighted (default): w = the result's example count (already bounded by the
 *   coordinator's trust bounds), as FedAvg, FedAvgM, FedProx, FedAdam, FedYogi, FedAdagrad;
 * - DP (`clipNorm` set): each update is clipped to an L2 norm of at most `clipNorm` and
 *   added with w = 1, exactly as DP-FedAvg's server-side `ClippedSum` does, so the leader's
 *   `aggregateMean` adds the noise once to the sum of every node's clipped updates.
 *
 * The encoding for the wire is in partial-codec.ts.
 */
import { EdgefedError } from '../errors.js';
import { sumOfSquares } from '../privacy/clip.js';
import { assertExampleCount, assertFiniteMetrics } from '../strategy/metrics.js';
import type { AggregateMeanInput, Failure, Metrics } from '../strategy/types.js';
import type { TensorMap } from '../tensor/tensor.js';
import { assertFinite, layoutData, tensorLayout, type TensorLayout } from './layout.js';

/** Options of {@link PartialAggregate}. */
export interface PartialAggregateOptions {
  /** The round the partial belongs to (integer >= 0); partials of other rounds do not merge. */
  readonly round: number;
  /** DP-FedAvg mode: clip every update to this L2 norm and weigh it 1 (finite, > 0). */
  readonly clipNorm?: number | undefined;
}

/** The raw parts of a partial, as the codec reads and writes them. */
export interface PartialAggregateParts {
  readonly round: number;
  readonly layout: TensorLayout;
  /** 0 for example weighting; the clip norm in DP mode. */
  readonly clipNorm: number;
  /** Client id -> its example count (the bounded weight the coordinator accepted). */
  readonly clients: ReadonlyMap<string, number>;
  /** `sum(w * update)` over the clients, flat in layout order (length `layout.size`). */
  readonly sum: Float64Array;
  /** Client metrics: key -> sum of value x example count, and the sum of those counts. */
  readonly metrics?: ReadonlyMap<string, MetricSum>;
}

/** One metric key's example-weighted sum over the clients that reported it. */
export interface MetricSum {
  readonly sum: number;
  /** The example counts of the clients that reported the key (> 0). */
  readonly weight: number;
}

function checkRound(round: number): void {
  if (!Number.isSafeInteger(round) || round < 0 || round > 0xffffffff) {
    throw new EdgefedError('INVALID_ARGUMENT', `Bad round ${String(round)}`);
  }
}

/** True when two layouts have the same names, order and shapes. */
export function sameLayout(a: TensorLayout, b: TensorLayout): boolean {
  return (
    a.size === b.size &&
    a.entries.length === b.entries.length &&
    a.entries.every((e, i) => {
      const f = b.entries[i];
      return f !== undefined && f.name === e.name && f.shape.join(',') === e.shape.join(',');
    })
  );
}

/**
 * One node's fold of its clients' updates for one round; see the file comment.
 *
 * Edge cases: {@link add} checks, before touching the sum, that the client has not been
 * added (`DUPLICATE_RESULT`), that the example count is an integer > 0 (`INVALID_ARGUMENT`),
 * that its metrics are finite (`NON_FINITE`),
 * then the update's names, order, dtype and shapes (`NAME_MISMATCH` / `DTYPE_MISMATCH` /
 * `SHAPE_MISMATCH`) and finiteness (`NON_FINITE`): a rejected update leaves the partial as it
 * was. {@link merge} refuses partials of another round or weighting (`FAILED_PRECONDITION`),
 * of another layout (`SHAPE_MISMATCH`), and partials that share a client id
 * (`DUPLICATE_RESULT`, the ids in `details.clients`): an update is never counted twice.
 * {@link toMeanInput} on an empty partial throws `QUORUM_NOT_MET`.
 */
export class PartialAggregate {
  readonly round: number;
  readonly layout: TensorLayout;
  /** 0: example-weighted; > 0: DP mode with this clip norm. */
  readonly clipNorm: number;
  readonly #sum: Float64Array;
  readonly #clients = new Map<string, number>();
  readonly #metrics = new Map<string, { sum: number; weight: number }>();

  /** An empty partial for the layout of `reference` (usually the round's global model). */
  constructor(reference: TensorMap | TensorLayout, options: PartialAggregateOptions) {
    checkRound(options.round);
    const clip = options.clipNorm;
    if (clip !== undefined && !(Number.isFinite(clip) && clip > 0)) {
      throw new EdgefedError('INVALID_ARGUMENT', `clipNorm must be a finite number > 0, got ${String(clip)}`);
    }
    this.round = options.round;
    this.layout = reference instanceof Map ? tensorLayout(reference) : (reference as TensorLayout);
    this.clipNorm = clip ?? 0;
    this.#sum = new Float64Array(this.layout.size);
  }

  /**
   * Rebuilds a partial from its parts (the codec's decoder). Checks the parts as {@link add}
   * would (weights integers > 0, sum finite and of the layout's size); takes `sum` as is.
   */
  static fromParts(parts: PartialAggregateParts): PartialAggregate {
    const p = new PartialAggregate(parts.layout, {
      round: parts.round,
      clipNorm: parts.clipNorm === 0 ? undefined : parts.clipNorm,
    });
    if (parts.sum.length !== p.layout.size) {
      throw new EdgefedError('SHAPE_MISMATCH', `Sum has ${parts.sum.length} values, layout ${p.layout.size}`);
    }
    if (!isAllFinite64(parts.sum)) throw new EdgefedError('NON_FINITE', 'Partial sum holds NaN or Infinity');
    for (const [id, weight] of parts.clients) {
      assertExampleCount(weight);
      p.#clients.set(id, weight);
    }
    p.#sum.set(parts.sum);
    for (const [key, m] of parts.metrics ?? []) {
      if (!(Number.isFinite(m.sum) && Number.isFinite(m.weight) && m.weight > 0)) {
        throw new EdgefedError('NON_FINITE', `Metric "${key}" has sum ${m.sum} and weight ${m.weight}`);
      }
      p.#metrics.set(key, { sum: m.sum, weight: m.weight });
    }
    return p;
  }

  /** Number of updates folded in. */
  get contributors(): number {
    return this.#clients.size;
  }

  /** The contributing client ids, sorted. */
  get clientIds(): string[] {
    return [...this.#clients.keys()].sort(byId);
  }

  /** Client id -> example count, in sorted id order (a copy). */
  get clients(): Map<string, number> {
    return new Map(this.clientIds.map((id) => [id, this.#clients.get(id) ?? 0]));
  }

  /** The weight each client's update was folded with: its example count, or 1 in DP mode. */
  foldWeight(exampleCount: number): number {
    return this.clipNorm > 0 ? 1 : exampleCount;
  }

  /** Sum of the fold weights, added in sorted id order (the same whatever the merge order). */
  get totalWeight(): number {
    let total = 0;
    for (const id of this.clientIds) total += this.foldWeight(this.#clients.get(id) ?? 0);
    return total;
  }

  /** Sum of the example counts (metrics; in DP mode the fold weight is 1 each). */
  get totalExamples(): number {
    let total = 0;
    for (const id of this.clientIds) total += this.#clients.get(id) ?? 0;
    return total;
  }

  /** A copy of the weighted sum (flat, layout order). */
  sumCopy(): Float64Array {
    return this.#sum.slice();
  }

  /** The metric sums (a copy), keys sorted. */
  get metricSums(): Map<string, MetricSum> {
    const keys = [...this.#metrics.keys()].sort(byId);
    return new Map(keys.map((k) => [k, { ...(this.#metrics.get(k) as MetricSum) }]));
  }

  /**
   * The example-weighted mean of each client metric over the clients that reported it, as
   * the single-node strategies report them (`MetricsAccumulator`); keys sorted.
   */
  metricsMean(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [key, m] of this.metricSums) out[key] = m.sum / m.weight;
    return out;
  }

  /** True when `clientId` is already in this partial. */
  has(clientId: string): boolean {
    return this.#clients.has(clientId);
  }

  /**
   * Folds one validated result in; throws (nothing changed) as described on the class. The
   * caller may reuse the update's buffers once this returns.
   */
  add(clientId: string, update: TensorMap, exampleCount: number, metrics?: Metrics): void {
    if (typeof clientId !== 'string' || clientId.length === 0) {
      throw new EdgefedError('INVALID_ARGUMENT', 'Empty client id');
    }
    if (this.#clients.has(clientId)) {
      throw new EdgefedError('DUPLICATE_RESULT', `Client "${clientId}" already delivered a result`);
    }
    assertExampleCount(exampleCount);
    assertFiniteMetrics(metrics);
    const data = layoutData(this.layout, update);
    assertFinite(this.layout, data);
    let w = exampleCount;
    if (this.clipNorm > 0) {
      const norm = Math.sqrt(sumOfSquares(data));
      w = norm > this.clipNorm ? this.clipNorm / norm : 1;
    }
    const sum = this.#sum;
    this.layout.entries.forEach((e, t) => {
      const d = data[t] as Float32Array;
      for (let i = 0; i < e.size; i++)
        sum[e.offset + i] = (sum[e.offset + i] as number) + w * (d[i] as number);
    });
    this.#clients.set(clientId, exampleCount);
    for (const [key, value] of Object.entries(metrics ?? {})) {
      const m = this.#metrics.get(key) ?? { sum: 0, weight: 0 };
      m.sum += value * exampleCount;
      m.weight += exampleCount;
      this.#metrics.set(key, m);
    }
  }

  /** Adds `other` into this partial; throws (nothing changed) as described on the class. */
  merge(other: PartialAggregate): void {
    if (other.round !== this.round) {
      throw new EdgefedError(
        'FAILED_PRECONDITION',
        `Partial of round ${other.round} into round ${this.round}`,
      );
    }
    if (other.clipNorm !== this.clipNorm) {
      throw new EdgefedError(
        'FAILED_PRECONDITION',
        `Partials with different weighting (clipNorm ${other.clipNorm} and ${this.clipNorm})`,
      );
    }
    if (!sameLayout(this.layout, other.layout)) {
      throw new EdgefedError('SHAPE_MISMATCH', 'Partials of different model layouts');
    }
    const shared = other.clientIds.filter((id) => this.#clients.has(id));
    if (shared.length > 0) {
      throw new EdgefedError(
        'DUPLICATE_RESULT',
        `${shared.length} client(s) in both partials (${shared.slice(0, 5).join(', ')}): an update is never counted twice`,
        { details: { clients: shared.slice(0, 100) } },
      );
    }
    const a = this.#sum;
    const b = other.#sum;
    for (let i = 0; i < a.length; i++) a[i] = (a[i] as number) + (b[i] as number);
    for (const [id, w] of other.#clients) this.#clients.set(id, w);
    for (const [key, o] of other.#metrics) {
      const m = this.#metrics.get(key) ?? { sum: 0, weight: 0 };
      this.#metrics.set(key, { sum: m.sum + o.sum, weight: m.weight + o.weight });
    }
  }

  /** A new partial holding every part of `parts` (at least one; see {@link merge}). */
  static mergeAll(parts: readonly PartialAggregate[]): PartialAggregate {
    const first = parts[0];
    if (first === undefined) throw new EdgefedError('INVALID_ARGUMENT', 'Nothing to merge');
    const out = new PartialAggregate(first.layout, {
      round: first.round,
      clipNorm: first.clipNorm === 0 ? undefined : first.clipNorm,
    });
    for (const p of parts) out.merge(p);
    return out;
  }

  /**
   * The input of `Strategy.aggregateMean`: the mean `sum / totalWeight` rounded once to
   * float32, the contributor count and the total fold weight. `global` must have this
   * partial's layout (`SHAPE_MISMATCH` / `NAME_MISMATCH`); an empty partial throws
   * `QUORUM_NOT_MET` (with the failures in `details`).
   */
  toMeanInput(input: { global: TensorMap; failures?: readonly Failure[] }): AggregateMeanInput {
    const failures = input.failures ?? [];
    if (!sameLayout(this.layout, tensorLayout(input.global))) {
      throw new EdgefedError('SHAPE_MISMATCH', 'The global model does not have the partial layout');
    }
    if (this.contributors === 0) {
      throw new EdgefedError('QUORUM_NOT_MET', 'No update in the partial aggregate', {
        details: { accepted: 0, failures: [...failures] },
      });
    }
    const total = this.totalWeight;
    const mean = new Float32Array(this.layout.size);
    for (let i = 0; i < mean.length; i++) mean[i] = (this.#sum[i] as number) / total;
    return {
      round: this.round,
      global: input.global,
      mean,
      contributors: this.contributors,
      totalWeight: total,
      failures,
    };
  }
}

function byId(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isAllFinite64(data: Float64Array): boolean {
  let z = 0;
  for (let i = 0; i < data.length; i++) z += (data[i] as number) * 0;
  return z === 0;
}
