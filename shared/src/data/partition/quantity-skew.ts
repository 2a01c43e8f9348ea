/**
 * Quantity-skewed partitioning: clients get very different numbers of examples, but each
 * client's labels are an IID sample (Li et al. 2022, "Federated learning on non-IID data
 * silos: an experimental study", quantity-based skew).
 */
import { createPrng, type Prng } from '../prng.js';
import { apportion, requireClients, requireInteger, requireMinSize, requirePositive } from './arguments.js';
import { partitionFromSizes, type Partition } from './partition.js';

/** How client sizes are distributed. */
export type SizeDistribution =
  /** Proportions `q ~ Dirichlet(alpha, ..., alpha)` over clients; small alpha is more skewed. */
  | { readonly kind: 'dirichlet'; readonly alpha: number }
  /**
   * Weights drawn from a Pareto (power-law) distribution with tail exponent `exponent`
   * (> 0) and scale 1: `w = U^(-1/exponent)`, U uniform in (0, 1]; small exponents give a
   * heavier tail (a few huge clients).
   */
  | { readonly kind: 'power-law'; readonly exponent: number };

/** Options for {@link partitionQuantitySkew}. */
export interface QuantitySkewOptions {
  /** Number of clients, in `[1, numExamples]`. */
  readonly numClients: number;
  readonly sizes: SizeDistribution;
  /** Seed for the sizes and the shuffle. */
  readonly seed: number;
  /** Every client gets at least this many examples (default 1; 0 allows empty clients). */
  readonly minSize?: number;
}

/**
 * Draws one weight per client from `sizes`, then gives each client `minSize` examples
 * plus a share of the remaining `numExamples - minSize * numClients` proportional to its
 * weight (largest-remainder rounding, so sizes add up exactly). Examples are shuffled
 * (seeded) and handed out in consecutive blocks of those sizes, so labels are IID.
 *
 * Throws `INVALID_ARGUMENT` for a negative or fractional `numExamples`, more clients
 * than examples, an impossible `minSize`, or a non-positive alpha/exponent.
 */
export function partitionQuantitySkew(numExamples: number, options: QuantitySkewOptions): Partition {
  const { numClients, minSize = 1 } = options;
  requireInteger('numExamples', numExamples, 0);
  requireClients(numClients, numExamples);
  requireMinSize(minSize, numClients, numExamples);
  const dist = options.sizes;
  requirePositive(dist.kind === 'dirichlet' ? 'alpha' : 'exponent', dist.kind === 'dirichlet' ? dist.alpha : dist.exponent);
  const rng = createPrng(options.seed);
  const weights = drawWeights(rng, dist, numClients);
  const sizes = apportion(numExamples - minSize * numClients, weights);
  for (let c = 0; c < numClients; c++) sizes[c] = (sizes[c] as number) + minSize;
  const order = new Uint32Array(numExamples);
  for (let i = 0; i < numExamples; i++) order[i] = i;
  rng.shuffle(order);
  return partitionFromSizes(order, sizes);
}

function drawWeights(rng: Prng, dist: SizeDistribution, numClients: number): Float64Array {
  const w = new Float64Array(numClients);
  if (dist.kind === 'power-law') {
    for (let c = 0; c < numClients; c++) w[c] = Math.pow(1 - rng.nextFloat(), -1 / dist.exponent);
    return normalizeFinite(w);
  }
  let max = -Infinity;
  for (let c = 0; c < numClients; c++) {
    w[c] = rng.logGamma(dist.alpha);
    max = Math.max(max, w[c] as number);
  }
  for (let c = 0; c < numClients; c++) w[c] = Math.exp((w[c] as number) - max);
  return w;
}

/** Pareto draws with tiny exponents can overflow to Infinity: cap them at the largest finite one. */
function normalizeFinite(w: Float64Array): Float64Array {
  let maxFinite = 1;
  for (const x of w) if (Number.isFinite(x) && x > maxFinite) maxFinite = x;
  for (let c = 0; c < w.length; c++) if (!Number.isFinite(w[c])) w[c] = maxFinite;
  let sum = 0;
  for (const x of w) sum += x;
  if (!Number.isFinite(sum)) for (let c = 0; c < w.length; c++) w[c] = (w[c] as number) / maxFinite;
  return w;
}
