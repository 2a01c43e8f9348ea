/** The AES-256-CTR mask generator: known answer, determinism, and mod-2^32 arithmetic. */
import { describe, expect, it } from 'vitest';
import { addMask, applyMask, expandMask, maskKey, subtractMask } from './prg.js';
import { subtle } from './webcrypto.js';
import { codeOf } from './test-util.js';

const hex = (words: Uint32Array): string =>
  Array.from(new Uint8Array(words.buffer, words.byteOffset, words.byteLength), (b) =>
    b.toString(16).padStart(2, '0'),
  ).join('');

describe('expandMask', () => {
  it('is AES-256-CTR over zeros (FIPS-197 style known answer for the all-zero key)', async () => {
    // AES-256 of the all-zero block under the all-zero key
    expect(hex(await expandMask(new Uint8Array(32), 4))).toBe('dc95c078a2408989ad48a21492842087');
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

  it('runs one counter across its 1 MiB chunks (equal to a single AES-CTR call)', async () => {
    const seed = new Uint8Array(32).fill(3);
    const length = 300_000; // 1.2 MB: two chunks
    const whole = await subtle().encrypt(
      { name: 'AES-CTR', counter: new Uint8Array(16), length: 64 },
      await maskKey(seed),
      new Uint8Array(length * 4),
    );
    const expected = new Uint32Array(whole);
    const got = await expandMask(seed, length);
    expect(got.length).toBe(length);
    expect(got.findIndex((v, i) => v !== expected[i])).toBe(-1); // (toEqual is slow on 300k words)
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
