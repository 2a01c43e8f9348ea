/**
 * Gaussian noise for the Gaussian mechanism: sources of standard normal samples (a
 * cryptographically secure one for production, a seeded one for reproducible simulations
 * and tests) and adding N(0, std^2) to every element of a TensorMap.
 */
import { createPrng } from '../data/prng.js';
import { EdgefedError } from '../errors.js';
import type { Float32Tensor, TensorMap } from '../tensor/tensor.js';

/** Anything that draws standard normal samples (a {@link Prng} is one). */
export interface NormalSource {
  /** The next N(0, 1) sample. */
  normal(): number;
}

interface CryptoLike {
  getRandomValues(array: Uint32Array): Uint32Array;
}

const TWO_POW_32 = 4294967296;
const TWO_POW_21 = 2097152;

/**
 * Standard normal samples from the platform's CSPRNG (`globalThis.crypto.getRandomValues`,
 * present in browsers, workers and Node >= 19), by Box-Muller over 53-bit uniforms.
 * Throws `UNSUPPORTED` when the runtime has no Web Crypto. Not seeded: every source differs.
 * Like every floating-point sampler it is open to the precision attacks of Mironov (2012);
 * edgefed does not implement the discrete (snapping or discrete-Gaussian) defences.
 */
export function secureNormalSource(): NormalSource {
  const crypto = (globalThis as { crypto?: Partial<CryptoLike> }).crypto;
  if (typeof crypto?.getRandomValues !== 'function') {
    throw new EdgefedError(
      'UNSUPPORTED',
      'No Web Crypto getRandomValues in this runtime: cannot draw secure noise',
    );
  }
  const fill = (a: Uint32Array): Uint32Array => (crypto as CryptoLike).getRandomValues(a);
  const buffer = new Uint32Array(1024); // getRandomValues allows at most 65,536 bytes a call
  let next = buffer.length;
  const word = (): number => {
    if (next === buffer.length) {
      fill(buffer);
      next = 0;
    }
    return buffer[next++] as number;
  };
  // A uniform double in (0, 1]: 53 random bits, never 0 so log() is finite.
  const uniform = (): number => ((word() >>> 5) * 67108864 + (word() >>> 6) + 1) / 9007199254740992;
  let cached: number | undefined;
  return {
    normal: () => {
      if (cached !== undefined) {
        const z = cached;
        cached = undefined;
        return z;
      }
      const r = Math.sqrt(-2 * Math.log(uniform()));
      const theta = 2 * Math.PI * uniform();
      cached = r * Math.sin(theta);
      return r * Math.cos(theta);
    },
  };
}

/**
 * A seeded source for stream `stream` (e.g. the round) of `seed`: the same pair always gives
 * the same samples, different pairs give unrelated ones. Reproducible, therefore NOT private:
 * anyone who knows the seed can subtract the noise. Use it for simulations and tests only.
 * Throws `INVALID_ARGUMENT` unless `seed` is an integer in [0, 2^32) and `stream` an integer
 * >= 0; streams are taken modulo 2^21 (they repeat after 2,097,152 rounds).
 */
export function seededNormalSource(seed: number, stream: number): NormalSource {
  if (!Number.isInteger(seed) || seed < 0 || seed >= TWO_POW_32) {
    throw new EdgefedError(
      'INVALID_ARGUMENT',
      `Noise seed must be an integer in [0, 2^32), got ${String(seed)}`,
    );
  }
  if (!Number.isSafeInteger(stream) || stream < 0) {
    throw new EdgefedError('INVALID_ARGUMENT', `Noise stream must be an integer >= 0, got ${String(stream)}`);
  }
  return createPrng(seed * TWO_POW_21 + (stream % TWO_POW_21));
}

/** Throws `INVALID_ARGUMENT` unless `std` is a finite number >= 0. */
export function assertNoiseStd(std: number): void {
  if (typeof std !== 'number' || !Number.isFinite(std) || std < 0) {
    throw new EdgefedError('INVALID_ARGUMENT', `Noise std must be a finite number >= 0, got ${String(std)}`, {
      details: { std: String(std) },
    });
  }
}

/**
 * Returns `map + N(0, std^2)` element-wise, as new float32 tensors in `map`'s order (the input
 * is not modified). Samples are drawn in tensor order, then element order, so a seeded source
 * gives the same noise for the same layout. The sum is formed in Float64 and rounded once.
 *
 * Edge cases: `std` 0 returns an exact copy and draws nothing; an empty map returns an empty
 * map. Throws `INVALID_ARGUMENT` for a `std` that is negative, NaN or infinite, and
 * `DTYPE_MISMATCH` for a tensor that is not float32 (before drawing any sample).
 */
export function addGaussianNoise(map: TensorMap, std: number, rng: NormalSource): Map<string, Float32Tensor> {
  assertNoiseStd(std);
  for (const [name, t] of map) {
    if (t.dtype !== 'float32') {
      throw new EdgefedError('DTYPE_MISMATCH', `Tensor "${name}" is ${t.dtype}; noise needs float32`, {
        details: { name, dtype: t.dtype },
      });
    }
  }
  const out = new Map<string, Float32Tensor>();
  for (const [name, t] of map) {
    const src = t.data as Float32Array;
    const data = Float32Array.from(src);
    if (std > 0) for (let i = 0; i < data.length; i++) data[i] = (src[i] as number) + std * rng.normal();
    out.set(name, { dtype: 'float32', shape: [...t.shape], data });
  }
  return out;
}
