/**
 * A minimal WebAssembly binary encoder: just enough to write the few SIMD kernels the
 * aggregation math uses (see sum-kernels.ts) as readable TypeScript instead of an opaque
 * byte blob. Covers LEB128 numbers, the type/import/function/export/code sections, and
 * named opcodes. Portable: it only builds bytes; instantiation lives in sum-kernels.ts.
 */

/** Unsigned LEB128 of a non-negative integer below 2^32. */
export function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer. */
export function sleb(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

/** Value types used by the kernels. */
export const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;

/** Core opcodes used by the kernels. */
export const Op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  get: (local: number) => [0x20, ...uleb(local)],
  set: (local: number) => [0x21, ...uleb(local)],
  i32Const: (v: number) => [0x41, ...sleb(v)],
  i32Eqz: [0x45],
  i32GeU: [0x4f],
  i32Add: [0x6a],
  i32Shl: [0x74],
} as const;

const simd = (code: number): number[] => [0xfd, ...uleb(code)];
/** `align` is log2 of the alignment; `offset` a constant byte offset. */
const memarg = (code: number, align: number, offset: number): number[] => [
  ...simd(code),
  align,
  ...uleb(offset),
];

/** SIMD (v128) opcodes used by the kernels. */
export const Simd = {
  load: (offset = 0) => memarg(0x00, 4, offset),
  store: (offset = 0) => memarg(0x0b, 4, offset),
  /** i8x16.shuffle with 16 lane indices. */
  shuffle: (lanes: readonly number[]) => [...simd(0x0d), ...lanes],
  i32x4Splat: simd(0x11),
  f64x2Splat: simd(0x14),
  i32x4Eq: simd(0x37),
  and: simd(0x4e),
  or: simd(0x50),
  anyTrue: simd(0x53),
  f64x2PromoteLowF32x4: simd(0x5f),
  f64x2Add: simd(0xf0),
  f64x2Mul: simd(0xf2),
} as const;

/** One function: parameter and result types, extra locals (type, count), body without `end`. */
export interface WasmFunction {
  readonly name: string;
  readonly params: readonly number[];
  readonly results: readonly number[];
  readonly locals: readonly (readonly [type: number, count: number])[];
  readonly body: readonly number[];
}

const vec = (items: readonly (readonly number[])[]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => vec(Array.from({ length: s.length }, (_, i) => [s.charCodeAt(i)]));
const section = (id: number, body: readonly number[]): number[] => [id, ...uleb(body.length), ...body];

/**
 * Encodes a module that imports one memory as `env.memory` (minimum one page; the caller's
 * `WebAssembly.Memory` sets the real size) and exports every function under its name.
 * Function names must be ASCII.
 */
export function encodeWasmModule(functions: readonly WasmFunction[]): Uint8Array {
  const types = functions.map((f) => [
    0x60,
    ...vec(f.params.map((t) => [t])),
    ...vec(f.results.map((t) => [t])),
  ]);
  const imports = vec([[...name('env'), ...name('memory'), 0x02, 0x00, ...uleb(1)]]);
  const funcs = vec(functions.map((_, i) => uleb(i)));
  const exports = vec(functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]));
  const bodies = functions.map((f) => {
    const body = [...vec(f.locals.map(([type, count]) => [...uleb(count), type])), ...f.body, ...Op.end];
    return [...uleb(body.length), ...body];
  });
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec(types)),
    ...section(2, imports),
    ...section(3, funcs),
    ...section(7, exports),
    ...section(10, vec(bodies)),
  ]);
}
