/**
 * Checks that a client runs on a roster it received (or a server builds): a round number, a
 * 32-byte seed, parameters equal to what the run's config resolves to for this many clients,
 * clients sorted and unique with 32-byte keys, and the checking client in it with its own keys.
 * A coordinator cannot lower the threshold or shrink the graph without the client noticing.
 */
import { EdgefedError } from '../errors.js';
import { resolveSecAggParams, sameParams } from './config.js';
import type { AdvertiseKeys, Roster, SecAggConfig } from './types.js';

const bad = (message: string): EdgefedError => new EdgefedError('SECAGG_BAD_MESSAGE', message);

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Throws `SECAGG_BAD_MESSAGE` unless `roster` is well-formed for `config` and contains `self`. */
export function checkRoster(roster: Roster, config: SecAggConfig, self: AdvertiseKeys): void {
  if (!Number.isSafeInteger(roster.round) || roster.round < 0) throw bad(`Bad round ${roster.round}`);
  if (roster.seed.length !== 32) throw bad(`The roster seed has ${roster.seed.length} bytes, not 32`);
  const ids = roster.clients.map((c) => c.clientId);
  for (let i = 1; i < ids.length; i++) {
    if (!((ids[i - 1] ?? '') < (ids[i] ?? ''))) throw bad('Roster clients must be sorted and unique');
  }
  for (const c of roster.clients) {
    if (c.cPublicKey.length !== 32 || c.sPublicKey.length !== 32)
      throw bad(`Bad key length for ${c.clientId}`);
  }
  const mine = roster.clients.find((c) => c.clientId === self.clientId);
  if (mine === undefined) throw bad(`${self.clientId} is not in the roster`);
  if (!sameBytes(mine.cPublicKey, self.cPublicKey) || !sameBytes(mine.sPublicKey, self.sPublicKey)) {
    throw bad(`The roster carries keys for ${self.clientId} that it did not advertise`);
  }
  const expected = resolveSecAggParams(config, roster.clients.length);
  if (!sameParams(expected, roster.params)) {
    throw bad(
      `Roster params ${JSON.stringify(roster.params)} differ from the run's ${JSON.stringify(expected)} for ${ids.length} clients`,
    );
  }
}
