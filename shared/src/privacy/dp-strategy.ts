/**
 * withDifferentialPrivacy: central differential privacy for any averaging strategy, added by
 * wrapping it (as Flower's DifferentialPrivacyServerSideFixedClipping does) rather than by
 * editing it. DP-FedAvg (McMahan et al. 2018) with fixed clipping: every update is clipped
 * on the server, the clipped updates are averaged with equal weight, Gaussian noise is added
 * to that mean, and only then does the inner strategy take its step (FedAvg's `x + delta`,
 * FedAdam's adaptive step ...), so its output is post-processing of a private value.
 */
import { assertFinite, layoutData, tensorLayout, unflatten } from '../aggregation/layout.js';
import { EdgefedError } from '../errors.js';
import { checkStateHeader } from '../strategy/base-strategy.js';
import { consumeResults } from '../strategy/intake.js';
import type {
  AggregateEvaluateInput,
  AggregateFitInput,
  AggregateMeanInput,
  ConfigureInput,
  EvaluateAggregate,
  EvaluatePlan,
  FitAggregate,
  FitPlan,
  FitResult,
  Strategy,
  StrategyMemory,
  StrategyState,
} from '../strategy/types.js';
import { assertClipNorm } from './clip.js';
import { ClippedSum } from './clipped-sum.js';
import { secureNormalSource, seededNormalSource, type NormalSource } from './gaussian-noise.js';
import { DEFAULT_RDP_ORDERS, RdpAccountant } from './rdp-accountant.js';
import { readDpState, writeDpState } from './dp-state.js';

/** Options of {@link withDifferentialPrivacy}. */
export interface DifferentialPrivacyOptions {
  /** L2 bound C on each client's update (> 0). Also sent to clients as the `clipNorm` hyper-parameter. */
  readonly clipNorm: number;
  /** sigma: the noise on the sum of clipped updates has std sigma x C (> 0). */
  readonly noiseMultiplier: number;
  /** The delta of the `epsilon` metric (default 1e-5). */
  readonly delta?: number | undefined;
  /**
   * Seeds the noise (stream = round) for reproducible simulations. Omitted (the default for
   * real deployments): noise comes from the platform CSPRNG. A seeded run is NOT private.
   */
  readonly seed?: number | undefined;
  /** Fixed denominator m: the noised mean is `(sum + noise) / m`. Omitted: the number of accepted updates. */
  readonly expectedClients?: number | undefined;
  /**
   * Sampling rate q for the accountant. Omitted: selected / eligible clients of the latest
   * `configureFit`, or 1 (the most conservative value) when `aggregateFit` runs without one.
   */
  readonly samplingRate?: number | undefined;
}

function invalidOption(message: string): EdgefedError {
  return new EdgefedError('INVALID_ARGUMENT', message);
}

function checkOptions(inner: Strategy, o: DifferentialPrivacyOptions): void {
  assertClipNorm(o.clipNorm);
  if (!Number.isFinite(o.noiseMultiplier) || o.noiseMultiplier <= 0) {
    throw invalidOption(`noiseMultiplier must be a finite number > 0, got ${String(o.noiseMultiplier)}`);
  }
  if (o.delta !== undefined && !(o.delta > 0 && o.delta < 1)) throw invalidOption(`delta must be in (0, 1)`);
  if (
    o.expectedClients !== undefined &&
    (!Number.isSafeInteger(o.expectedClients) || o.expectedClients < 1)
  ) {
    throw invalidOption(`expectedClients must be an integer >= 1, got ${String(o.expectedClients)}`);
  }
  if (o.samplingRate !== undefined && !(o.samplingRate > 0 && o.samplingRate <= 1)) {
    throw invalidOption(`samplingRate must be in (0, 1], got ${String(o.samplingRate)}`);
  }
  if (inner.memory.kind !== 'streaming') {
    throw invalidOption(
      `${inner.name} is a robust (buffered) strategy: its output is not a mean, so noise calibrated ` +
        'to the mean gives no guarantee. Wrap an averaging strategy (fedavg, fedavgm, fedprox, fedadam, ...)',
    );
  }
}

/**
 * Wraps `inner` (an averaging strategy) with central DP; see the file comment and
 * docs/privacy.md.
 *
 * - `configureFit` is the inner plan plus the hyper-parameter `clipNorm` (clients clip too;
 *   it replaces any `clipNorm` in the inner's hyper-parameters). It records the sampling rate
 *   q = selected / eligible for the accountant.
 * - `aggregateFit` validates and clips every update itself (never trusting clients), sums
 *   them in Float64 with equal weight (example counts do not weight the model), adds
 *   N(0, (sigma C)^2) to the sum and divides by n (accepted count, or `expectedClients`):
 *   the mean's noise std is sigma C / n. The inner strategy then aggregates every accepted
 *   client's result with its example count and metrics but with the update replaced by that
 *   noised mean, so an averaging inner's aggregate delta is exactly the noised mean; its
 *   quorum, failures and metrics work as usual. Rejected results (NaN, wrong shapes,
 *   duplicates, bad example counts) become failures with the same codes as the built-in
 *   strategies. The metrics gain `epsilon` (spent so far, at `delta`, including this round)
 *   and `dpNoiseStd` (std of the noise on the mean).
 * - A round that throws (QUORUM_NOT_MET, ...) neither spends privacy nor changes state.
 * - `getState`/`restore` carry the inner state plus the accountant (rounds and RDP); state
 *   of another strategy or without the privacy part is refused with `FAILED_PRECONDITION`.
 * - Client metrics (loss, accuracy) are averaged WITHOUT noise and are not covered by epsilon.
 *
 * Throws `INVALID_ARGUMENT` for bad options and for a buffered (robust) inner strategy, and
 * `UNSUPPORTED` when no seed is given and the runtime has no Web Crypto.
 */
export function withDifferentialPrivacy(inner: Strategy, options: DifferentialPrivacyOptions): Strategy {
  checkOptions(inner, options);
  if (options.seed !== undefined)
    seededNormalSource(options.seed, 0); // validates the seed now
  else secureNormalSource(); // fails now, not mid-run, where there is no Web Crypto
  return new DifferentialPrivacyStrategy(inner, options);
}

class DifferentialPrivacyStrategy implements Strategy {
  readonly name: string;
  readonly memory: StrategyMemory;
  readonly #inner: Strategy;
  readonly #o: DifferentialPrivacyOptions;
  #accountant = new RdpAccountant(DEFAULT_RDP_ORDERS);
  #rounds = 0;
  #lastSamplingRate: number | undefined;

  constructor(inner: Strategy, options: DifferentialPrivacyOptions) {
    this.#inner = inner;
    this.#o = options;
    this.name = `${inner.name}+dp`;
    this.memory = inner.memory;
  }

  configureFit(input: ConfigureInput): FitPlan {
    const plan = this.#inner.configureFit(input);
    const eligible = input.availableClients.filter((c) => c.capabilities?.eligible !== false).length;
    this.#lastSamplingRate = Math.min(1, plan.clientIds.length / Math.max(1, eligible));
    return { ...plan, hyperParameters: { ...plan.hyperParameters, clipNorm: this.#o.clipNorm } };
  }

  configureEvaluate(input: ConfigureInput): EvaluatePlan {
    return this.#inner.configureEvaluate(input);
  }

  aggregateEvaluate(input: AggregateEvaluateInput): Promise<EvaluateAggregate> {
    return this.#inner.aggregateEvaluate(input);
  }

  async aggregateFit(input: AggregateFitInput): Promise<FitAggregate> {
    const layout = tensorLayout(input.global);
    assertFinite(layout, layoutData(layout, input.global));
    const sum = new ClippedSum(layout, this.#o.clipNorm);
    const kept: Omit<FitResult, 'update'>[] = [];
    const intake = await consumeResults({
      results: input.results,
      failures: input.failures,
      accept: (r) => {
        sum.add(r.update);
        kept.push({
          clientId: r.clientId,
          exampleCount: r.exampleCount,
          ...(r.metrics && { metrics: r.metrics }),
        });
      },
    });
    const denominator = this.#o.expectedClients ?? Math.max(1, intake.accepted);
    const sumStd = this.#o.noiseMultiplier * this.#o.clipNorm;
    const mean = unflatten(
      layout,
      sum.noisedMean({ denominator, sumStd, source: this.#source(input.round) }),
    );
    const out = await this.#inner.aggregateFit({
      round: input.round,
      global: input.global,
      results: kept.map((k) => ({ ...k, update: mean })),
      failures: intake.failures,
    });
    return this.#spend(out, sumStd / denominator);
  }

  /**
   * The secure-aggregation entry: `mean` is the unmasked mean of updates the clients clipped
   * themselves (the server cannot clip what it never sees) with weight 1 each (the secure
   * round folds uniform weights under DP). Noise N(0, (sigma C)^2) is added to the sum
   * `mean x contributors`, divided by the denominator as in `aggregateFit`, and the inner
   * strategy steps on that. Throws `UNSUPPORTED` when the inner strategy has no mean entry.
   */
  async aggregateMean(input: AggregateMeanInput): Promise<FitAggregate> {
    if (this.#inner.aggregateMean === undefined) {
      throw new EdgefedError('UNSUPPORTED', `${this.#inner.name} cannot aggregate a secure mean`);
    }
    const n = input.contributors;
    const denominator = this.#o.expectedClients ?? Math.max(1, n);
    const sumStd = this.#o.noiseMultiplier * this.#o.clipNorm;
    const source = this.#source(input.round);
    const noised = new Float32Array(input.mean.length);
    for (let i = 0; i < noised.length; i++) {
      noised[i] = ((input.mean[i] as number) * n + sumStd * source.normal()) / denominator;
    }
    const out = await this.#inner.aggregateMean({ ...input, mean: noised });
    return this.#spend(out, sumStd / denominator);
  }

  /** Charges one round to the accountant (only after the inner aggregation succeeded). */
  #spend(out: FitAggregate, noiseStd: number): FitAggregate {
    const accountant = new RdpAccountant(this.#accountant.orders, this.#accountant.rdp);
    const samplingRate = this.#o.samplingRate ?? this.#lastSamplingRate ?? 1;
    accountant.compose({ samplingRate, noiseMultiplier: this.#o.noiseMultiplier });
    const epsilon = accountant.spent(this.#o.delta ?? 1e-5).epsilon;
    this.#accountant = accountant;
    this.#rounds++;
    return { ...out, metrics: { ...out.metrics, epsilon, dpNoiseStd: noiseStd } };
  }

  #source(round: number): NormalSource {
    return this.#o.seed === undefined
      ? secureNormalSource()
      : seededNormalSource(this.#o.seed, Math.max(0, round));
  }

  getState(): StrategyState {
    return writeDpState({
      name: this.name,
      inner: this.#inner.getState(),
      rounds: this.#rounds,
      orders: this.#accountant.orders,
      rdp: this.#accountant.rdp,
    });
  }

  restore(state: StrategyState): void {
    checkStateHeader(state, this.name);
    const dp = readDpState(state, this.#inner.name, this.#accountant.orders);
    this.#inner.restore(dp.inner);
    this.#accountant = new RdpAccountant(this.#accountant.orders, dp.rdp);
    this.#rounds = dp.rounds;
  }
}
