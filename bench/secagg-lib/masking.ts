/**
 * The masking A/B of the secagg benchmark: the mask sum of k + 1 AES-256-CTR keystreams over one
 * quantized vector (what `maskInput` spends 97% of its time on), by the pre-#14-speed-up path
 * (kept here verbatim as the baseline: one Web Crypto call per 1 MiB per key, one pass over the
 * vector per key with `?? 0` adds) against the current `applyMasks` on each keystream engine, and
 * the adding of one precomputed mask (all that is left after training when the mask is prepared
 * ahead). Variants run interleaved, rep after rep in a rotating order, so load from other
 * processes (and the garbage of the variant before) hits all alike; each reports its fastest rep. Every variant's output is checked to be bit-identical.
 *
 * Also the pieces (`--micro true`): the raw keystream per engine and call size, the two forms of
 * the add loop, and allocating the zero plaintext.
 */
import { loadavg } from 'node:os';
import {
  applyMasks,
  maskKey,
  nodeKeystream,
  secureRandomBytes,
  webCryptoKeystream,
  type KeystreamEngine,
  type MaskTerm,
} from '@edgefed/shared';
import type { BenchContext } from '../harness.js';

/** Wall and process CPU milliseconds (CPU covers Web Crypto's worker threads too). */
export interface Timing {
  wall: number;
  cpu: number;
}

/** Runs `fn` and times it (wall and process CPU). */
export async function timed<T>(fn: () => Promise<T> | T): Promise<[T, Timing]> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return [value, { wall, cpu: (cpu.user + cpu.system) / 1000 }];
}

const LEGACY_CHUNK = 1 << 20;
const LEGACY_ZEROS = new Uint8Array(LEGACY_CHUNK);

function legacyCounter(block: number): Uint8Array<ArrayBuffer> {
  const counter = new Uint8Array(16);
  let v = block;
  for (let i = 15; i >= 8 && v > 0; i--) {
    counter[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return counter;
}

/** The baseline: `applyMask` as it was before the speed-up (one term, 1 MiB Web Crypto calls). */
async function legacyApplyMask(target: Uint32Array, term: MaskTerm): Promise<void> {
  const bytes = target.length * 4;
  for (let at = 0; at < bytes; at += LEGACY_CHUNK) {
    const n = Math.min(LEGACY_CHUNK, bytes - at);
    const stream = await globalThis.crypto.subtle.encrypt(
      { name: 'AES-CTR', counter: legacyCounter(at / 16), length: 64 },
      term.key as CryptoKey,
      n === LEGACY_CHUNK ? LEGACY_ZEROS : LEGACY_ZEROS.subarray(0, n),
    );
    const mask = new Uint32Array(stream);
    const part = target.subarray(at / 4, at / 4 + n / 4);
    if (term.sign === 1) for (let i = 0; i < part.length; i++) part[i] = (part[i] ?? 0) + (mask[i] ?? 0);
    else for (let i = 0; i < part.length; i++) part[i] = (part[i] ?? 0) - (mask[i] ?? 0);
  }
}

/** k + 1 mask terms with fresh keys: the self-mask (+) and k pairwise masks of mixed sign. */
async function randomTerms(k: number): Promise<MaskTerm[]> {
  return Promise.all(
    Array.from({ length: k + 1 }, async (_, i) => ({
      key: await maskKey(secureRandomBytes(32)),
      sign: i % 2 === 0 ? (1 as const) : (-1 as const),
    })),
  );
}

type Variant = (target: Uint32Array) => Promise<void>;

/** Best-of-`reps` timings of each variant, interleaved; throws unless all outputs are identical. */
async function interleaved(
  variants: Record<string, Variant>,
  start: Uint32Array,
  reps: number,
): Promise<Record<string, Timing>> {
  const best: Record<string, Timing> = {};
  let reference: Uint32Array | undefined;
  const all = Object.entries(variants);
  for (let r = 0; r < reps; r++) {
    // rotate the order, so no variant always follows the same one (and pays for its garbage)
    for (let j = 0; j < all.length; j++) {
      const entry = all[(j + r) % all.length];
      if (entry === undefined) continue;
      const [name, run] = entry;
      const target = start.slice();
      const [, t] = await timed(() => run(target));
      const b = (best[name] ??= { wall: Infinity, cpu: Infinity });
      b.wall = Math.min(b.wall, t.wall);
      b.cpu = Math.min(b.cpu, t.cpu);
      reference ??= target;
      if (target.some((v, i) => v !== reference?.[i])) throw new Error(`${name} gave different words`);
    }
  }
  return best;
}

/**
 * Times the mask sum of k + 1 keystreams over `length` + 1 words: the old path, the fused path on
 * both engines, and adding one prepared mask (whose preparation is the fused path on a zero vector).
 */
export async function maskingComparison(
  ctx: BenchContext,
  length: number,
  k: number,
  reps: number,
): Promise<Record<string, Timing>> {
  const terms = await randomTerms(k);
  const start = new Uint32Array(secureRandomBytes(4 * (length + 1)).buffer);
  const prepared = new Uint32Array(length + 1);
  await applyMasks(prepared, terms, nodeKeystream());
  const add = (target: Uint32Array): void => {
    for (let i = 0; i < target.length; i++) target[i] = ((target[i] as number) + (prepared[i] as number)) | 0;
  };
  const load = loadavg()[0];
  const best = await interleaved(
    {
      legacy: async (t) => {
        for (const term of terms) await legacyApplyMask(t, term);
      },
      'fused-webcrypto': (t) => applyMasks(t, terms, webCryptoKeystream()),
      'fused-node': (t) => applyMasks(t, terms, nodeKeystream()),
      'add-prepared': (t) => {
        add(t);
        return Promise.resolve();
      },
    },
    start,
    reps,
  );
  for (const [variant, t] of Object.entries(best)) {
    const common = { params: length, k, variant, reps, loadAverage: load };
    const baseline = variant === 'legacy' ? {} : { baseline: 'masking/legacy' };
    ctx.report({ name: 'masking/cpu', value: t.cpu, unit: 'ms', ...common, ...baseline });
    ctx.report({ name: 'masking/wall', value: t.wall, unit: 'ms', ...common, ...baseline });
  }
  return best;
}

/** The pieces: raw keystream per engine and call size, the add loops, the zero plaintext. */
export async function maskingPieces(
  ctx: BenchContext,
  length: number,
  k: number,
  reps: number,
): Promise<void> {
  const terms = await randomTerms(k);
  const bytes = 4 * (length + 1);
  const keystreamOnly =
    (engine: KeystreamEngine, chunk: number): Variant =>
    async () => {
      for (const { key } of terms)
        for (let at = 0; at < bytes; at += chunk)
          await engine.keystream(key, at / 16, Math.min(chunk, bytes - at));
    };
  const web = webCryptoKeystream();
  const node = nodeKeystream();
  const mask = new Uint32Array(secureRandomBytes(bytes).buffer);
  const variants: Record<string, Variant> = {};
  for (const chunk of [64 << 10, 256 << 10, 1 << 20, bytes]) {
    const label = chunk === bytes ? 'whole' : `${chunk >> 10}KiB`;
    variants[`keystream-webcrypto-${label}`] = keystreamOnly(web, chunk);
    variants[`keystream-node-${label}`] = keystreamOnly(node, chunk);
  }
  variants['add-loop-nullish'] = (t) => {
    for (let j = 0; j <= k; j++) for (let i = 0; i < t.length; i++) t[i] = (t[i] ?? 0) + (mask[i] ?? 0);
    return Promise.resolve();
  };
  variants['add-loop-int32'] = (t) => {
    for (let j = 0; j <= k; j++)
      for (let i = 0; i < t.length; i++) t[i] = ((t[i] as number) + (mask[i] as number)) | 0;
    return Promise.resolve();
  };
  variants['zero-plaintext-alloc-1MiB-calls'] = () => {
    for (let j = 0; j <= k; j++)
      for (let at = 0; at < bytes; at += 1 << 20) new Uint8Array(1 << 20).fill(0, 0, 1);
    return Promise.resolve();
  };
  const load = loadavg()[0];
  const best: Record<string, Timing> = {};
  for (let r = 0; r < reps; r++) {
    for (const [name, run] of Object.entries(variants)) {
      const [, t] = await timed(() => run(new Uint32Array(length + 1)));
      const b = (best[name] ??= { wall: Infinity, cpu: Infinity });
      b.wall = Math.min(b.wall, t.wall);
      b.cpu = Math.min(b.cpu, t.cpu);
    }
  }
  for (const [piece, t] of Object.entries(best)) {
    ctx.report({
      name: 'masking-piece/cpu',
      value: t.cpu,
      unit: 'ms',
      piece,
      params: length,
      k,
      loadAverage: load,
    });
    ctx.report({
      name: 'masking-piece/wall',
      value: t.wall,
      unit: 'ms',
      piece,
      params: length,
      k,
      loadAverage: load,
    });
  }
}
