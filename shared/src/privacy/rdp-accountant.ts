/**
 * Privacy accounting with Renyi differential privacy (RDP): the RDP of the sampled Gaussian
 * mechanism at integer orders (Mironov, Talwar & Zhang 2019, "Renyi Differential Privacy of
 * the Sampled Gaussian Mechanism", section 3.3), composition by adding RDP curves, and
 * conversion to (epsilon, delta)-DP. One federated round with sampling rate q and noise
 * multiplier sigma is one step of the mechanism.
 */
import { EdgefedError } from '../errors.js';

/** The orders the accountant tracks by default: the integers 2..256. */
export const DEFAULT_RDP_ORDERS: readonly number[] = Array.from({ length: 255 }, (_, i) => i + 2);

/** One kind of step: `steps` rounds, each sampling clients with rate `samplingRate`. */
export interface SampledGaussianStep {
  /** Probability that a given client takes part in a round, in [0, 1]. */
  readonly samplingRate: number;
  /** Noise std divided by the clipping norm (sensitivity), > 0. */
  readonly noiseMultiplier: number;
  /** Number of such rounds (integer >= 0; default 1). */
  readonly steps?: number;
}

/** How RDP becomes (epsilon, delta). */
export type RdpConversion =
  /** Canonne, Kamath & Steinke (2020), Prop. 12: tighter; what TF-Privacy and Opacus use today. */
  | 'improved'
  /** Mironov (2017), Prop. 3: `rdp + log(1/delta) / (alpha - 1)`; older published tables use it. */
  | 'classic';

function invalid(message: string, details: Record<string, unknown> = {}): EdgefedError {
  return new EdgefedError('INVALID_ARGUMENT', message, { details });
}

function checkOrders(orders: readonly number[]): void {
  if (orders.length === 0) throw invalid('At least one RDP order is needed');
  for (const a of orders) {
    if (!Number.isInteger(a) || a < 2 || a > 100_000) {
      throw invalid(`RDP orders must be integers in [2, 100000], got ${String(a)}`, { order: a });
    }
  }
}

function checkStep(step: SampledGaussianStep): number {
  const { samplingRate: q, noiseMultiplier: sigma, steps = 1 } = step;
  if (typeof q !== 'number' || !(q >= 0 && q <= 1))
    throw invalid(`samplingRate must be in [0, 1], got ${String(q)}`);
  if (typeof sigma !== 'number' || !Number.isFinite(sigma) || sigma <= 0) {
    throw invalid(`noiseMultiplier must be a finite number > 0, got ${String(sigma)}`);
  }
  if (!Number.isSafeInteger(steps) || steps < 0)
    throw invalid(`steps must be an integer >= 0, got ${String(steps)}`);
  return steps;
}

/**
 * log(A_alpha) for integer alpha >= 2: A_alpha = sum_k C(alpha, k) (1-q)^(alpha-k) q^k
 * exp((k^2 - k) / (2 sigma^2)), summed in log space (log-sum-exp) so large orders and small
 * sigmas neither overflow nor underflow. Requires 0 < q < 1.
 */
function logA(q: number, sigma: number, alpha: number): number {
  const logQ = Math.log(q);
  const log1mQ = Math.log1p(-q);
  const terms = new Float64Array(alpha + 1);
  let logBinom = 0; // log C(alpha, 0)
  let max = Number.NEGATIVE_INFINITY;
  for (let k = 0; k <= alpha; k++) {
    if (k > 0) logBinom += Math.log((alpha - k + 1) / k);
    const t = logBinom + k * logQ + (alpha - k) * log1mQ + (k * k - k) / (2 * sigma * sigma);
    terms[k] = t;
    if (t > max) max = t;
  }
  let sum = 0;
  for (const t of terms) sum += Math.exp(t - max);
  return max + Math.log(sum);
}

/**
 * The RDP (one value per order) of ONE step of the sampled Gaussian mechanism with sampling
 * rate q and noise multiplier sigma, at each integer order alpha: log(A_alpha) / (alpha - 1).
 * Edge cases: q = 0 gives 0 at every order (nobody's data is used); q = 1 gives the plain
 * Gaussian mechanism's alpha / (2 sigma^2) exactly. Throws `INVALID_ARGUMENT` for q outside
 * [0, 1], sigma not finite or <= 0, or orders that are not integers in [2, 100000].
 */
export function sampledGaussianRdp(
  step: Omit<SampledGaussianStep, 'steps'>,
  orders: readonly number[] = DEFAULT_RDP_ORDERS,
): Float64Array {
  checkOrders(orders);
  checkStep(step);
  const { samplingRate: q, noiseMultiplier: sigma } = step;
  return Float64Array.from(orders, (alpha) => {
    if (q === 0) return 0;
    if (q === 1) return alpha / (2 * sigma * sigma);
    return Math.max(0, logA(q, sigma, alpha) / (alpha - 1));
  });
}

/** (epsilon, delta) from an RDP curve, and the order that gave it. */
export interface PrivacySpent {
  readonly epsilon: number;
  readonly delta: number;
  /** The order alpha at which the bound is tightest. */
  readonly order: number;
}

/** Options for {@link epsilonFromRdp}. */
export interface EpsilonOptions {
  readonly orders: readonly number[];
  /** RDP at each order (same length as `orders`), every value >= 0. */
  readonly rdp: ArrayLike<number>;
  /** Target delta in (0, 1). */
  readonly delta: number;
  /** Default `improved`. */
  readonly conversion?: RdpConversion;
}

function epsilonAt(alpha: number, r: number, delta: number, conversion: RdpConversion): number {
  if (conversion === 'classic') return r + Math.log(1 / delta) / (alpha - 1);
  // delta <= sqrt(1 - exp(-KL)) already holds: the pair is (0, delta)-DP.
  if (delta * delta + Math.expm1(-r) >= 0) return 0;
  return r + Math.log1p(-1 / alpha) - Math.log(delta * alpha) / (alpha - 1);
}

/**
 * The smallest epsilon over the orders such that the mechanism is (epsilon, delta)-DP.
 * Edge cases: an all-zero curve gives epsilon 0; an infinite RDP value only rules its order
 * out (all infinite gives Infinity). Throws `INVALID_ARGUMENT` when lengths differ, a value
 * is negative or NaN, or delta is not in (0, 1).
 */
export function epsilonFromRdp(options: EpsilonOptions): PrivacySpent {
  const { orders, rdp, delta, conversion = 'improved' } = options;
  checkOrders(orders);
  if (rdp.length !== orders.length) throw invalid(`${rdp.length} RDP values for ${orders.length} orders`);
  if (typeof delta !== 'number' || !(delta > 0 && delta < 1))
    throw invalid(`delta must be in (0, 1), got ${String(delta)}`);
  let best = { epsilon: Number.POSITIVE_INFINITY, delta, order: orders[0] as number };
  orders.forEach((alpha, i) => {
    const r = rdp[i] as number;
    if (!(r >= 0)) throw invalid(`RDP must be >= 0, got ${String(r)} at order ${alpha}`);
    const eps = epsilonAt(alpha, r, delta, conversion);
    if (eps < best.epsilon) best = { epsilon: Math.max(0, eps), delta, order: alpha };
  });
  return best;
}

/**
 * Accumulates the RDP of a sequence of rounds (composition: RDP curves add up) and converts
 * the total to (epsilon, delta). Rounds may differ in sampling rate and noise multiplier.
 * Edge cases: a fresh accountant reports epsilon 0; `steps: 0` changes nothing; invalid
 * steps throw `INVALID_ARGUMENT` before the total is changed.
 */
export class RdpAccountant {
  readonly orders: readonly number[];
  readonly #rdp: Float64Array;

  /** `rdp` resumes a saved total (from {@link RdpAccountant.rdp}); it must match `orders`. */
  constructor(orders: readonly number[] = DEFAULT_RDP_ORDERS, rdp?: ArrayLike<number>) {
    checkOrders(orders);
    this.orders = [...orders];
    this.#rdp = new Float64Array(orders.length);
    if (rdp !== undefined) {
      if (rdp.length !== orders.length) throw invalid(`${rdp.length} RDP values for ${orders.length} orders`);
      for (let i = 0; i < rdp.length; i++) {
        const r = rdp[i] as number;
        if (!(r >= 0)) throw invalid(`RDP must be >= 0, got ${String(r)}`);
        this.#rdp[i] = r;
      }
    }
  }

  /** Adds `steps` rounds of the sampled Gaussian mechanism. */
  compose(step: SampledGaussianStep): void {
    const steps = checkStep(step);
    if (steps === 0) return;
    const one = sampledGaussianRdp(step, this.orders);
    for (let i = 0; i < one.length; i++) this.#rdp[i] = (this.#rdp[i] as number) + steps * (one[i] as number);
  }

  /** A copy of the accumulated RDP, one value per order. */
  get rdp(): Float64Array {
    return this.#rdp.slice();
  }

  /** The privacy spent so far at `delta` (see {@link epsilonFromRdp}). */
  spent(delta: number, conversion: RdpConversion = 'improved'): PrivacySpent {
    return epsilonFromRdp({ orders: this.orders, rdp: this.#rdp, delta, conversion });
  }
}
