/**
 * The keystream engines' conformance suite: `node` (node:crypto) and `webcrypto` must give the
 * same bytes as one Web Crypto AES-CTR call over the whole vector (the protocol's definition), at
 * every chunk boundary either uses, across counter carries, and for lengths that end mid-block.
 */
import { describe, expect, it } from 'vitest';
import { counterBlock, defaultKeystream, nodeKeystream, webCryptoKeystream } from './keystream.js';
import type { KeystreamEngine } from './keystream.js';
import { applyMasks, expandMask, maskKey } from './prg.js';
import { subtle, type CryptoKeyLike } from './webcrypto.js';
import { codeOf } from './test-util.js';

/** The reference: one Web Crypto call from block `first` (counter layout as in keystream.ts). */
async function reference(key: CryptoKeyLike, first: number, bytes: number): Promise<Uint8Array> {
  const counter = counterBlock(first);
  const out = await subtle().encrypt({ name: 'AES-CTR', counter, length: 64 }, key, new Uint8Array(bytes));
  return new Uint8Array(out);
}

const firstDiff = (a: Uint8Array, b: Uint8Array): number =>
  a.length !== b.length ? -2 : a.findIndex((v, i) => v !== b[i]);

const engines: [string, () => KeystreamEngine][] = [
  ['webcrypto', webCryptoKeystream],
  ['node', nodeKeystream],
];

describe.each(engines)('keystream engine %s', (name, make) => {
  const engine = make();
  const key = maskKey(new Uint8Array(32).map((_, i) => i * 37 + 1));

  it('has its name and a chunk size in whole blocks', () => {
    expect(engine.name).toBe(name);
    expect(engine.chunkBytes % 16).toBe(0);
  });

  it('matches one Web Crypto call at each of its chunk boundaries and at odd lengths', async () => {
    const k = await key;
    const bytes = 2 * (1 << 20) + 4 * 16 + 12; // past both engines' 2nd chunk boundary, ends mid-block
    const whole = await reference(k, 0, bytes);
    for (let at = 0; at < bytes; at += engine.chunkBytes) {
      const n = Math.min(engine.chunkBytes, bytes - at);
      const got = await engine.keystream(k, at / 16, n);
      expect(firstDiff(got, whole.subarray(at, at + n))).toBe(-1);
      expect(got.byteOffset % 4).toBe(0);
    }
  });

  it('carries the counter across byte, 32-bit and 48-bit boundaries like Web Crypto', async () => {
    const k = await key;
    for (const first of [0xff - 1, 0xffff - 3, 2 ** 32 - 2, 2 ** 48 - 1, 2 ** 53 - 64]) {
      expect(
        firstDiff(await engine.keystream(k, first, 16 * 8 + 4), await reference(k, first, 16 * 8 + 4)),
      ).toBe(-1);
    }
  });

  it('gives an empty stream for 0 bytes and refuses blocks past 2^53 or negative sizes', async () => {
    const k = await key;
    expect(await engine.keystream(k, 5, 0)).toHaveLength(0);
    expect(await codeOf(async () => engine.keystream(k, 2 ** 53, 16))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(async () => engine.keystream(k, 2 ** 53 - 1, 64))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(async () => engine.keystream(k, -1, 16))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(async () => engine.keystream(k, 0, -4))).toBe('INVALID_ARGUMENT');
  });
});

describe('mask sums through either engine', () => {
  it('expandMask and a fused 21-term applyMasks are bit-identical across engines', async () => {
    const seed = new Uint8Array(32).fill(9);
    const length = 300_001; // 1.2 MB: crosses the engines' 1 MiB chunk boundary
    const [a, b] = await Promise.all([
      expandMask(seed, length, webCryptoKeystream()),
      expandMask(seed, length, nodeKeystream()),
    ]);
    expect(a.findIndex((v, i) => v !== b[i])).toBe(-1);
    const terms = await Promise.all(
      Array.from({ length: 21 }, async (_, i) => ({
        key: await maskKey(new Uint8Array(32).fill(i + 1)),
        sign: i % 3 === 0 ? (-1 as const) : (1 as const),
      })),
    );
    const start = Uint32Array.from({ length: 300_003 }, (_, i) => Math.imul(i, 2654435761) >>> 0);
    const viaWeb = start.slice();
    const viaNode = start.slice();
    await applyMasks(viaWeb, terms, webCryptoKeystream());
    await applyMasks(viaNode, terms, nodeKeystream());
    expect(viaNode.findIndex((v, i) => v !== viaWeb[i])).toBe(-1);
    // and equal to the masks applied one at a time, in a different order
    const oneByOne = start.slice();
    for (const t of [...terms].reverse()) await applyMasks(oneByOne, [t], webCryptoKeystream());
    expect(oneByOne.findIndex((v, i) => v !== viaWeb[i])).toBe(-1);
  });

  it('uses node:crypto by default under Node', () => {
    expect(defaultKeystream().name).toBe('node');
  });
});
