/**
 * The errors every RunStore throws for a missing record (`NOT_FOUND`), one that exists
 * already (`ALREADY_EXISTS`) and a write with a stale fencing epoch (`CONFLICT`), built once
 * so that all stores say the same thing with the same details.
 */
import { EdgefedError } from '@edgefed/shared';
import type { RoundKey } from './records.js';
import { keyOf } from './validate.js';

/** `NOT_FOUND` for a run. */
export function noRun(runId: string): EdgefedError {
  return new EdgefedError('NOT_FOUND', `No run ${runId}`, { details: { runId } });
}

/** `NOT_FOUND` for a round attempt. */
export function noRound(key: RoundKey): EdgefedError {
  return new EdgefedError('NOT_FOUND', `No round ${key.round} attempt ${key.attempt} in run ${key.runId}`, {
    details: { runId: key.runId, round: key.round, attempt: key.attempt },
  });
}

/** `NOT_FOUND` for a checkpoint version. */
export function noCheckpoint(runId: string, version: number): EdgefedError {
  return new EdgefedError('NOT_FOUND', `Run ${runId} has no checkpoint version ${version}`, {
    details: { runId, version },
  });
}

/** `run#round.attempt`, for messages. */
function describeRound(key: RoundKey): string {
  return `${key.runId}#${key.round}.${key.attempt}`;
}

/** `ALREADY_EXISTS` for a run. */
export function runExists(runId: string): EdgefedError {
  return new EdgefedError('ALREADY_EXISTS', `Run ${runId} already exists`, { details: { runId } });
}

/** `ALREADY_EXISTS` for a round attempt. */
export function roundExists(key: RoundKey): EdgefedError {
  return new EdgefedError('ALREADY_EXISTS', `Round ${describeRound(key)} already exists`, {
    details: { ...keyOf(key) },
  });
}

/** `ALREADY_EXISTS` for a client's outcome in a round attempt. */
export function outcomeExists(key: RoundKey & { readonly clientId: string }): EdgefedError {
  return new EdgefedError(
    'ALREADY_EXISTS',
    `Client ${key.clientId} already has an outcome in round ${describeRound(key)}`,
    { details: { ...keyOf(key), clientId: key.clientId } },
  );
}

/**
 * Checks a fenced write's epoch against the run's stored one (`undefined`: none yet) and
 * returns the epoch to store, or `undefined` when nothing changes (no fence, or the same
 * epoch). `CONFLICT` with both epochs when the write's is lower.
 */
export function nextFence(
  runId: string,
  stored: number | undefined,
  epoch: number | undefined,
): number | undefined {
  if (epoch === undefined || epoch === stored) return undefined;
  if (stored !== undefined && epoch < stored) {
    throw new EdgefedError(
      'CONFLICT',
      `Run ${runId} is fenced at lease epoch ${stored}; a write with epoch ${epoch} is stale`,
      { details: { runId, storedEpoch: stored, epoch } },
    );
  }
  return epoch;
}
