/**
 * L2 clipping of a whole model update: the first half of the Gaussian mechanism. Clipping
 * bounds how far one client can move the aggregate (its sensitivity), which is what makes
 * the added noise meaningful. The norm is taken over all tensors together (not per tensor)
 * and accumulated in Float64.
 */
import { EdgefedError } from '../errors.js';
import type { Float32Tensor, TensorMap } from '../tensor/tensor.js';

/** What {@link clipByGlobalNorm} did. */
export interface ClipResult {
  /** The clipped update: new float32 tensors in the input's order, or the input itself when `scale === 1`. */
  readonly update: TensorMap;
  /** The L2 norm of the input over all tensors. */
  readonly norm: number;
  /** The factor applied: 1 when `norm <= maxNorm`, else about `maxNorm / norm` (in (0, 1)). */
  readonly scale: number;
}

/** Throws `INVALID_ARGUMENT` unless `maxNorm` is a finite number > 0. */
export function assertClipNorm(maxNorm: number): void {
  if (typeof maxNorm !== 'number' || !Number.isFinite(maxNorm) || maxNorm <= 0) {
    throw new EdgefedError(
      'INVALID_ARGUMENT',
      `clipNorm must be a finite number > 0, got ${String(maxNorm)}`,
      {
        details: { clipNorm: String(maxNorm) },
      },
    );
  }
}

function float32Data(map: TensorMap): Float32Array[] {
  const out: Float32Array[] = [];
  for (const [name, t] of map) {
    if (t.dtype !== 'float32') {
      throw new EdgefedError('DTYPE_MISMATCH', `Tensor "${name}" is ${t.dtype}; clipping needs float32`, {
        details: { name, dtype: t.dtype },
      });
    }
    out.push(t.data);
  }
  return out;
}

/**
 * Sum of squares of every element of `data` in Float64 (NaN when any element is NaN or
 * infinite; 0 for no data). The building block of {@link globalL2Norm} for callers that
 * already hold flat float32 arrays (aggregators).
 */
export function sumOfSquares(data: readonly Float32Array[]): number {
  let sum = 0;
  for (const d of data) {
    for (const x of d) sum += x * x;
  }
  return sum;
}

/**
 * The L2 norm of all elements of all tensors of `map` together, accumulated in Float64.
 * Edge cases: an empty map (or all-empty tensors) has norm 0; a tensor that is not float32
 * throws `DTYPE_MISMATCH` (decode fp16/int8 first); NaN or Infinity anywhere throws
 * `NON_FINITE` (a non-finite update has no meaningful norm and must be rejected, not clipped).
 */
export function globalL2Norm(map: TensorMap): number {
  const norm = Math.sqrt(sumOfSquares(float32Data(map)));
  if (!Number.isFinite(norm)) {
    throw new EdgefedError('NON_FINITE', 'Update contains NaN or Infinity; its norm is undefined');
  }
  return norm;
}

function scaled(map: TensorMap, scale: number): Map<string, Float32Tensor> {
  const out = new Map<string, Float32Tensor>();
  for (const [name, t] of map) {
    const src = t.data as Float32Array;
    const data = new Float32Array(src.length);
    for (let i = 0; i < src.length; i++) data[i] = (src[i] as number) * scale;
    out.set(name, { dtype: 'float32', shape: [...t.shape], data });
  }
  return out;
}

/**
 * Scales `update` so its global L2 norm is at most `maxNorm` (`update * min(1, maxNorm / norm)`).
 * The input is never modified. The guarantee `globalL2Norm(result.update) <= maxNorm` holds
 * exactly despite float32 rounding: when rounding pushes the norm of the scaled update above
 * `maxNorm`, the scale is shrunk by a few ulps until it does not.
 *
 * Edge cases: a zero or empty update is returned as is (`scale` 1, `norm` 0); an update whose
 * norm equals `maxNorm` is not scaled. Throws `INVALID_ARGUMENT` for a `maxNorm` that is not a
 * finite number > 0, `DTYPE_MISMATCH` for a tensor that is not float32 and `NON_FINITE` when
 * the update holds NaN or Infinity.
 */
export function clipByGlobalNorm(update: TensorMap, maxNorm: number): ClipResult {
  assertClipNorm(maxNorm);
  const norm = globalL2Norm(update);
  if (norm <= maxNorm) return { update, norm, scale: 1 };
  let scale = maxNorm / norm;
  for (;;) {
    const out = scaled(update, scale);
    const after = Math.sqrt(sumOfSquares([...out.values()].map((t) => t.data)));
    if (after <= maxNorm) return { update: out, norm, scale };
    scale *= 1 - 2 ** -22;
  }
}
