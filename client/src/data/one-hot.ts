/**
 * Float one-hot label rows for the training and evaluation graphs, written into a
 * caller-owned buffer so batches do not allocate.
 */
import { EdgefedError } from '@edgefed/shared';

/**
 * Writes `labels` as one-hot rows of `numClasses` floats into `out[0 .. labels.length *
 * numClasses)` and zeroes the rest of `out` (padding rows). A label of -1 (an ignored
 * sequence position) becomes an all-zero row. Throws `SHAPE_MISMATCH` when `out` is too
 * small and `INVALID_ARGUMENT` for a label outside `[0, numClasses)` other than -1.
 */
export function writeOneHot(labels: ArrayLike<number>, numClasses: number, out: Float32Array): void {
  if (labels.length * numClasses > out.length) {
    throw new EdgefedError(
      'SHAPE_MISMATCH',
      `one-hot buffer holds ${out.length} floats, need ${labels.length} x ${numClasses}`,
    );
  }
  out.fill(0);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i] as number;
    if (y === -1) continue;
    if (!Number.isInteger(y) || y < 0 || y >= numClasses) {
      throw new EdgefedError('INVALID_ARGUMENT', `Label ${y} at row ${i} is outside [0, ${numClasses})`);
    }
    out[i * numClasses + y] = 1;
  }
}
