/**
 * Pixel normalization: uint8 intensities to float32 in [0, 1].
 */
import { EdgefedError } from '../errors.js';

/**
 * Writes `pixels[i] / 255` into `out` (a new Float32Array of the same length when
 * omitted) and returns it. 0 maps to exactly 0 and 255 to exactly 1. Throws
 * `SHAPE_MISMATCH` when `out` has a different length. An empty input gives an empty output.
 */
export function normalizeUint8(pixels: Uint8Array, out?: Float32Array): Float32Array {
  const target = out ?? new Float32Array(pixels.length);
  if (target.length !== pixels.length) {
    throw new EdgefedError('SHAPE_MISMATCH', `out has ${target.length} elements, pixels ${pixels.length}`);
  }
  // A lookup table is exact (each entry is the correctly rounded float32 of k/255) and fast.
  for (let i = 0; i < pixels.length; i++) target[i] = UNIT_TABLE[pixels[i] as number] as number;
  return target;
}

const UNIT_TABLE = Float32Array.from({ length: 256 }, (_, k) => k / 255);
