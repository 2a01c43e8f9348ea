/**
 * SecAggClient.prepareMask: a mask computed ahead (while training would run) masks exactly like
 * one computed in maskInput, clients on the `webcrypto` and `node` keystream engines interoperate
 * in one round (the browser and Node must agree bit for bit), and misuse fails with stable codes.
 */
import { describe, expect, it } from 'vitest';
import { parseSecAggConfig, resolveSecAggParams } from './config.js';
import { SecAggClient } from './client.js';
import { nodeKeystream, webCryptoKeystream } from './keystream.js';
import { SecAggServer } from './server.js';
import { codeOf, plainQuantizedSum, seededInputs } from './test-util.js';

const seed = new Uint8Array(32).fill(11);
const LENGTH = 300_000; // past the engines' 1 MiB chunk boundary

/** Clients of one round up to an open inbox: even ones on Web Crypto, odd ones on node:crypto. */
async function openRound(n: number) {
  const config = parseSecAggConfig({ neighbours: 4, threshold: 3 });
  const inputs = seededInputs(n, LENGTH, 12);
  const ids = [...inputs.keys()];
  const server = new SecAggServer({ config, round: 3, seed });
  const clients = await Promise.all(
    ids.map((id, i) =>
      SecAggClient.create(id, config, { keystream: i % 2 === 0 ? webCryptoKeystream() : nodeKeystream() }),
    ),
  );
  for (const c of clients) server.addAdvertise(c.advertise());
  const roster = server.roster();
  const inboxes = server.routeShares((await Promise.all(clients.map((c) => c.shareKeys(roster)))).flat());
  return { config, inputs, ids, server, clients, inboxes };
}

describe('SecAggClient.prepareMask', () => {
  it('prepared, in-flight and unprepared clients, on both engines, unmask to the exact plain sum', async () => {
    const { config, inputs, ids, server, clients, inboxes } = await openRound(6);
    const inFlight: Promise<void>[] = [];
    for (const [i, c] of clients.entries()) {
      await c.receiveShares(inboxes.get(c.clientId) ?? []);
      // c000 and c003 mask in maskInput; c001 is still preparing when maskInput is called
      if (i === 1) inFlight.push(c.prepareMask(LENGTH));
      else if (i % 3 !== 0) await c.prepareMask(LENGTH);
    }
    for (const c of clients) {
      const input = inputs.get(c.clientId);
      if (input !== undefined) server.addMaskedInput(await c.maskInput(input.update, input.weight));
    }
    await Promise.all(inFlight);
    const request = server.unmaskRequest();
    for (const c of clients) server.addUnmaskResponse(await c.unmask(request));
    const result = await server.finish(LENGTH);
    const expected = plainQuantizedSum(inputs, ids, resolveSecAggParams(config, 6));
    expect(result.sum.findIndex((v, i) => v !== expected[i])).toBe(-1);
    expect(result.weightSum).toBe(expected[LENGTH]);
  });

  it('refuses misuse: before the inbox, twice, a bad count, another update size', async () => {
    const { inputs, clients, inboxes } = await openRound(4);
    const [a, b] = clients;
    if (a === undefined || b === undefined) throw new Error('no client');
    expect(await codeOf(a.prepareMask(LENGTH))).toBe('FAILED_PRECONDITION');
    await a.receiveShares(inboxes.get(a.clientId) ?? []);
    expect(await codeOf(a.prepareMask(-1))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(a.prepareMask(1.5))).toBe('INVALID_ARGUMENT');
    await a.prepareMask(10);
    expect(await codeOf(a.prepareMask(10))).toBe('FAILED_PRECONDITION');
    const input = inputs.get(a.clientId);
    if (input === undefined) throw new Error('no input');
    expect(await codeOf(a.maskInput(input.update, input.weight))).toBe('SHAPE_MISMATCH');
    await b.receiveShares(inboxes.get(b.clientId) ?? []);
    await b.prepareMask(3);
    expect((await b.maskInput(new Float32Array(3), 1)).masked).toHaveLength(4);
  });
});
