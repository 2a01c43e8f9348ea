/** The wire schemas accept what the client and server produce and reject wrong sizes. */
import { describe, expect, it } from 'vitest';
import {
  bytesToWords,
  encryptedShareSchema,
  maskedInputSchema,
  rosterSchema,
  unmaskResponseSchema,
  wordsToBytes,
} from './schemas.js';
import { SecAggClient } from './client.js';
import { parseSecAggConfig } from './config.js';
import { SecAggServer } from './server.js';

describe('secagg wire schemas', () => {
  it('round-trip real messages, including ArrayBuffer binaries and masked words as bytes', async () => {
    const config = parseSecAggConfig({});
    const server = new SecAggServer({ config, round: 0, seed: new Uint8Array(32) });
    const clients = await Promise.all(['a', 'b', 'c'].map((id) => SecAggClient.create(id, config)));
    for (const c of clients) server.addAdvertise(c.advertise());
    const roster = rosterSchema.parse(server.roster());
    const shares = await clients[0]?.shareKeys(roster);
    const share = shares?.[0];
    if (share === undefined) throw new Error('no share');
    const viaArrayBuffer = { ...share, ciphertext: share.ciphertext.slice().buffer };
    expect(encryptedShareSchema.parse(viaArrayBuffer).ciphertext).toEqual(share.ciphertext);
    expect(
      encryptedShareSchema.safeParse({ ...share, ciphertext: share.ciphertext.subarray(1) }).success,
    ).toBe(false);
    const words = Uint32Array.from([1, 2, 0xffffffff]);
    expect(maskedInputSchema.parse({ clientId: 'a', masked: wordsToBytes(words) }).masked).toEqual(words);
    expect(maskedInputSchema.safeParse({ clientId: 'a', masked: new Uint8Array(5) }).success).toBe(false);
    const unaligned = new Uint8Array(13).subarray(1);
    unaligned.set(wordsToBytes(words));
    expect(bytesToWords(unaligned)).toEqual(words);
    expect(
      unmaskResponseSchema.safeParse({
        clientId: 'a',
        selfMaskShares: [{ of: 'b', share: new Uint8Array(34) }],
        keyShares: [],
      }).success,
    ).toBe(false);
  });
});
