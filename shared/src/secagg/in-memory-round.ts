/**
 * One SecAgg+ round run in memory: real SecAggClient and SecAggServer objects, messages passed by
 * function call, and clients dropping after any phase. The tests and `bench/secagg.ts` use it,
 * and a simulator can too; it is the reference order of calls for the wiring layer.
 */
import { SecAggClient } from './client.js';
import { SecAggServer } from './server.js';
import type { SecAggConfig, SecAggResult } from './types.js';
import { randomBytes } from './webcrypto.js';

/** One client's input. */
export interface RoundInput {
  readonly update: Float32Array;
  readonly weight: number;
}

/** Clients that drop right after the named phase (they do nothing later in the round). */
export interface RoundDrops {
  /** Advertised keys, then gone: in the roster, never shared keys. */
  readonly afterAdvertise?: Iterable<string>;
  /** Sent their shares, then gone: never uploaded a masked input. */
  readonly afterShareKeys?: Iterable<string>;
  /** Uploaded their masked input, then gone: never answered the unmask request. */
  readonly afterUpload?: Iterable<string>;
}

/** Options of {@link runInMemoryRound}. */
export interface InMemoryRoundOptions {
  readonly config: SecAggConfig;
  readonly inputs: ReadonlyMap<string, RoundInput>;
  readonly round?: number;
  /** The round seed (32 bytes); fresh random bytes when omitted. */
  readonly seed?: Uint8Array;
  readonly drops?: RoundDrops;
}

/**
 * Runs one round and returns what the server computes. All inputs must have the same length.
 * Throws what the parties throw (e.g. `SECAGG_TOO_FEW_SURVIVORS` when too many drop).
 */
export async function runInMemoryRound(options: InMemoryRoundOptions): Promise<SecAggResult> {
  const drops = options.drops ?? {};
  const afterAdvertise = new Set(drops.afterAdvertise ?? []);
  const afterShareKeys = new Set(drops.afterShareKeys ?? []);
  const afterUpload = new Set(drops.afterUpload ?? []);
  const ids = [...options.inputs.keys()];
  const length = options.inputs.get(ids[0] ?? '')?.update.length ?? 0;
  const server = new SecAggServer({
    config: options.config,
    round: options.round ?? 0,
    seed: options.seed ?? randomBytes(32),
  });
  const clients = new Map(
    await Promise.all(ids.map(async (id) => [id, await SecAggClient.create(id, options.config)] as const)),
  );
  for (const client of clients.values()) server.addAdvertise(client.advertise());
  const roster = server.roster();
  let alive = ids.filter((id) => !afterAdvertise.has(id));
  const outboxes = await Promise.all(alive.map((id) => clientOf(clients, id).shareKeys(roster)));
  const inboxes = server.routeShares(outboxes.flat());
  alive = alive.filter((id) => !afterShareKeys.has(id));
  const masked = await Promise.all(
    alive.map(async (id) => {
      const client = clientOf(clients, id);
      await client.receiveShares(inboxes.get(id) ?? []);
      const input = options.inputs.get(id);
      return input === undefined ? undefined : client.maskInput(input.update, input.weight);
    }),
  );
  for (const m of masked) if (m !== undefined) server.addMaskedInput(m);
  const request = server.unmaskRequest();
  alive = alive.filter((id) => !afterUpload.has(id));
  const responses = await Promise.all(alive.map((id) => clientOf(clients, id).unmask(request)));
  for (const response of responses) server.addUnmaskResponse(response);
  return server.finish(length);
}

function clientOf(clients: ReadonlyMap<string, SecAggClient>, id: string): SecAggClient {
  const client = clients.get(id);
  if (client === undefined) throw new Error(`no client ${id}`);
  return client;
}
