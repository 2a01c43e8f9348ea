/**
 * Top-k selection by magnitude for sparsification, in O(n) with no worst case: the
 * absolute value of a float32 orders like its bit pattern with the sign bit cleared, so
 * a two-pass radix select over those 31 bits finds the exact k-th largest magnitude.
 */

/**
 * Indices (ascending) of the `k` entries of `data` with the largest |value|. Ties at the
 * threshold go to the lowest indices, so the result is deterministic. `k <= 0` gives an
 * empty result and `k >= data.length` gives every index. Expects finite values (NaN
 * would sort above Infinity).
 */
export function topKIndices(data: Float32Array, k: number): Uint32Array {
  const n = data.length;
  if (k <= 0) return new Uint32Array(0);
  if (k >= n) return Uint32Array.from({ length: n }, (_, i) => i);
  const bits = new Uint32Array(data.buffer, data.byteOffset, n);
  const hist = new Uint32Array(0x10000);
  for (let i = 0; i < n; i++) {
    const j = ((bits[i] as number) & 0x7fffffff) >>> 16;
    hist[j] = (hist[j] as number) + 1;
  }
  let above = 0;
  let hi = 0x7fff;
  for (; hi > 0; hi--) {
    const c = hist[hi] as number;
    if (above + c >= k) break;
    above += c;
  }
  hist.fill(0);
  for (let i = 0; i < n; i++) {
    const b = (bits[i] as number) & 0x7fffffff;
    if (b >>> 16 === hi) hist[b & 0xffff] = (hist[b & 0xffff] as number) + 1;
  }
  let lo = 0xffff;
  for (; lo > 0; lo--) {
    const c = hist[lo] as number;
    if (above + c >= k) break;
    above += c;
  }
  const threshold = (hi << 16) | lo;
  let ties = k - above;
  const out = new Uint32Array(k);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const b = (bits[i] as number) & 0x7fffffff;
    if (b > threshold) out[m++] = i;
    else if (b === threshold && ties > 0) {
      out[m++] = i;
      ties--;
    }
  }
  return out;
}
