/**
 * SecAgg+ with hierarchical aggregation: three "nodes" pre-sum their clients' masked inputs
 * (mod 2^32), the partial sums travel encoded, and the leader's SecAggServer unmasks the sum
 * of partial sums to exactly the plain quantized weighted sum of the survivors, with clients
 * dropping before upload and after upload. Mixed individual and partial uploads agree too, and
 * a client counted twice is refused.
 */
import { describe, expect, it } from 'vitest';
import { decodeMaskedPartial, encodeMaskedPartial } from '../aggregation/partial-codec.js';
import { SecAggClient } from './client.js';
import { parseSecAggConfig, resolveSecAggParams } from './config.js';
import { MaskedPartialSum } from './masked-partial-sum.js';
import { SecAggServer } from './server.js';
import { codeOf, pick, plainQuantizedSum, seededInputs } from './test-util.js';
import type { MaskedInput } from './types.js';

const seed = new Uint8Array(32).fill(9);
const config = parseSecAggConfig({ neighbours: 8, threshold: 4 });

interface Setup {
  server: SecAggServer;
  clients: Map<string, SecAggClient>;
  masked: Map<string, MaskedInput>;
  ids: string[];
}

/** Runs phases 1-3 for `n` clients; `noUpload` clients share keys, then vanish. */
async function upToUpload(
  n: number,
  noUpload: readonly string[],
): Promise<Setup & { inputs: ReturnType<typeof seededInputs> }> {
  const inputs = seededInputs(n, 24, 77);
  const ids = [...inputs.keys()];
  const server = new SecAggServer({ config, round: 5, seed });
  const clients = new Map(
    await Promise.all(ids.map(async (id) => [id, await SecAggClient.create(id, config)] as const)),
  );
  for (const c of clients.values()) server.addAdvertise(c.advertise());
  const roster = server.roster();
  const inboxes = server.routeShares(
    (await Promise.all([...clients.values()].map((c) => c.shareKeys(roster)))).flat(),
  );
  const masked = new Map<string, MaskedInput>();
  for (const id of ids.filter((i) => !noUpload.includes(i))) {
    const c = clients.get(id) as SecAggClient;
    await c.receiveShares(inboxes.get(id) ?? []);
    const input = inputs.get(id);
    if (input !== undefined) masked.set(id, await c.maskInput(input.update, input.weight));
  }
  return { server, clients, masked, ids, inputs };
}

async function unmask(s: Setup, noResponse: readonly string[]) {
  const request = s.server.unmaskRequest();
  for (const id of request.survivors.filter((i) => !noResponse.includes(i))) {
    s.server.addUnmaskResponse(await (s.clients.get(id) as SecAggClient).unmask(request));
  }
  return s.server.finish(24);
}

describe('masked partial sums', () => {
  it('3 nodes: the sum of partial sums unmasks to the plain quantized sum, with dropouts', async () => {
    const ids30 = [...seededInputs(30, 1, 77).keys()];
    const gone = pick(ids30, 6, 1); // 3 never upload, 3 upload and never answer the unmask request
    const s = await upToUpload(30, gone.slice(0, 3));
    const nodes = [new MaskedPartialSum(), new MaskedPartialSum(), new MaskedPartialSum()];
    [...s.masked.values()].forEach((m, i) => nodes[i % 3]?.add(m));
    for (const node of nodes) {
      const { round, partial } = decodeMaskedPartial(encodeMaskedPartial(5, node.result()));
      expect(round).toBe(5);
      s.server.addMaskedPartialSum(partial);
    }
    const result = await unmask(s, gone.slice(3));
    const survivors = s.ids.filter((id) => !gone.slice(0, 3).includes(id));
    expect(result.survivors).toEqual(survivors);
    expect(result.dropped).toEqual([...gone.slice(0, 3)].sort());
    const expected = plainQuantizedSum(s.inputs, survivors, resolveSecAggParams(config, 30));
    expect(result.sum).toEqual(expected.subarray(0, 24));
    expect(result.weightSum).toBe(expected[24]);
  });

  it('a node may forward some inputs one by one and pre-sum the rest: same result', async () => {
    const s = await upToUpload(12, []);
    const node = new MaskedPartialSum();
    [...s.masked.values()].forEach((m, i) => (i < 4 ? s.server.addMaskedInput(m) : node.add(m)));
    s.server.addMaskedPartialSum(node.result());
    const result = await unmask(s, []);
    const expected = plainQuantizedSum(s.inputs, s.ids, resolveSecAggParams(config, 12));
    expect(result.sum).toEqual(expected.subarray(0, 24));
  });

  it('refuses a client counted twice, an unknown client and a vector of the wrong length', async () => {
    const s = await upToUpload(9, ['c008']);
    const [first, second] = [...s.masked.values()] as [MaskedInput, MaskedInput];
    const node = new MaskedPartialSum();
    node.add(first);
    expect(await codeOf(() => node.add(first))).toBe('DUPLICATE_RESULT');
    const other = new MaskedPartialSum();
    other.add(first);
    other.add(second);
    expect(await codeOf(() => node.merge(other.result()))).toBe('DUPLICATE_RESULT');
    s.server.addMaskedInput(first);
    expect(await codeOf(() => s.server.addMaskedPartialSum(other.result()))).toBe('SECAGG_BAD_MESSAGE');
    const ghost = { clientIds: ['nobody'], masked: second.masked };
    expect(await codeOf(() => s.server.addMaskedPartialSum(ghost))).toBe('SECAGG_BAD_MESSAGE');
    const short = { clientIds: [second.clientId], masked: second.masked.subarray(1) };
    expect(await codeOf(() => s.server.addMaskedPartialSum(short))).toBe('SECAGG_BAD_MESSAGE');
    // nothing of the refused partials was added: the second client can still upload
    s.server.addMaskedPartialSum({ clientIds: [second.clientId], masked: second.masked });
  });
});
