/** The mask generator: the AES-256-CTR keystream (checked against AES-CTR), determinism, mod-2^32 arithmetic. */
import { describe, expect, it } from 'vitest';
import { addMask, applyMask, expandMask, maskKey, subtractMask } from './prg.js';
import { subtle } from './webcrypto.js';
import { codeOf } from './test-util.js';

describe('expandMask', () => {
  it('is the AES-256-CTR keystream: counter block IV || 2 of chunk 0 (checked with AES-CTR itself)', async () => {
    const seed = new Uint8Array(32).fill(5);
    const ctrKey = await subtle().importKey('raw', new Uint8Array(seed), { name: 'AES-CTR' }, false, [
      'encrypt',
    ]);
    const counter = new Uint8Array(16);
    counter[15] = 2; // GCM's first counter block for a 96-bit IV of zeros
    const reference = await subtle().encrypt(
      { name: 'AES-CTR', counter, length: 32 },
      ctrKey,
      new Uint8Array(64),
    );
    expect(await expandMask(seed, 16)).toEqual(new Uint32Array(reference));
  });

  it('is deterministic per seed, differs across seeds, and prefixes agree', async () => {
    const a = new Uint8Array(32).fill(7);
    const b = new Uint8Array(32).fill(8);
    const long = await expandMask(a, 1000);
    expect(await expandMask(a, 1000)).toEqual(long);
    expect(await expandMask(a, 13)).toEqual(long.subarray(0, 13));
    expect(await expandMask(b, 1000)).not.toEqual(long);
    expect(await expandMask(a, 0)).toHaveLength(0);
  });

  it('continues into a second 8 MiB chunk with IV = 1 (checked with AES-CTR itself)', async () => {
    const seed = new Uint8Array(32).fill(3);
    const chunkWords = (1 << 23) / 4;
    const got = await expandMask(seed, chunkWords + 8);
    const ctrKey = await subtle().importKey('raw', new Uint8Array(seed), { name: 'AES-CTR' }, false, [
      'encrypt',
    ]);
    const counter = new Uint8Array(16);
    counter[11] = 1; // IV = chunk index 1
    counter[15] = 2;
    const reference = new Uint32Array(
      await subtle().encrypt({ name: 'AES-CTR', counter, length: 32 }, ctrKey, new Uint8Array(32)),
    );
    expect(got.subarray(chunkWords)).toEqual(reference);
    expect(got.subarray(chunkWords - 8, chunkWords)).not.toEqual(reference);
  });

  it('applyMask adds and removes a mask in place', async () => {
    const key = await maskKey(new Uint8Array(32).fill(4));
    const x = Uint32Array.from({ length: 1000 }, (_, i) => i * 7919);
    const y = x.slice();
    await applyMask(y, key, 1);
    expect(y).not.toEqual(x);
    await applyMask(y, key, -1);
    expect(y).toEqual(x);
  });

  it('rejects a seed that is not 32 bytes', async () => {
    expect(await codeOf(expandMask(new Uint8Array(16), 4))).toBe('INVALID_ARGUMENT');
  });

  it('adds and subtracts mod 2^32', () => {
    const x = Uint32Array.from([0, 1, 0xffffffff, 123456789]);
    const m = Uint32Array.from([5, 0xffffffff, 2, 0xfffffff0]);
    const y = x.slice();
    addMask(y, m);
    expect(Array.from(y)).toEqual([5, 0, 1, (123456789 + 0xfffffff0) % 2 ** 32]);
    subtractMask(y, m);
    expect(y).toEqual(x);
  });
});
