/**
 * Label-skewed partitioning with per-class client proportions drawn from a symmetric
 * Dirichlet (Hsu et al. 2019, "Measuring the effects of non-identical data distribution";
 * the scheme used by FedMA, FedLab, Flower Datasets' DirichletPartitioner).
 */
import { EdgefedError } from '../../errors.js';
import { createPrng, type Prng } from '../prng.js';
import { groupByLabel, requireClients, requireInteger, requireMinSize, requirePositive } from './arguments.js';
import { type Partition } from './partition.js';

/** Options for {@link partitionDirichlet}. */
export interface DirichletOptions {
  /** Number of clients, in `[1, numExamples]`. */
  readonly numClients: number;
  /** Concentration (> 0): small (0.1) gives few classes per client, large (100) is close to IID. */
  readonly alpha: number;
  /** Seed for the proportions and the shuffles. */
  readonly seed: number;
  /**
   * Every client must end with at least this many examples (default 1: no empty client;
   * 0 allows empty clients). `minSize * numClients` must not exceed the examples.
   */
  readonly minSize?: number;
  /** Whole draws to try before giving up on `minSize` (default 100, >= 1). */
  readonly maxAttempts?: number;
}

/**
 * For each class `k` (in class order) draw `p_k ~ Dirichlet(alpha, ..., alpha)` over the
 * clients, shuffle that class's examples, and give client `c` the slice between cut
 * points `round(n_k * (p_k0 + ... + p_k(c-1)))` and `round(n_k * (p_k0 + ... + p_kc))`.
 * Every example lands with exactly one client.
 *
 * Minimum size: if some client ends with fewer than `minSize` examples, the whole draw
 * is repeated with the same PRNG stream (so the result still depends only on the seed),
 * up to `maxAttempts` times; then it throws `FAILED_PRECONDITION` with the best minimum
 * reached — raise alpha, lower minSize or use fewer clients. Nothing is moved between
 * clients after the draw, so the label skew is exactly Dirichlet's.
 *
 * Gamma variates are drawn in log space, so tiny alphas (1e-3) do not underflow.
 * Throws `INVALID_ARGUMENT` for alpha <= 0 or non-finite, more clients than examples,
 * an impossible `minSize`, or labels that are not non-negative integers.
 */
export function partitionDirichlet(labels: ArrayLike<number>, options: DirichletOptions): Partition {
  const { numClients, alpha, minSize = 1, maxAttempts = 100 } = options;
  const n = labels.length;
  requireClients(numClients, n);
  requirePositive('alpha', alpha);
  requireMinSize(minSize, numClients, n);
  requireInteger('maxAttempts', maxAttempts, 1);
  const groups = groupByLabel(labels);
  const rng = createPrng(options.seed);
  let best = -1;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const draw = drawOnce(groups, numClients, alpha, rng);
    const smallest = draw.sizes.reduce((a, b) => Math.min(a, b), Infinity);
    if (smallest >= minSize) return assemble(draw, numClients, n);
    best = Math.max(best, smallest);
  }
  throw new EdgefedError(
    'FAILED_PRECONDITION',
    `No Dirichlet(alpha=${alpha}) draw in ${maxAttempts} attempts gave every one of ${numClients} clients ` +
      `>= ${minSize} examples (best minimum ${best}); raise alpha, lower minSize or use fewer clients`,
    { details: { alpha, numClients, minSize, maxAttempts, bestMinimum: best } },
  );
}

interface Draw {
  /** Per class, the shuffled example indices of that class. */
  readonly order: Uint32Array;
  /** Per class k and client c, the cut `cuts[k * (C + 1) + c]` into class k's slice. */
  readonly cuts: Uint32Array;
  readonly starts: Uint32Array;
  readonly sizes: number[];
}

function drawOnce(groups: { order: Uint32Array; starts: Uint32Array }, numClients: number, alpha: number, rng: Prng): Draw {
  const { starts } = groups;
  const order = groups.order.slice();
  const numClasses = starts.length - 1;
  const cuts = new Uint32Array(numClasses * (numClients + 1));
  const sizes = new Array<number>(numClients).fill(0);
  const p = new Float64Array(numClients);
  for (let k = 0; k < numClasses; k++) {
    const begin = starts[k] as number;
    const count = (starts[k + 1] as number) - begin;
    rng.shuffle(order.subarray(begin, begin + count));
    dirichlet(rng, alpha, p);
    let cumulative = 0;
    let previous = 0;
    for (let c = 0; c < numClients; c++) {
      cumulative += p[c] as number;
      const cut = c === numClients - 1 ? count : Math.min(count, Math.round(count * cumulative));
      cuts[k * (numClients + 1) + c + 1] = cut;
      sizes[c] = (sizes[c] as number) + cut - previous;
      previous = cut;
    }
  }
  return { order, cuts, starts, sizes };
}

/** Fills `out` with a symmetric Dirichlet(alpha) sample (softmax of log-Gamma draws). */
function dirichlet(rng: Prng, alpha: number, out: Float64Array): void {
  let max = -Infinity;
  for (let c = 0; c < out.length; c++) {
    const g = rng.logGamma(alpha);
    out[c] = g;
    if (g > max) max = g;
  }
  let sum = 0;
  for (let c = 0; c < out.length; c++) {
    const e = Math.exp((out[c] as number) - max);
    out[c] = e;
    sum += e;
  }
  for (let c = 0; c < out.length; c++) out[c] = (out[c] as number) / sum;
}

function assemble(draw: Draw, numClients: number, n: number): Partition {
  const numClasses = draw.starts.length - 1;
  const offsets = new Uint32Array(numClients + 1);
  for (let c = 0; c < numClients; c++) offsets[c + 1] = (offsets[c] as number) + (draw.sizes[c] as number);
  const indices = new Uint32Array(n);
  const fill = offsets.slice(0, numClients);
  for (let c = 0; c < numClients; c++) {
    for (let k = 0; k < numClasses; k++) {
      const base = draw.starts[k] as number;
      const from = base + (draw.cuts[k * (numClients + 1) + c] as number);
      const to = base + (draw.cuts[k * (numClients + 1) + c + 1] as number);
      indices.set(draw.order.subarray(from, to), fill[c]);
      fill[c] = (fill[c] as number) + (to - from);
    }
  }
  return { numClients, indices, offsets };
}
