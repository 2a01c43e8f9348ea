/**
 * In-place selection (quickselect) on a segment of a Float64Array: the helpers behind the
 * coordinate-wise median and trimmed mean. Deterministic (median-of-three pivots), O(k)
 * expected per call, no allocation. Values must not be NaN (callers reject NaN first).
 */

/**
 * Rearranges `a[from..to)` so that `a[from + k]` holds the value it would hold if the segment
 * were sorted ascending, everything before it is <= and everything after it is >=.
 * Requires `0 <= k < to - from`; returns `a[from + k]`.
 */
export function selectKth(a: Float64Array, from: number, to: number, k: number): number {
  let lo = from;
  let hi = to - 1;
  const target = from + k;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // Median of three into a[mid], used as the pivot.
    if ((a[mid] ?? 0) < (a[lo] ?? 0)) swap(a, mid, lo);
    if ((a[hi] ?? 0) < (a[lo] ?? 0)) swap(a, hi, lo);
    if ((a[hi] ?? 0) < (a[mid] ?? 0)) swap(a, hi, mid);
    const pivot = a[mid] ?? 0;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((a[i] ?? 0) < pivot) i++;
      while ((a[j] ?? 0) > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else break;
  }
  return a[target] ?? 0;
}

/** The largest value of `a[from..to)` (segment must be non-empty). */
export function maxOf(a: Float64Array, from: number, to: number): number {
  let m = a[from] ?? 0;
  for (let i = from + 1; i < to; i++) if ((a[i] ?? 0) > m) m = a[i] ?? 0;
  return m;
}

/** The sum of `a[from..to)` (0 for an empty segment). */
export function sumOf(a: Float64Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += a[i] ?? 0;
  return s;
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i] ?? 0;
  a[i] = a[j] ?? 0;
  a[j] = t;
}
