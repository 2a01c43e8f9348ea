/**
 * Privacy properties of SecAgg+: a masked upload looks uniform (chi-square), honest clients
 * refuse to reveal both secrets of one client, tampered or misrouted shares fail authentication,
 * and a roster that lowers the threshold or swaps keys is refused.
 */
import { describe, expect, it } from 'vitest';
import { createPrng } from '../data/prng.js';
import { SecAggClient } from './client.js';
import { parseSecAggConfig } from './config.js';
import { quantize } from './quantize.js';
import { SecAggServer } from './server.js';
import { codeOf } from './test-util.js';
import type { EncryptedShare, MaskedInput, Roster, SecAggConfig } from './types.js';

const config: SecAggConfig = parseSecAggConfig({ neighbours: 'auto', threshold: 3 });

interface Staged {
  server: SecAggServer;
  clients: SecAggClient[];
  roster: Roster;
  outbox: EncryptedShare[];
}

async function stage(n: number, cfg: SecAggConfig = config): Promise<Staged> {
  const server = new SecAggServer({ config: cfg, round: 3, seed: new Uint8Array(32).fill(9) });
  const clients = await Promise.all(Array.from({ length: n }, (_, i) => SecAggClient.create(`p${i}`, cfg)));
  for (const c of clients) server.addAdvertise(c.advertise());
  const roster = server.roster();
  const outbox = (await Promise.all(clients.map((c) => c.shareKeys(roster)))).flat();
  return { server, clients, roster, outbox };
}

async function uploaded(n: number, update: Float32Array): Promise<Staged & { masked: MaskedInput[] }> {
  const staged = await stage(n);
  const inboxes = staged.server.routeShares(staged.outbox);
  for (const c of staged.clients) await c.receiveShares(inboxes.get(c.clientId) ?? []);
  const masked = await Promise.all(staged.clients.map((c) => c.maskInput(update, 100)));
  for (const m of masked) staged.server.addMaskedInput(m);
  return { ...staged, masked };
}

/** Pearson chi-square of the byte histogram of `words` against the uniform distribution. */
function byteChiSquare(words: Uint32Array): number {
  const bytes = new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
  const counts = new Float64Array(256);
  for (const b of bytes) counts[b] = (counts[b] ?? 0) + 1;
  const expected = bytes.length / 256;
  return counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
}

/** chi-square(255) quantile at 1 - 1e-6 (Wilson-Hilferty): a uniform source exceeds it once in a million runs. */
const CHI2_CRITICAL = 377;

describe('SecAgg+ privacy', () => {
  it('a masked upload is indistinguishable from uniform; the unmasked one is not', async () => {
    const length = 16_383; // 65,536 bytes with the weight word: 256 expected per byte value
    const constant = new Float32Array(length).fill(0.25);
    const { masked, roster } = await uploaded(4, constant);
    for (const m of masked) expect(byteChiSquare(m.masked)).toBeLessThan(CHI2_CRITICAL);
    // the same test rejects the plain quantized inputs: a constant one and a realistic one
    expect(byteChiSquare(quantize(constant, 100, roster.params))).toBeGreaterThan(CHI2_CRITICAL);
    const prng = createPrng(1);
    const realistic = Float32Array.from({ length }, () => prng.normal() * 0.1);
    expect(byteChiSquare(quantize(realistic, 100, roster.params))).toBeGreaterThan(CHI2_CRITICAL);
  });

  it('honest clients refuse a request that lists a client both dropped and survived', async () => {
    const { clients } = await uploaded(5, new Float32Array(4));
    const [a, b] = clients;
    if (a === undefined || b === undefined) throw new Error('no clients');
    const all = clients.map((c) => c.clientId);
    expect(await codeOf(a.unmask({ survivors: all, dropped: [b.clientId] }))).toBe(
      'SECAGG_CONFLICTING_REQUEST',
    );
    // a client told that it dropped, although it uploaded
    const withoutA = all.filter((id) => id !== a.clientId);
    expect(await codeOf(a.unmask({ survivors: withoutA, dropped: [a.clientId] }))).toBe(
      'SECAGG_CONFLICTING_REQUEST',
    );
    // across requests: once b's self-mask share is out, its key share is refused, and vice versa
    const first = await a.unmask({ survivors: all, dropped: [] });
    expect(first.selfMaskShares.map((s) => s.of)).toContain(b.clientId);
    expect(first.keyShares).toEqual([]);
    expect(await a.unmask({ survivors: all, dropped: [] })).toEqual(first); // a retry is fine
    const equivocation = { survivors: all.filter((id) => id !== b.clientId), dropped: [b.clientId] };
    expect(await codeOf(a.unmask(equivocation))).toBe('SECAGG_CONFLICTING_REQUEST');
    const [, , c] = clients;
    if (c === undefined) throw new Error('no client');
    const keyFirst = await c.unmask(equivocation);
    expect(keyFirst.keyShares.map((s) => s.of)).toEqual([b.clientId]);
    expect(await codeOf(c.unmask({ survivors: all, dropped: [] }))).toBe('SECAGG_CONFLICTING_REQUEST');
  });

  it('a tampered or misrouted share fails AES-GCM and is reported with a code', async () => {
    const { clients, outbox } = await stage(4);
    const [a, b, c] = clients;
    if (a === undefined || b === undefined || c === undefined) throw new Error('no clients');
    const toB = outbox.filter((s) => s.to === b.clientId);
    const tampered = toB.map((s, i) => {
      if (i > 0) return s;
      const ciphertext = s.ciphertext.slice();
      ciphertext[20] = (ciphertext[20] ?? 0) ^ 1;
      return { ...s, ciphertext };
    });
    expect(await codeOf(b.receiveShares(tampered))).toBe('SECAGG_DECRYPT_FAILED');
    // b is out of the round: it neither masks nor accepts another inbox
    expect(await codeOf(b.maskInput(new Float32Array(2), 1))).toBe('FAILED_PRECONDITION');
    expect(await codeOf(b.receiveShares(toB))).toBe('FAILED_PRECONDITION');
    // b's share from a, readdressed to c: the associated data and the key both differ
    const fromAToB = outbox.find((s) => s.from === a.clientId && s.to === b.clientId);
    if (fromAToB === undefined) throw new Error('no share');
    const readdressed = outbox.filter((s) => s.to === c.clientId && s.from !== a.clientId);
    expect(await codeOf(c.receiveShares([...readdressed, { ...fromAToB, to: c.clientId }]))).toBe(
      'SECAGG_DECRYPT_FAILED',
    );
    // delivered as it is, to the wrong inbox
    const [, , , d] = clients;
    expect(await codeOf(d?.receiveShares([fromAToB]) ?? Promise.resolve())).toBe('SECAGG_BAD_MESSAGE');
  });

  it('refuses a roster with a lowered threshold or keys it did not advertise', async () => {
    const server = new SecAggServer({ config, round: 1, seed: new Uint8Array(32) });
    const clients = await Promise.all(['x', 'y', 'z', 'w'].map((id) => SecAggClient.create(id, config)));
    for (const c of clients) server.addAdvertise(c.advertise());
    const roster = server.roster();
    const [x, y, z] = clients;
    if (x === undefined || y === undefined || z === undefined) throw new Error('no clients');
    const lowered = { ...roster, params: { ...roster.params, threshold: 2 } };
    expect(await codeOf(x.shareKeys(lowered))).toBe('SECAGG_BAD_MESSAGE');
    const swapped = {
      ...roster,
      clients: roster.clients.map((c) =>
        c.clientId === y.clientId ? { ...c, cPublicKey: new Uint8Array(32).fill(5) } : c,
      ),
    };
    expect(await codeOf(y.shareKeys(swapped))).toBe('SECAGG_BAD_MESSAGE');
    expect(await codeOf(z.shareKeys({ ...roster, seed: new Uint8Array(8) }))).toBe('SECAGG_BAD_MESSAGE');
  });

  it('the server never unmasks fewer than 3 inputs, and rejects malformed or out-of-order messages', async () => {
    const { server, clients, outbox } = await stage(4);
    const inboxes = server.routeShares(outbox);
    expect(await codeOf(() => server.routeShares(outbox))).toBe('FAILED_PRECONDITION');
    const [a, b] = clients;
    if (a === undefined || b === undefined) throw new Error('no clients');
    await a.receiveShares(inboxes.get(a.clientId) ?? []);
    await b.receiveShares(inboxes.get(b.clientId) ?? []);
    const ma = await a.maskInput(new Float32Array(3), 1);
    server.addMaskedInput(ma);
    expect(await codeOf(() => server.addMaskedInput(ma))).toBe('SECAGG_BAD_MESSAGE');
    expect(await codeOf(() => server.addMaskedInput({ clientId: 'stranger', masked: ma.masked }))).toBe(
      'SECAGG_BAD_MESSAGE',
    );
    expect(
      await codeOf(() => server.addMaskedInput({ clientId: b.clientId, masked: new Uint32Array(9) })),
    ).toBe('SECAGG_BAD_MESSAGE');
    server.addMaskedInput(await b.maskInput(new Float32Array(3), 1));
    expect(await codeOf(() => server.unmaskRequest())).toBe('SECAGG_TOO_FEW_SURVIVORS');
  });

  it('rejects a duplicate or malformed advertise', async () => {
    const server = new SecAggServer({ config, round: 1, seed: new Uint8Array(32) });
    const c = await SecAggClient.create('solo', config);
    server.addAdvertise(c.advertise());
    expect(await codeOf(() => server.addAdvertise(c.advertise()))).toBe('SECAGG_BAD_MESSAGE');
    expect(
      await codeOf(() =>
        server.addAdvertise({ ...c.advertise(), clientId: 'other', sPublicKey: new Uint8Array(31) }),
      ),
    ).toBe('SECAGG_BAD_MESSAGE');
    expect(await codeOf(() => server.roster())).toBe('SECAGG_TOO_FEW_SURVIVORS');
  });
});
