/**
 * Page side of secagg-browser.test.ts (bundled with esbuild): runs one in-memory SecAgg+ round
 * of 20 clients (k = 10, t = 3, so any six dropping leave every client 4 answering neighbours; two drop after advertise, two after share keys, two after upload)
 * and compares the sum with the plain quantized sum; and expands one mask through the page's
 * default keystream engine (Web Crypto) for the test to compare with Node's node:crypto engine.
 */
import {
  defaultKeystream,
  expandMask,
  parseSecAggConfig,
  quantize,
  resolveSecAggParams,
  runInMemoryRound,
} from '@edgefed/shared';

async function secaggRound(): Promise<{ equal: boolean; survivors: number; dropped: number }> {
  const config = parseSecAggConfig({ neighbours: 10, threshold: 3 });
  const inputs = new Map(
    Array.from({ length: 20 }, (_, i) => [
      `b${String(i).padStart(2, '0')}`,
      { update: Float32Array.from({ length: 32 }, (_, j) => Math.sin(i * 32 + j)), weight: 10 + i },
    ]),
  );
  const ids = [...inputs.keys()];
  const result = await runInMemoryRound({
    config,
    inputs,
    drops: { afterAdvertise: ids.slice(0, 2), afterShareKeys: ids.slice(2, 4), afterUpload: ids.slice(4, 6) },
  });
  const params = resolveSecAggParams(config, 20);
  const expected = new Uint32Array(33);
  for (const id of result.survivors) {
    const input = inputs.get(id);
    if (input === undefined) continue;
    const q = quantize(input.update, input.weight, params);
    for (let i = 0; i < q.length; i++) expected[i] = (expected[i] ?? 0) + (q[i] ?? 0);
  }
  const equal = result.sum.every((v, i) => v === expected[i]) && result.weightSum === expected[32];
  return { equal, survivors: result.survivors.length, dropped: result.dropped.length };
}

/** The engine the page uses by default, and the SHA-256 (hex) of the mask of `seed` over `length` words. */
async function secaggMask(seed: number[], length: number): Promise<{ engine: string; sha256: string }> {
  const mask = await expandMask(Uint8Array.from(seed), length);
  const digest = await crypto.subtle.digest('SHA-256', new Uint8Array(mask.buffer as ArrayBuffer));
  const sha256 = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
  return { engine: defaultKeystream().name, sha256 };
}

Object.assign(globalThis, { secaggRound, secaggMask });
