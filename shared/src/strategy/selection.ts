/**
 * Client selection shared by the built-in strategies: a seeded sample of a fraction of the
 * eligible clients, with a minimum, a quorum check and an over-selection factor.
 */
import type { Prng } from '../data/prng.js';
import { EdgefedError } from '../errors.js';
import type { ClientCandidate } from './types.js';

/** Options for {@link selectClients}. */
export interface SelectionOptions {
  readonly available: readonly ClientCandidate[];
  /** Fraction C of eligible clients to target, in (0, 1]. */
  readonly fraction: number;
  /** Fewest clients to target (integer >= 1). */
  readonly minClients: number;
  /** Fewest eligible clients needed to start at all (integer >= 1). */
  readonly minAvailable: number;
  /** Select ceil(target x overSelection) clients (>= 1) so stragglers can be dropped. */
  readonly overSelection: number;
  readonly rng: Prng;
}

/** The selected ids (in random order) and how many results to wait for. */
export interface Selection {
  readonly clientIds: readonly string[];
  readonly targetResults: number;
}

/**
 * Selects clients. Candidates with `capabilities.eligible === false` are skipped; the rest
 * are sorted by id, so the result depends only on the set of candidates and the rng state.
 * target = min(eligible, max(minClients, ceil(fraction x eligible))); the sample has
 * min(eligible, ceil(target x overSelection)) clients, drawn without replacement by a partial
 * Fisher-Yates shuffle. Throws `QUORUM_NOT_MET` when eligible < minAvailable and
 * `INVALID_ARGUMENT` for duplicate ids.
 */
export function selectClients(options: SelectionOptions): Selection {
  const ids = eligibleIds(options.available);
  if (ids.length < options.minAvailable) {
    throw new EdgefedError(
      'QUORUM_NOT_MET',
      `${ids.length} eligible clients available, at least ${options.minAvailable} needed`,
      { details: { available: ids.length, minAvailable: options.minAvailable } },
    );
  }
  const target = Math.min(ids.length, Math.max(options.minClients, Math.ceil(options.fraction * ids.length)));
  const count = Math.min(ids.length, Math.ceil(target * options.overSelection));
  for (let i = 0; i < count; i++) {
    const j = i + options.rng.nextInt(ids.length - i);
    const t = ids[i] ?? '';
    ids[i] = ids[j] ?? '';
    ids[j] = t;
  }
  return { clientIds: ids.slice(0, count), targetResults: target };
}

function eligibleIds(available: readonly ClientCandidate[]): string[] {
  const seen = new Set<string>();
  for (const c of available) {
    if (seen.has(c.id)) {
      throw new EdgefedError('INVALID_ARGUMENT', `Client "${c.id}" listed twice`, {
        details: { clientId: c.id },
      });
    }
    seen.add(c.id);
  }
  return available
    .filter((c) => c.capabilities?.eligible !== false)
    .map((c) => c.id)
    .sort();
}
