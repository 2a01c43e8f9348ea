/**
 * Bulyan (El Mhamdi, Guerraoui and Rouault 2018): Krum applied recursively selects
 * theta = n - 2f updates (each pick is the lowest Krum score among those not yet picked,
 * scored against the remaining set), then each coordinate is the trimmed mean of the theta
 * selected values with f cut from each side (beta = theta - 2f = n - 4f values averaged).
 * Needs n >= 4f + 3 for its guarantee. Memory: all n updates (O(n x model)) plus an n x n
 * distance matrix and O(theta x blockSize) column scratch; time O(n^2 x model) for the
 * distances plus O(theta x n^2 log n) for the recursive selection.
 */
import { EdgefedError } from '../errors.js';
import { reduceColumns } from './column-blocks.js';
import { krumScoresAmong, pairwiseSquaredDistances } from './krum.js';
import type { TensorLayout } from './layout.js';
import { trimmedMeanReducer } from './trimmed-mean.js';

/** Fewest updates Bulyan needs for `byzantine` = f: 4f + 3 (any n >= 1 when f = 0). */
export function bulyanMinUpdates(byzantine: number): number {
  return byzantine === 0 ? 1 : 4 * byzantine + 3;
}

/**
 * Indices of the theta = n - 2f updates recursive Krum selects, in selection order (ties:
 * lower index first). Throws `INVALID_ARGUMENT` for a bad f and `FAILED_PRECONDITION`
 * (details: n, byzantine, required) when n < {@link bulyanMinUpdates}.
 */
export function bulyanSelect(updates: readonly (readonly Float32Array[])[], byzantine: number): number[] {
  const n = updates.length;
  if (!Number.isInteger(byzantine) || byzantine < 0) {
    throw new EdgefedError('INVALID_ARGUMENT', `Bad Bulyan parameter f = ${String(byzantine)}`);
  }
  const required = bulyanMinUpdates(byzantine);
  if (n < required) {
    throw new EdgefedError(
      'FAILED_PRECONDITION',
      `Bulyan with f = ${byzantine} needs >= ${required} updates, got ${n}`,
      {
        details: { n, byzantine, required },
      },
    );
  }
  // f = 0: theta = n, every update is selected; skip the O(n^3 log n) recursion
  if (byzantine === 0) return Array.from({ length: n }, (_, i) => i);
  const dist = pairwiseSquaredDistances(updates);
  const active = Array.from({ length: n }, (_, i) => i);
  const picked: number[] = [];
  while (picked.length < n - 2 * byzantine) {
    const scores = krumScoresAmong(dist, n, active, byzantine);
    let best = 0;
    for (let k = 1; k < scores.length; k++) if ((scores[k] ?? 0) < (scores[best] ?? 0)) best = k;
    picked.push(active[best] ?? 0);
    active.splice(best, 1);
  }
  return picked;
}

/** Options for {@link bulyanAggregate}. */
export interface BulyanOptions {
  readonly layout: TensorLayout;
  /** n updates in layout order (validated: names, shapes, finite). */
  readonly updates: readonly (readonly Float32Array[])[];
  /** f: the number of Byzantine updates tolerated. */
  readonly byzantine: number;
  /** Coordinates per column block (integer >= 1). */
  readonly blockSize: number;
}

/** The Bulyan aggregate (unweighted), flat in layout order; errors as {@link bulyanSelect}. */
export function bulyanAggregate(options: BulyanOptions): Float64Array {
  const picked = bulyanSelect(options.updates, options.byzantine);
  return reduceColumns({
    layout: options.layout,
    updates: picked.map((i) => options.updates[i] ?? []),
    reduce: trimmedMeanReducer(options.byzantine),
    blockSize: options.blockSize,
  });
}
