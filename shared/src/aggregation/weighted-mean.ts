/**
 * Streaming weighted mean of float32 TensorMaps: one Float64 accumulator of model size,
 * updates added one at a time, so memory is O(model) whatever the number of updates.
 * The accumulate loop runs in WebAssembly SIMD where available (sum-kernels.ts) and in
 * plain JavaScript otherwise; both compute the same f64 multiply-add, bit for bit.
 */
import { EdgefedError } from '../errors.js';
import type { TensorMap } from '../tensor/tensor.js';
import { assertFinite, layoutData, tensorLayout, unflatten, type TensorLayout } from './layout.js';
import { createWasmWeightedSum, type WasmWeightedSum } from './sum-kernels.js';

/** Options for {@link WeightedMeanAccumulator}. */
export interface WeightedMeanOptions {
  /**
   * Use the WebAssembly SIMD kernels when they load (default true). False forces the scalar
   * JavaScript loop (same results; used to test one against the other).
   */
  readonly simd?: boolean;
}

/**
 * Accumulates `sum(w_k * u_k)` and `sum(w_k)` in Float64 and returns `sum / totalWeight`.
 *
 * Edge cases: each update is checked (names, order, dtype, shapes, then finiteness) before
 * any arithmetic, so a rejected update (`NAME_MISMATCH`, `DTYPE_MISMATCH`, `SHAPE_MISMATCH`,
 * `NON_FINITE`) leaves the accumulator exactly as it was. A weight that is not a finite number
 * greater than zero throws `INVALID_ARGUMENT`. Finalizing with no update added throws
 * `FAILED_PRECONDITION`; after finalizing, the accumulator is closed (`FAILED_PRECONDITION`).
 * The caller may reuse an update's buffers as soon as {@link add} returns.
 * Memory: 8 bytes a parameter (scalar) or 12 (SIMD: the sum plus one staged update).
 */
export class WeightedMeanAccumulator {
  /** The model layout every update must match. */
  readonly layout: TensorLayout;
  private readonly sum: Float64Array;
  private readonly wasm: WasmWeightedSum | undefined;
  private weight = 0;
  private added = 0;
  private closed = false;

  /** `reference` (usually the global model) fixes names, order and shapes; its values are not read. */
  constructor(reference: TensorMap, options: WeightedMeanOptions = {}) {
    this.layout = tensorLayout(reference);
    this.wasm = options.simd === false ? undefined : createWasmWeightedSum(this.layout.size);
    this.sum = this.wasm?.sum ?? new Float64Array(this.layout.size);
  }

  /** True when updates are added by the WebAssembly SIMD kernels. */
  get usesSimd(): boolean {
    return this.wasm !== undefined;
  }

  /** Number of updates added so far. */
  get count(): number {
    return this.added;
  }

  /** Sum of the weights added so far. */
  get totalWeight(): number {
    return this.weight;
  }

  /** Adds `weight * update`. Throws (leaving the sum untouched) as described on the class. */
  add(update: TensorMap, weight: number): void {
    this.assertOpen();
    if (!Number.isFinite(weight) || weight <= 0) {
      throw new EdgefedError('INVALID_ARGUMENT', `Weight must be a finite number > 0, got ${String(weight)}`);
    }
    const data = layoutData(this.layout, update);
    if (this.wasm !== undefined) {
      if (!this.wasm.addChecked(data, weight)) {
        assertFinite(this.layout, data); // throws naming the offending tensor
        throw new EdgefedError('NON_FINITE', 'Update contains NaN or Infinity');
      }
    } else {
      assertFinite(this.layout, data);
      this.addScalar(data, weight);
    }
    this.weight += weight;
    this.added++;
  }

  private addScalar(data: readonly Float32Array[], weight: number): void {
    this.layout.entries.forEach((entry, t) => {
      const d = data[t];
      if (d !== undefined) addScaled(this.sum, d, weight, entry.offset);
    });
  }

  /**
   * The mean as one flat Float64Array in layout order. Divides in place and closes the
   * accumulator (no copy of the model is made).
   */
  finalizeFlat(): Float64Array {
    this.assertOpen();
    if (this.added === 0) {
      throw new EdgefedError('FAILED_PRECONDITION', 'Weighted mean of zero updates is undefined');
    }
    this.closed = true;
    const w = this.weight;
    const s = this.sum;
    for (let i = 0; i < s.length; i++) s[i] = (s[i] ?? 0) / w;
    return s;
  }

  /** The mean as a float32 TensorMap with the reference's names and shapes; closes the accumulator. */
  finalize(): TensorMap {
    const flat = this.finalizeFlat();
    return unflatten(this.layout, Float32Array.from(flat));
  }

  private assertOpen(): void {
    if (this.closed) throw new EdgefedError('FAILED_PRECONDITION', 'Accumulator already finalized');
  }
}

/** `acc[offset + i] += w * x[i]` for every i; eight-way unrolled (plain loop, no closures). */
function addScaled(acc: Float64Array, x: Float32Array, w: number, offset: number): void {
  const n = x.length;
  let i = 0;
  for (; i + 7 < n; i += 8) {
    const j = offset + i;
    acc[j] = (acc[j] ?? 0) + w * (x[i] ?? 0);
    acc[j + 1] = (acc[j + 1] ?? 0) + w * (x[i + 1] ?? 0);
    acc[j + 2] = (acc[j + 2] ?? 0) + w * (x[i + 2] ?? 0);
    acc[j + 3] = (acc[j + 3] ?? 0) + w * (x[i + 3] ?? 0);
    acc[j + 4] = (acc[j + 4] ?? 0) + w * (x[i + 4] ?? 0);
    acc[j + 5] = (acc[j + 5] ?? 0) + w * (x[i + 5] ?? 0);
    acc[j + 6] = (acc[j + 6] ?? 0) + w * (x[i + 6] ?? 0);
    acc[j + 7] = (acc[j + 7] ?? 0) + w * (x[i + 7] ?? 0);
  }
  for (; i < n; i++) acc[offset + i] = (acc[offset + i] ?? 0) + w * (x[i] ?? 0);
}
