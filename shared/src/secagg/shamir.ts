/**
 * Shamir secret sharing of 32-byte secrets over the prime field GF(p), p = 2^256 + 297 (the
 * smallest prime above 2^256, so every 32-byte string is a field element). A share is 35 bytes:
 * its x coordinate (1..65535, 2 bytes big-endian) and y = f(x) (33 bytes big-endian), where f
 * has degree t - 1, f(0) = the secret and the other coefficients come from the platform CSPRNG.
 * Any t shares rebuild the secret; any t - 1 are consistent with every secret (see the test).
 */
import { EdgefedError } from '../errors.js';
import { randomBytes } from './webcrypto.js';

/** The field modulus 2^256 + 297. */
export const SHAMIR_PRIME = (1n << 256n) + 297n;

/** Bytes of a secret. */
export const SECRET_BYTES = 32;

/** Bytes of an encoded share (2-byte x, 33-byte y). */
export const SHARE_BYTES = 35;

const Y_BYTES = 33;

/** Big-endian bytes to a BigInt. */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

/** A non-negative BigInt below 2^(8 length) as `length` big-endian bytes. */
export function bigIntToBytes(value: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let v = value;
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

const mod = (a: bigint): bigint => {
  const r = a % SHAMIR_PRIME;
  return r < 0n ? r + SHAMIR_PRIME : r;
};

/** Inverse of a non-zero field element (extended Euclid). */
function invert(a: bigint): bigint {
  let [oldR, r] = [mod(a), SHAMIR_PRIME];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return mod(oldS);
}

/** A uniform field element (512 random bits reduced mod p: bias below 2^-255). */
function randomElement(): bigint {
  return mod(bytesToBigInt(randomBytes(64)));
}

/** f(x) for coefficients [f(0), a1, a2, ...] (Horner). */
function evaluate(coefficients: readonly bigint[], x: bigint): bigint {
  let y = 0n;
  for (let i = coefficients.length - 1; i >= 0; i--) y = mod(y * x + (coefficients[i] ?? 0n));
  return y;
}

/** Encodes a share (x, y). */
export function encodeShare(x: number, y: bigint): Uint8Array {
  const out = new Uint8Array(SHARE_BYTES);
  out[0] = x >>> 8;
  out[1] = x & 0xff;
  out.set(bigIntToBytes(y, Y_BYTES), 2);
  return out;
}

/** Decodes a share; `SECAGG_BAD_MESSAGE` unless 35 bytes with 1 <= x and y < p. */
export function decodeShare(share: Uint8Array): { x: number; y: bigint } {
  if (share.length !== SHARE_BYTES) {
    throw new EdgefedError('SECAGG_BAD_MESSAGE', `A share has ${SHARE_BYTES} bytes, not ${share.length}`);
  }
  const x = ((share[0] ?? 0) << 8) | (share[1] ?? 0);
  const y = bytesToBigInt(share.subarray(2));
  if (x === 0 || y >= SHAMIR_PRIME) throw new EdgefedError('SECAGG_BAD_MESSAGE', 'A share is out of range');
  return { x, y };
}

function checkThreshold(threshold: number, count: number): void {
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > 65535) {
    throw new EdgefedError('INVALID_ARGUMENT', `Invalid Shamir threshold ${threshold}`);
  }
  if (count < threshold) {
    throw new EdgefedError('SECAGG_TOO_FEW_SHARES', `${count} shares, but ${threshold} are needed`, {
      details: { shares: count, threshold },
    });
  }
}

/**
 * Splits a 32-byte secret into one share per x in `xs` (distinct integers in 1..65535); any
 * `threshold` of them rebuild it. Coefficients come from the platform CSPRNG, so two splits of
 * one secret differ.
 */
export function shamirSplit(secret: Uint8Array, threshold: number, xs: readonly number[]): Uint8Array[] {
  if (secret.length !== SECRET_BYTES) {
    throw new EdgefedError('INVALID_ARGUMENT', `A secret has ${SECRET_BYTES} bytes, not ${secret.length}`);
  }
  checkThreshold(threshold, xs.length);
  if (new Set(xs).size !== xs.length || xs.some((x) => !Number.isInteger(x) || x < 1 || x > 65535)) {
    throw new EdgefedError('INVALID_ARGUMENT', 'Share x coordinates must be distinct integers in 1..65535');
  }
  const coefficients = [bytesToBigInt(secret)];
  for (let i = 1; i < threshold; i++) coefficients.push(randomElement());
  return xs.map((x) => encodeShare(x, evaluate(coefficients, BigInt(x))));
}

/**
 * Lagrange interpolation at `at` through the points (distinct x). Exported for the tests, which
 * use it to show that t - 1 shares are consistent with any secret.
 */
export function interpolateAt(points: readonly { x: number; y: bigint }[], at: number): bigint {
  const target = BigInt(at);
  let sum = 0n;
  for (const [i, pi] of points.entries()) {
    let num = 1n;
    let den = 1n;
    for (const [j, pj] of points.entries()) {
      if (i === j) continue;
      num = mod(num * (target - BigInt(pj.x)));
      den = mod(den * (BigInt(pi.x) - BigInt(pj.x)));
    }
    sum = mod(sum + pi.y * num * invert(den));
  }
  return sum;
}

/**
 * Rebuilds a 32-byte secret from at least `threshold` shares with distinct x (the first
 * `threshold` distinct ones are used). `SECAGG_TOO_FEW_SHARES` with fewer; `SECAGG_BAD_MESSAGE`
 * for a malformed share, two different shares at one x, or a result that is no 32-byte secret.
 */
export function shamirCombine(shares: readonly Uint8Array[], threshold: number): Uint8Array {
  const byX = new Map<number, bigint>();
  for (const share of shares) {
    const { x, y } = decodeShare(share);
    const seen = byX.get(x);
    if (seen !== undefined && seen !== y) {
      throw new EdgefedError('SECAGG_BAD_MESSAGE', `Two different shares at x = ${x}`);
    }
    byX.set(x, y);
  }
  checkThreshold(threshold, byX.size);
  const points = [...byX].slice(0, threshold).map(([x, y]) => ({ x, y }));
  const secret = interpolateAt(points, 0);
  if (secret >> 256n !== 0n) {
    throw new EdgefedError('SECAGG_BAD_MESSAGE', 'The shares do not rebuild a 32-byte secret');
  }
  return bigIntToBytes(secret, SECRET_BYTES);
}
