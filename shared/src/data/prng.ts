/**
 * edgefed's one seeded pseudo-random generator: one {@link Prng} interface with its
 * samplers (floats, unbiased integers, normals, log-Gamma, shuffles) written once, over two
 * 128-bit cores, each kept where its output is consumed so seeded results stay identical:
 * - {@link createPrng}: sfc32 (Chris Doty-Humphrey's Small Fast Counting generator), for
 *   data partitioning, client selection and simulation;
 * - {@link createModelPrng}: xoshiro128**, for parameter initialisation, dropout masks
 *   and the model tests.
 * Both are seeded through splitmix32 so that nearby seeds give unrelated streams. Neither
 * is cryptographically secure: never use them for privacy noise or secure aggregation.
 */
import { EdgefedError } from '../errors.js';

/** A deterministic random source: the same seed always yields the same sequence. */
export interface Prng {
  /** The next uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number;
  /** A uniform float in [0, 1) with 32 bits of randomness. */
  nextFloat(): number;
  /** A uniform integer in [0, n); unbiased (rejection sampling). Throws for n < 1 or n > 2^32. */
  nextInt(n: number): number;
  /** A standard normal sample (Box-Muller). */
  normal(): number;
  /**
   * The natural logarithm of a Gamma(shape, 1) sample. Working in log space keeps very
   * small shapes (e.g. Dirichlet alpha = 0.001) from underflowing to 0. Throws
   * `INVALID_ARGUMENT` unless shape is finite and > 0.
   */
  logGamma(shape: number): number;
  /** Shuffles `array` in place (Fisher-Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: number }>(array: T): T;
}

const TWO_POW_32 = 4294967296;

/** Hashes a string to 32 bits (FNV-1a), for deriving per-parameter seeds. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function splitmix32(state: number): [number, number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [next, (z ^ (z >>> 16)) >>> 0];
}

function expand(seed: number): number[] {
  let s = seed;
  const words: number[] = [];
  for (let i = 0; i < 4; i++) {
    const [next, out] = splitmix32(s);
    s = next;
    words.push(out);
  }
  return words;
}

/**
 * Creates a {@link Prng} from a seed. Any safe integer is accepted (negative and values
 * above 2^32 included: both 32-bit halves are mixed in); anything else throws
 * `INVALID_ARGUMENT`.
 */
export function createPrng(seed: number): Prng {
  if (!Number.isSafeInteger(seed)) {
    throw new EdgefedError('INVALID_ARGUMENT', `Seed must be a safe integer, got ${String(seed)}`);
  }
  // Expand each 32-bit half of the seed into four words and XOR them: the 128-bit state
  // then depends on all 53 bits (no two nearby seeds share a state).
  const lo = expand(seed >>> 0);
  const hi = expand((Math.floor(seed / TWO_POW_32) ^ 0x5bd1e995) >>> 0);
  const words = lo.map((w, i) => (w ^ (hi[i] ?? 0)) >>> 0);
  return new Sfc32(words[0] ?? 0, words[1] ?? 0, words[2] ?? 0, words[3] ?? 1);
}

/**
 * Creates the xoshiro128** {@link Prng} the model code uses. `seed` is any finite number;
 * non-integers are truncated, values outside 32 bits wrap.
 */
export function createModelPrng(seed: number): Prng {
  let st = Math.trunc(seed) | 0;
  const words: number[] = [];
  for (let i = 0; i < 4; i++) {
    const [next, out] = splitmix32(st);
    st = next;
    words.push(out);
  }
  const [a = 0, b = 0, c = 0, d = 0] = words;
  return new Xoshiro128(((a | b | c | d) === 0 ? 1 : a) | 0, b | 0, c | 0, d | 0);
}

/** The samplers, written once over a core's `nextUint32`. */
abstract class BasePrng implements Prng {
  private cachedNormal: number | undefined;

  abstract nextUint32(): number;

  nextFloat(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  nextInt(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) {
      throw new EdgefedError('INVALID_ARGUMENT', `nextInt bound must be an integer in [1, 2^32], got ${n}`);
    }
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  normal(): number {
    if (this.cachedNormal !== undefined) {
      const z = this.cachedNormal;
      this.cachedNormal = undefined;
      return z;
    }
    const u1 = 1 - this.nextFloat(); // (0, 1]: log(u1) is finite
    const u2 = this.nextFloat();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.cachedNormal = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }

  logGamma(shape: number): number {
    if (!Number.isFinite(shape) || shape <= 0) {
      throw new EdgefedError('INVALID_ARGUMENT', `Gamma shape must be finite and > 0, got ${shape}`);
    }
    if (shape < 1) {
      // Gamma(a) = Gamma(a + 1) * U^(1/a)  (Marsaglia & Tsang 2000, section 6)
      const u = 1 - this.nextFloat();
      return this.logGamma(shape + 1) + Math.log(u) / shape;
    }
    return Math.log(this.marsagliaTsang(shape));
  }

  /** Marsaglia & Tsang (2000) squeeze method for shape >= 1. */
  private marsagliaTsang(shape: number): number {
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = 1 - this.nextFloat();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  shuffle<T extends { length: number; [i: number]: number }>(array: T): T {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const tmp = array[i] as number;
      array[i] = array[j] as number;
      array[j] = tmp;
    }
    return array;
  }
}

/** sfc32, warmed up by 12 outputs. */
class Sfc32 extends BasePrng {
  constructor(
    private a: number,
    private b: number,
    private c: number,
    private d: number,
  ) {
    super();
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
}

const rotl = (x: number, k: number): number => (x << k) | (x >>> (32 - k));

/** xoshiro128** (no warm-up). */
class Xoshiro128 extends BasePrng {
  constructor(
    private a: number,
    private b: number,
    private c: number,
    private d: number,
  ) {
    super();
  }

  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }
}
