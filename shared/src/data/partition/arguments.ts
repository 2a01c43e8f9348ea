/**
 * Argument checks shared by the partitioners; each throws `INVALID_ARGUMENT`.
 */
import { EdgefedError } from '../../errors.js';

/** Checks `value` is an integer >= `min`. */
export function requireInteger(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new EdgefedError('INVALID_ARGUMENT', `${name} must be an integer >= ${min}, got ${value}`, {
      details: { [name]: value },
    });
  }
}

/** Checks `value` is finite and > 0. */
export function requirePositive(name: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) {
    throw new EdgefedError('INVALID_ARGUMENT', `${name} must be a finite number > 0, got ${value}`, {
      details: { [name]: value },
    });
  }
}

/** Checks `numClients` is an integer in `[1, numExamples]` (every client can get an example). */
export function requireClients(numClients: number, numExamples: number): void {
  requireInteger('numClients', numClients, 1);
  if (numClients > numExamples) {
    throw new EdgefedError('INVALID_ARGUMENT', `${numClients} clients but only ${numExamples} examples`, {
      details: { numClients, numExamples },
    });
  }
}

/** Checks `minSize * numClients <= numExamples` with `minSize` a non-negative integer. */
export function requireMinSize(minSize: number, numClients: number, numExamples: number): void {
  requireInteger('minSize', minSize, 0);
  if (minSize * numClients > numExamples) {
    throw new EdgefedError(
      'INVALID_ARGUMENT',
      `minSize ${minSize} x ${numClients} clients exceeds the ${numExamples} examples`,
      { details: { minSize, numClients, numExamples } },
    );
  }
}

/**
 * Checks every label is a non-negative integer and returns `max(label) + 1` (0 when
 * empty): the number of classes the partitioners work with.
 */
export function labelClassCount(labels: ArrayLike<number>): number {
  let max = -1;
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i] as number;
    if (!Number.isInteger(y) || y < 0) {
      throw new EdgefedError('INVALID_ARGUMENT', `Label ${y} at index ${i} is not a non-negative integer`);
    }
    if (y > max) max = y;
  }
  return max + 1;
}

/**
 * Example indices grouped by label, each group in ascending index order (a stable
 * counting sort): `order` lists class 0's examples, then class 1's, ...; class `k`
 * occupies `order[starts[k] .. starts[k + 1])`.
 */
export function groupByLabel(labels: ArrayLike<number>): { order: Uint32Array; starts: Uint32Array } {
  const numClasses = labelClassCount(labels);
  const starts = new Uint32Array(numClasses + 1);
  for (let i = 0; i < labels.length; i++) {
    const slot = (labels[i] as number) + 1;
    starts[slot] = (starts[slot] as number) + 1;
  }
  for (let k = 0; k < numClasses; k++) starts[k + 1] = (starts[k + 1] as number) + (starts[k] as number);
  const next = starts.slice(0, numClasses);
  const order = new Uint32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i] as number;
    order[next[y] as number] = i;
    next[y] = (next[y] as number) + 1;
  }
  return { order, starts };
}

/**
 * Splits `total` into integer parts proportional to `weights` (largest-remainder
 * rounding): the parts add up to exactly `total`. Weights must be finite and >= 0 with a
 * positive sum; ties go to the lower index.
 */
export function apportion(total: number, weights: ArrayLike<number>): Uint32Array {
  let sum = 0;
  for (let i = 0; i < weights.length; i++) sum += weights[i] as number;
  const parts = new Uint32Array(weights.length);
  const remainders = new Float64Array(weights.length);
  let assigned = 0;
  for (let i = 0; i < weights.length; i++) {
    const exact = (total * (weights[i] as number)) / sum;
    const floor = Math.floor(exact);
    parts[i] = floor;
    remainders[i] = exact - floor;
    assigned += floor;
  }
  const byRemainder = Array.from({ length: weights.length }, (_, i) => i).sort(
    (a, b) => (remainders[b] as number) - (remainders[a] as number) || a - b,
  );
  for (let k = 0; k < total - assigned; k++) {
    const i = byRemainder[k % weights.length] as number;
    parts[i] = (parts[i] as number) + 1;
  }
  // Rounding error can only overshoot by a hair; take it back from the smallest remainders.
  for (let k = weights.length - 1; assigned > total && k >= 0; k--) {
    const i = byRemainder[k] as number;
    if ((parts[i] as number) > 0) {
      parts[i] = (parts[i] as number) - 1;
      assigned--;
    }
  }
  return parts;
}
