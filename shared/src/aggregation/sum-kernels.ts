/**
 * WebAssembly SIMD kernels for the streaming weighted sum: `acc += w * x` (Float64
 * accumulator, float32 input, two f64 lanes at a time) and a finiteness check on the raw
 * float32 bits (exponent all ones means NaN or +-Infinity). Plain JavaScript cannot use SIMD
 * and runs this loop at 5-15% of a memory copy; these kernels run near the memory-traffic
 * limit. The arithmetic is IEEE f64 multiply then add per element, exactly what the scalar
 * fallback does, so both give bit-identical sums.
 *
 * Where WebAssembly (or its SIMD) is missing or blocked (a strict Content-Security-Policy),
 * {@link createWasmWeightedSum} returns undefined and callers use the scalar loop.
 */
import { encodeWasmModule, F64, I32, Op, Simd, V128, type WasmFunction } from './wasm-encoder.js';

const HIGH_HALF = [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];

/** addScaled(acc, x, n, w): acc[i] += w * x[i] for n (a multiple of 4) elements at byte addresses. */
const ADD_SCALED: WasmFunction = {
  name: 'addScaled',
  params: [I32, I32, I32, F64], // 0 acc, 1 x, 2 n, 3 w
  results: [],
  locals: [
    [I32, 1], // 4 end
    [V128, 2], // 5 w splat, 6 four inputs
  ],
  body: [
    ...[...Op.get(1), ...Op.get(2), ...Op.i32Const(2), ...Op.i32Shl, ...Op.i32Add, ...Op.set(4)],
    ...[...Op.get(3), ...Simd.f64x2Splat, ...Op.set(5)],
    ...Op.block,
    ...Op.loop,
    ...[...Op.get(1), ...Op.get(4), ...Op.i32GeU, ...Op.brIf(1)],
    ...[...Op.get(1), ...Simd.load(), ...Op.set(6)],
    ...[...Op.get(0), ...Op.get(0), ...Simd.load(0), ...Op.get(6), ...Simd.f64x2PromoteLowF32x4],
    ...[...Op.get(5), ...Simd.f64x2Mul, ...Simd.f64x2Add, ...Simd.store(0)],
    ...[...Op.get(0), ...Op.get(0), ...Simd.load(16), ...Op.get(6), ...Op.get(6), ...Simd.shuffle(HIGH_HALF)],
    ...[...Simd.f64x2PromoteLowF32x4, ...Op.get(5), ...Simd.f64x2Mul, ...Simd.f64x2Add, ...Simd.store(16)],
    ...[...Op.get(1), ...Op.i32Const(16), ...Op.i32Add, ...Op.set(1)],
    ...[...Op.get(0), ...Op.i32Const(32), ...Op.i32Add, ...Op.set(0)],
    ...Op.br(0),
    ...Op.end,
    ...Op.end,
  ],
};

/** allFinite(x, n) -> 1 when none of the n (a multiple of 4) float32 values is NaN or infinite. */
const ALL_FINITE: WasmFunction = {
  name: 'allFinite',
  params: [I32, I32], // 0 x, 1 n
  results: [I32],
  locals: [
    [I32, 1], // 2 end
    [V128, 2], // 3 exponent mask, 4 lanes seen with exponent all ones
  ],
  body: [
    ...[...Op.get(0), ...Op.get(1), ...Op.i32Const(2), ...Op.i32Shl, ...Op.i32Add, ...Op.set(2)],
    ...[...Op.i32Const(0x7f800000), ...Simd.i32x4Splat, ...Op.set(3)],
    ...Op.block,
    ...Op.loop,
    ...[...Op.get(0), ...Op.get(2), ...Op.i32GeU, ...Op.brIf(1)],
    ...[...Op.get(4), ...Op.get(0), ...Simd.load(), ...Op.get(3), ...Simd.and, ...Op.get(3), ...Simd.i32x4Eq],
    ...[...Simd.or, ...Op.set(4)],
    ...[...Op.get(0), ...Op.i32Const(16), ...Op.i32Add, ...Op.set(0)],
    ...Op.br(0),
    ...Op.end,
    ...Op.end,
    ...[...Op.get(4), ...Simd.anyTrue, ...Op.i32Eqz],
  ],
};

interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
}
interface Kernels {
  addScaled(acc: number, x: number, n: number, w: number): void;
  allFinite(x: number, n: number): number;
}

const PAGE = 65536;
/** wasm32 addresses stop at 4 GiB; stay well below so allocation is realistic. */
const MAX_BYTES = 2 ** 31;
let compiled: object | null | undefined;

function wasmApi(): WasmApi | undefined {
  return (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
}

function compiledModule(api: WasmApi): object | null {
  if (compiled === undefined) {
    try {
      compiled = new api.Module(encodeWasmModule([ADD_SCALED, ALL_FINITE]));
    } catch {
      compiled = null; // no SIMD support or compilation blocked: callers fall back
    }
  }
  return compiled;
}

/**
 * A Float64 sum of `size` coordinates in WebAssembly memory, plus a float32 staging area the
 * size of one update (wasm code can only read its own memory). Memory: 12 bytes a
 * coordinate. Obtain one from {@link createWasmWeightedSum}.
 */
export class WasmWeightedSum {
  /** The running sum (length = size); a view that stays valid (the memory never grows). */
  readonly sum: Float64Array;
  private readonly stage: Float32Array;
  private readonly stageAt: number;
  private readonly padded: number;

  /** @internal use {@link createWasmWeightedSum}. */
  constructor(
    private readonly kernels: Kernels,
    memory: WasmMemory,
    size: number,
  ) {
    this.padded = Math.ceil(size / 4) * 4;
    this.stageAt = this.padded * 8;
    this.sum = new Float64Array(memory.buffer, 0, size);
    this.stage = new Float32Array(memory.buffer, this.stageAt, this.padded);
  }

  /**
   * Adds `weight * update`, where the update is given as `parts` copied to consecutive flat
   * offsets (their lengths must sum to `size`). Returns false, leaving the sum untouched,
   * when any value is NaN or infinite. `weight` is not checked here.
   */
  addChecked(parts: readonly Float32Array[], weight: number): boolean {
    let at = 0;
    for (const p of parts) {
      this.stage.set(p, at);
      at += p.length;
    }
    if (this.kernels.allFinite(this.stageAt, this.padded) !== 1) return false;
    this.kernels.addScaled(0, this.stageAt, this.padded, weight);
    return true;
  }
}

/**
 * A {@link WasmWeightedSum} of `size` coordinates (zeros), or undefined when WebAssembly
 * SIMD is unavailable, compilation is blocked, `size` is 0, or the memory (12 bytes a
 * coordinate, at most 2 GiB) cannot be allocated. Compiles the kernels once per process.
 */
export function createWasmWeightedSum(size: number): WasmWeightedSum | undefined {
  const api = wasmApi();
  if (api === undefined || size <= 0) return undefined;
  const module = compiledModule(api);
  const bytes = Math.ceil(size / 4) * 4 * 12;
  if (module === null || bytes > MAX_BYTES) return undefined;
  try {
    const memory = new api.Memory({ initial: Math.ceil(bytes / PAGE) });
    const { exports } = new api.Instance(module, { env: { memory } });
    return new WasmWeightedSum(exports as unknown as Kernels, memory, size);
  } catch {
    return undefined; // out of memory: the scalar path needs less (8 bytes a coordinate)
  }
}
