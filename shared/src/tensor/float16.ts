/**
 * IEEE-754 binary16 ("half") conversion. Halves are stored as raw 16-bit patterns in
 * Uint16Arrays. float32 -> float16 rounds to nearest, ties to even; values past the half
 * range become +-Infinity, values below half the smallest subnormal become +-0, NaN stays
 * NaN (quiet, top payload bits kept), and the sign of zero is kept.
 */

/** Converts raw float32 bits (as an unsigned 32-bit integer) to raw float16 bits. */
function halfFromFloatBits(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant === 0 ? 0 : 0x200 | (mant >>> 13));
  const e = exp - 112; // rebias 127 -> 15
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const full = mant | 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rem = full & ((1 << shift) - 1);
    let r = full >>> shift;
    if (rem > half || (rem === half && (r & 1) === 1)) r++;
    return sign | r;
  }
  let r = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (up to Infinity).
  if (rem > 0x1000 || (rem === 0x1000 && (r & 1) === 1)) r++;
  return sign | r;
}

const scratch = new Float32Array(1);
const scratchBits = new Uint32Array(scratch.buffer);

/** Raw float16 bits of `value` (first rounded to float32, then to half as described above). */
export function float32ToFloat16Bits(value: number): number {
  scratch[0] = value;
  return halfFromFloatBits(scratchBits[0] as number);
}

/** The value of raw float16 bits `bits` (only the low 16 bits are used). */
export function float16BitsToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const e = (bits >>> 10) & 0x1f;
  const m = bits & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 0x1f) return m === 0 ? sign * Infinity : NaN;
  return sign * (1024 + m) * 2 ** (e - 25);
}

let halfTable: Float32Array | undefined;

/** All 65,536 half values as float32, built on first use (256 KiB). */
function table(): Float32Array {
  if (halfTable === undefined) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = float16BitsToFloat32(h);
  }
  return halfTable;
}

/** Converts every element of `src` to float16 bits (a new array; `src` is unchanged). */
export function float32ArrayToFloat16(src: Float32Array): Uint16Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const out = new Uint16Array(src.length);
  for (let i = 0; i < bits.length; i++) out[i] = halfFromFloatBits(bits[i] as number);
  return out;
}

/** Converts float16 bits to float32 values (a new array; exact, every half fits a float32). */
export function float16ArrayToFloat32(src: Uint16Array): Float32Array {
  const t = table();
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = t[src[i] as number] as number;
  return out;
}
