/**
 * SecAgg+ rounds end to end with real clients and server: the unmasked aggregate equals the
 * plain quantized sum exactly (mod 2^32) with dropouts in every phase, and rounds with too many
 * dropouts fail cleanly with SECAGG_TOO_FEW_SURVIVORS.
 */
import { describe, expect, it } from 'vitest';
import { parseSecAggConfig, resolveSecAggParams } from './config.js';
import { SecAggClient } from './client.js';
import { runInMemoryRound } from './in-memory-round.js';
import { SecAggServer } from './server.js';
import { codeOf, pick, plainQuantizedSum, seededInputs } from './test-util.js';

const seed = new Uint8Array(32).fill(42);

describe('SecAgg+ round', () => {
  it('100 clients, k = 20, 30% dropping after the masked upload: exact sum', async () => {
    const config = parseSecAggConfig({ neighbours: 20, threshold: 8 });
    const inputs = seededInputs(100, 64, 1);
    const ids = [...inputs.keys()];
    const gone = pick(ids, 30, 2);
    const result = await runInMemoryRound({ config, inputs, seed, drops: { afterUpload: gone } });
    expect(result.survivors).toEqual(ids); // they uploaded, so their inputs count
    expect(result.dropped).toEqual([]);
    const expected = plainQuantizedSum(inputs, ids, resolveSecAggParams(config, 100));
    expect(result.sum).toEqual(expected.subarray(0, 64));
    expect(result.weightSum).toBe(expected[64]);
  });

  it('40 clients with drops after advertise, after share keys and after upload in one round', async () => {
    const config = parseSecAggConfig({ neighbours: 12, threshold: 5 });
    const inputs = seededInputs(40, 16, 3);
    const ids = [...inputs.keys()];
    const gone = pick(ids, 12, 4);
    const [a, s, u] = [gone.slice(0, 4), gone.slice(4, 8), gone.slice(8)];
    const result = await runInMemoryRound({
      config,
      inputs,
      seed,
      drops: { afterAdvertise: a, afterShareKeys: s, afterUpload: u },
    });
    const survivors = ids.filter((id) => !a.includes(id) && !s.includes(id));
    expect(result.survivors).toEqual(survivors);
    expect(result.dropped).toEqual([...s].sort()); // advertised-only clients never masked with anyone
    const expected = plainQuantizedSum(inputs, survivors, resolveSecAggParams(config, 40));
    expect(result.sum).toEqual(expected.subarray(0, 16));
    expect(result.weightSum).toBe(expected[16]);
  });

  it.each([
    ['after advertise', 'afterAdvertise'],
    ['after share keys', 'afterShareKeys'],
    ['after upload', 'afterUpload'],
  ] as const)('12 clients, k = 6, three dropping %s: exact sum', async (_, phase) => {
    const config = parseSecAggConfig({ neighbours: 6, threshold: 3 });
    const inputs = seededInputs(12, 8, 5);
    const ids = [...inputs.keys()];
    const gone = pick(ids, 3, 6);
    const result = await runInMemoryRound({ config, inputs, seed, drops: { [phase]: gone } });
    const survivors = phase === 'afterUpload' ? ids : ids.filter((id) => !gone.includes(id));
    expect(result.survivors).toEqual(survivors);
    expect(result.sum).toEqual(
      plainQuantizedSum(inputs, survivors, resolveSecAggParams(config, 12)).subarray(0, 8),
    );
  });

  it('full SecAgg (k = n - 1) with a dropped client', async () => {
    const config = parseSecAggConfig({ neighbours: 'auto' });
    const inputs = seededInputs(6, 5, 7);
    const ids = [...inputs.keys()];
    const result = await runInMemoryRound({ config, inputs, seed, drops: { afterShareKeys: ['c002'] } });
    const survivors = ids.filter((id) => id !== 'c002');
    expect(result.sum).toEqual(
      plainQuantizedSum(inputs, survivors, resolveSecAggParams(config, 6)).subarray(0, 5),
    );
  });

  it('too few survivors: clients refuse to unmask, SECAGG_TOO_FEW_SURVIVORS', async () => {
    const config = parseSecAggConfig({ neighbours: 9, threshold: 6 });
    const inputs = seededInputs(10, 4, 8);
    const ids = [...inputs.keys()];
    // five never upload: each remaining client sees 5 survivors (itself included) < t = 6
    const early = runInMemoryRound({ config, inputs, seed, drops: { afterShareKeys: ids.slice(0, 5) } });
    expect(await codeOf(early)).toBe('SECAGG_TOO_FEW_SURVIVORS');
    // five vanish after upload: the server holds 5 < t shares of every secret
    const late = runInMemoryRound({ config, inputs, seed, drops: { afterUpload: ids.slice(0, 5) } });
    expect(await codeOf(late)).toBe('SECAGG_TOO_FEW_SURVIVORS');
    // with three gone it completes: every secret has 6 other responders (nobody holds its own share)
    const ok = await runInMemoryRound({ config, inputs, seed, drops: { afterUpload: ids.slice(0, 3) } });
    expect(ok.survivors).toEqual(ids);
  });

  it('a share lost in one direction: the pair is not routed either way, and the sum stays exact', async () => {
    const config = parseSecAggConfig({ neighbours: 7, threshold: 3 });
    const inputs = seededInputs(8, 6, 9);
    const ids = [...inputs.keys()];
    const server = new SecAggServer({ config, round: 2, seed });
    const clients = await Promise.all(ids.map((id) => SecAggClient.create(id, config)));
    for (const c of clients) server.addAdvertise(c.advertise());
    const roster = server.roster();
    const outbox = (await Promise.all(clients.map((c) => c.shareKeys(roster)))).flat();
    const lost = outbox.filter((sh) => !(sh.from === 'c001' && sh.to === 'c004'));
    const inboxes = server.routeShares(lost);
    expect(inboxes.get('c001')?.map((sh) => sh.from)).not.toContain('c004');
    for (const c of clients) {
      await c.receiveShares(inboxes.get(c.clientId) ?? []);
      const input = inputs.get(c.clientId);
      if (input !== undefined) server.addMaskedInput(await c.maskInput(input.update, input.weight));
    }
    const request = server.unmaskRequest();
    for (const c of clients) server.addUnmaskResponse(await c.unmask(request));
    const result = await server.finish(6);
    expect(result.sum).toEqual(plainQuantizedSum(inputs, ids, resolveSecAggParams(config, 8)).subarray(0, 6));
  });
});
