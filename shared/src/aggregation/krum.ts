/**
 * Krum and multi-Krum (Blanchard et al. 2017): Byzantine-robust selection of updates. Each
 * update is scored by the sum of squared distances to its n - f - 2 nearest neighbours; the
 * lowest-scoring update (Krum) or the `keep` lowest (multi-Krum) are selected. Needs all n
 * updates at once and O(n^2 x model) time; the guarantee holds for n > 2f + 2.
 */
import { EdgefedError } from '../errors.js';

/** Options for {@link krumSelect}. */
export interface KrumOptions {
  /** n updates, each the float32 data of every tensor in one common layout order. */
  readonly updates: readonly (readonly Float32Array[])[];
  /** f: how many updates may be Byzantine (integer >= 0). */
  readonly byzantine: number;
  /** How many updates to select (integer >= 1): 1 is Krum, more is multi-Krum. */
  readonly keep: number;
}

/** Squared Euclidean distance between two updates (accumulated in float64). */
export function squaredDistance(a: readonly Float32Array[], b: readonly Float32Array[]): number {
  let sum = 0;
  for (let t = 0; t < a.length; t++) {
    const x = a[t] ?? new Float32Array(0);
    const y = b[t] ?? x;
    for (let i = 0; i < x.length; i++) {
      const d = (x[i] ?? 0) - (y[i] ?? 0);
      sum += d * d;
    }
  }
  return sum;
}

/** The n x n matrix of squared distances between updates (row-major, float64, zero diagonal). */
export function pairwiseSquaredDistances(updates: readonly (readonly Float32Array[])[]): Float64Array {
  const n = updates.length;
  const dist = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const d = squaredDistance(updates[i] ?? [], updates[j] ?? []);
      dist[i * n + j] = d;
      dist[j * n + i] = d;
    }
  }
  return dist;
}

/**
 * Krum scores of the updates in `active` (indices into an n x n distance matrix): for each,
 * the sum of squared distances to its max(1, |active| - f - 2) nearest other active updates.
 * A single active update scores 0.
 */
export function krumScoresAmong(
  dist: Float64Array,
  n: number,
  active: readonly number[],
  byzantine: number,
): number[] {
  const closest = Math.max(1, active.length - byzantine - 2);
  return active.map((i) => {
    const others = active.filter((j) => j !== i).map((j) => dist[i * n + j] ?? 0);
    others.sort((a, b) => a - b);
    return others.slice(0, closest).reduce((s, d) => s + d, 0);
  });
}

/** Krum scores: for each update, the sum of squared distances to its max(1, n - f - 2) nearest others. */
export function krumScores(updates: readonly (readonly Float32Array[])[], byzantine: number): number[] {
  const n = updates.length;
  return krumScoresAmong(
    pairwiseSquaredDistances(updates),
    n,
    Array.from({ length: n }, (_, i) => i),
    byzantine,
  );
}

/**
 * Indices of the selected updates, lowest score first (ties: lower index first). Selects
 * min(keep, n). Throws `INVALID_ARGUMENT` for no updates or bad `byzantine`/`keep`.
 * With n <= 2f + 2 it still selects, but Krum's robustness guarantee does not hold.
 */
export function krumSelect(options: KrumOptions): number[] {
  const { updates, byzantine, keep } = options;
  if (updates.length === 0) throw new EdgefedError('INVALID_ARGUMENT', 'Krum needs at least one update');
  if (!Number.isInteger(byzantine) || byzantine < 0 || !Number.isInteger(keep) || keep < 1) {
    throw new EdgefedError('INVALID_ARGUMENT', `Bad Krum parameters f = ${byzantine}, keep = ${keep}`);
  }
  const scores = krumScores(updates, byzantine);
  return scores
    .map((score, index) => ({ score, index }))
    .sort((a, b) => a.score - b.score || a.index - b.index)
    .slice(0, Math.min(keep, updates.length))
    .map((s) => s.index);
}
