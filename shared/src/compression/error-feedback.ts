/**
 * Error feedback for lossy update compression: what compression dropped from one update
 * (the residual) is added to the next before compressing it, so over rounds nothing is
 * lost for good. Keep one instance per client and model layout.
 */
import { EdgefedError } from '../errors.js';
import { toFloat32 } from '../tensor/convert.js';
import type { Float32Tensor, Tensor, TensorMap } from '../tensor/tensor.js';
import { compressUpdate, decompressUpdate } from './compress.js';
import type { CompressionSpec } from './compression-spec.js';

/**
 * Holds the residual between rounds. Invariant after each `compress`: the sum of all
 * decompressed updates sent plus `residual` equals the sum of all updates given (up to
 * float32 rounding). Not thread-safe.
 */
export class ErrorFeedback {
  #residual = new Map<string, Float32Tensor>();

  /**
   * Compresses `update + residual` with `compressUpdate` and keeps what was lost as the
   * new residual. A tensor seen for the first time starts with a zero residual; one whose
   * element count changed throws `SHAPE_MISMATCH` (call `reset` when the model changes).
   * Throws like `compressUpdate`; the residual is unchanged when it throws.
   */
  compress(update: TensorMap, spec: CompressionSpec): Map<string, Tensor> {
    const corrected = new Map<string, Float32Tensor>();
    for (const [name, tensor] of update) {
      const t = toFloat32(tensor);
      const r = this.#residual.get(name);
      if (r !== undefined && r.data.length !== t.data.length) {
        throw new EdgefedError('SHAPE_MISMATCH', `Tensor "${name}" changed size; reset the error feedback`, {
          details: { name, was: r.data.length, now: t.data.length },
        });
      }
      const data = Float32Array.from(t.data);
      if (r !== undefined)
        for (let i = 0; i < data.length; i++) data[i] = (data[i] as number) + (r.data[i] as number);
      corrected.set(name, { dtype: 'float32', shape: [...t.shape], data });
    }
    const compressed = compressUpdate(corrected, spec);
    const sent = decompressUpdate(compressed);
    for (const [name, c] of corrected) {
      const s = (sent.get(name) as Float32Tensor).data;
      const data = c.data; // owned by us: reuse it for the residual
      for (let i = 0; i < data.length; i++) data[i] = (data[i] as number) - (s[i] as number);
      this.#residual.set(name, c);
    }
    return compressed;
  }

  /** The current residual (float32, read-only by convention); empty before the first call. */
  get residual(): TensorMap {
    return this.#residual;
  }

  /** Forgets the residual (e.g. when the model layout changes). */
  reset(): void {
    this.#residual.clear();
  }
}
