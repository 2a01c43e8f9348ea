/**
 * Turns RunStore inputs into records: validates every field, fills defaults and deep-copies
 * JSON. Both implementations build their records here, so they agree on every value.
 */
import { randomUUID } from 'node:crypto';
import { EdgefedError, isErrorCode, type ErrorCode } from '@edgefed/shared';
import { isSha256Hex } from './hash.js';
import { cloneJson, cloneJsonObject, cloneMetricMap } from './json.js';
import {
  CLIENT_OUTCOMES,
  METRIC_SCOPES,
  ROUND_STATES,
  RUN_STATUSES,
  type CheckpointRecord,
  type ClientOutcomeRecord,
  type ClientSessionRecord,
  type MetricPoint,
  type RoundKey,
  type RoundRecord,
  type RunRecord,
} from './records.js';
import {
  checkCount,
  checkEnum,
  checkFinite,
  checkId,
  checkKeys,
  checkObject,
  checkText,
} from './validate.js';

const RUN_PATCH_KEYS = [
  'name',
  'status',
  'config',
  'currentRound',
  'currentModelVersion',
  'strategyState',
  'bestMetrics',
] as const;

/** The fields of a `commitRound` input. */
export const COMMIT_KEYS = [
  'runUpdate',
  'expectedRevision',
  'fence',
  'round',
  'outcomes',
  'metrics',
  'checkpoint',
] as const;

/** Builds a new run (revision 0, round 0, no model) from `createRun` input. */
export function newRun(input: unknown, now: number): RunRecord {
  const o = checkObject(input, 'run');
  checkKeys(o, ['id', 'name', 'config', 'status'], 'run');
  return {
    id: o.id === undefined ? randomUUID() : checkId(o.id, 'run.id'),
    name: checkText(o.name, 'run.name', 1000),
    status: o.status === undefined ? 'created' : checkEnum(o.status, RUN_STATUSES, 'run.status'),
    config: cloneJsonObject(o.config, 'run.config'),
    createdAt: now,
    updatedAt: now,
    revision: 0,
    currentRound: 0,
    currentModelVersion: null,
    strategyState: null,
    bestMetrics: {},
  };
}

/** The run after `patch`, with revision + 1 and `updatedAt = now`. */
export function patchRun(run: RunRecord, patch: unknown, now: number): RunRecord {
  const p = checkObject(patch, 'patch');
  checkKeys(p, RUN_PATCH_KEYS, 'patch');
  const pick = <T>(key: string, check: (v: unknown) => T, current: T): T =>
    p[key] === undefined ? current : check(p[key]);
  return {
    ...run,
    name: pick('name', (v) => checkText(v, 'patch.name', 1000), run.name),
    status: pick('status', (v) => checkEnum(v, RUN_STATUSES, 'patch.status'), run.status),
    config: pick('config', (v) => cloneJsonObject(v, 'patch.config'), run.config),
    currentRound: pick('currentRound', (v) => checkCount(v, 'patch.currentRound'), run.currentRound),
    currentModelVersion: pick(
      'currentModelVersion',
      (v) => (v === null ? null : checkCount(v, 'patch.currentModelVersion')),
      run.currentModelVersion,
    ),
    strategyState: pick('strategyState', (v) => cloneJson(v, 'patch.strategyState'), run.strategyState),
    bestMetrics: pick('bestMetrics', (v) => cloneMetricMap(v, 'patch.bestMetrics'), run.bestMetrics),
    revision: run.revision + 1,
    updatedAt: now,
  };
}

/** Validates a round key. */
export function roundKey(input: unknown, field = 'round'): RoundKey {
  const o = checkObject(input, field);
  return {
    runId: checkId(o.runId, `${field}.runId`),
    round: checkCount(o.round, `${field}.round`),
    attempt: checkCount(o.attempt, `${field}.attempt`),
  };
}

const ROUND_FIELDS = [
  'state',
  'startedAt',
  'endedAt',
  'selectedCount',
  'completedCount',
  'failedCount',
  'droppedCount',
  'bytesUp',
  'bytesDown',
  'trainMetrics',
  'evalMetrics',
  'failureReason',
] as const;

/** The round after applying `patch` (fields absent from `patch` keep their values). */
export function patchRound(round: RoundRecord, patch: unknown, field = 'patch'): RoundRecord {
  const p = checkObject(patch, field);
  checkKeys(p, ROUND_FIELDS, field);
  const pick = <T>(key: string, check: (v: unknown, f: string) => T, current: T): T =>
    p[key] === undefined ? current : check(p[key], `${field}.${key}`);
  const nullable =
    <T>(check: (v: unknown, f: string) => T) =>
    (v: unknown, f: string): T | null =>
      v === null ? null : check(v, f);
  return {
    ...round,
    state: pick('state', (v, f) => checkEnum(v, ROUND_STATES, f), round.state),
    startedAt: pick('startedAt', checkCount, round.startedAt),
    endedAt: pick('endedAt', nullable(checkCount), round.endedAt),
    selectedCount: pick('selectedCount', checkCount, round.selectedCount),
    completedCount: pick('completedCount', checkCount, round.completedCount),
    failedCount: pick('failedCount', checkCount, round.failedCount),
    droppedCount: pick('droppedCount', checkCount, round.droppedCount),
    bytesUp: pick('bytesUp', checkCount, round.bytesUp),
    bytesDown: pick('bytesDown', checkCount, round.bytesDown),
    trainMetrics: pick('trainMetrics', cloneMetricMap, round.trainMetrics),
    evalMetrics: pick('evalMetrics', cloneMetricMap, round.evalMetrics),
    failureReason: pick('failureReason', nullable(checkText), round.failureReason),
  };
}

/** Builds a round record from `recordRound` input; `state` and `startedAt` are required. */
export function newRound(input: unknown): RoundRecord {
  const o = checkObject(input, 'round');
  const { runId, round, attempt, ...rest } = o;
  const base: RoundRecord = {
    ...roundKey({ runId, round, attempt }),
    state: checkEnum(o.state, ROUND_STATES, 'round.state'),
    startedAt: checkCount(o.startedAt, 'round.startedAt'),
    endedAt: null,
    selectedCount: 0,
    completedCount: 0,
    failedCount: 0,
    droppedCount: 0,
    bytesUp: 0,
    bytesDown: 0,
    trainMetrics: {},
    evalMetrics: {},
    failureReason: null,
  };
  return patchRound(base, rest, 'round');
}

const OUTCOME_FIELDS = ['clientId', 'outcome', 'code', 'exampleCount', 'metrics', 'bytesUp', 'bytesDown'];

function errorCode(value: unknown, field: string): ErrorCode | null {
  if (value === undefined || value === null) return null;
  if (!isErrorCode(value)) {
    throw new EdgefedError('INVALID_ARGUMENT', `${field} is not a known error code`, { details: { field } });
  }
  return value;
}

/**
 * Builds a client outcome. With `key`, the input must not carry its own round key (it
 * belongs to the round being committed); without, it must.
 */
export function newOutcome(
  input: unknown,
  now: number,
  key?: RoundKey,
  field = 'outcome',
): ClientOutcomeRecord {
  const o = checkObject(input, field);
  checkKeys(o, key === undefined ? [...OUTCOME_FIELDS, 'runId', 'round', 'attempt'] : OUTCOME_FIELDS, field);
  const k = key ?? roundKey(o, field);
  const count = (k: string): number => (o[k] === undefined ? 0 : checkCount(o[k], `${field}.${k}`));
  return {
    ...k,
    clientId: checkId(o.clientId, `${field}.clientId`),
    outcome: checkEnum(o.outcome, CLIENT_OUTCOMES, `${field}.outcome`),
    code: errorCode(o.code, `${field}.code`),
    exampleCount: count('exampleCount'),
    metrics: o.metrics === undefined ? {} : cloneMetricMap(o.metrics, `${field}.metrics`),
    bytesUp: count('bytesUp'),
    bytesDown: count('bytesDown'),
    recordedAt: now,
  };
}

/** Where a metric or checkpoint inside `commitRound` belongs. */
export interface RunRound {
  readonly runId: string;
  readonly round: number;
}

/** Builds a metric point. With `at`, run and round come from it (and must not be in `input`). */
export function newMetric(input: unknown, now: number, at?: RunRound, field = 'metric'): MetricPoint {
  const o = checkObject(input, field);
  checkKeys(
    o,
    at === undefined ? ['runId', 'round', 'name', 'value', 'scope'] : ['name', 'value', 'scope'],
    field,
  );
  return {
    runId: at?.runId ?? checkId(o.runId, `${field}.runId`),
    round: at?.round ?? checkCount(o.round, `${field}.round`),
    name: checkId(o.name, `${field}.name`),
    value: checkFinite(o.value, `${field}.value`),
    scope: checkEnum(o.scope, METRIC_SCOPES, `${field}.scope`),
    recordedAt: now,
  };
}

/**
 * Builds a checkpoint record; `hash` must be lower-case hex SHA-256. With `at`, run and
 * round come from it (and must not be in `input`).
 */
export function newCheckpoint(
  input: unknown,
  now: number,
  at?: RunRound,
  field = 'checkpoint',
): CheckpointRecord {
  const o = checkObject(input, field);
  const own = ['version', 'hash', 'byteSize'];
  checkKeys(o, at === undefined ? [...own, 'runId', 'round'] : own, field);
  if (!isSha256Hex(o.hash)) {
    throw new EdgefedError('INVALID_ARGUMENT', `${field}.hash must be 64 lower-case hex characters`, {
      details: { field: `${field}.hash` },
    });
  }
  return {
    runId: at?.runId ?? checkId(o.runId, `${field}.runId`),
    version: checkCount(o.version, `${field}.version`),
    round: at?.round ?? checkCount(o.round, `${field}.round`),
    hash: o.hash,
    byteSize: checkCount(o.byteSize, `${field}.byteSize`),
    createdAt: now,
  };
}

/** The session after an upsert: new (counters 0) or updated (first seen and counters kept). */
export function upsertSession(
  existing: ClientSessionRecord | undefined,
  input: unknown,
  now: number,
): ClientSessionRecord {
  const o = checkObject(input, 'session');
  checkKeys(o, ['clientId', 'resumeTokenHash', 'capabilities', 'seenAt'], 'session');
  const seenAt = o.seenAt === undefined ? now : checkCount(o.seenAt, 'session.seenAt');
  return {
    clientId: checkId(o.clientId, 'session.clientId'),
    resumeTokenHash: checkId(o.resumeTokenHash, 'session.resumeTokenHash'),
    capabilities: cloneJsonObject(o.capabilities, 'session.capabilities'),
    firstSeen: existing?.firstSeen ?? seenAt,
    lastSeen: existing === undefined ? seenAt : Math.max(existing.lastSeen, seenAt),
    contributions: existing?.contributions ?? 0,
    failures: existing?.failures ?? 0,
  };
}

/** A checkpoint version must exceed the run's latest one. */
export function checkVersionIncreases(runId: string, version: number, latest: number | undefined): void {
  if (latest !== undefined && version <= latest) {
    throw new EdgefedError(
      'CONFLICT',
      `Checkpoint version ${version} of run ${runId} is not above the latest version ${latest}`,
      { details: { runId, version, latest } },
    );
  }
}

/** A run update with `expectedRevision` must see that revision. */
export function checkRevision(run: RunRecord, expected: unknown): void {
  if (expected === undefined) return;
  const want = checkCount(expected, 'expectedRevision');
  if (run.revision !== want) {
    throw new EdgefedError('CONFLICT', `Run ${run.id} is at revision ${run.revision}, expected ${want}`, {
      details: { runId: run.id, revision: run.revision, expectedRevision: want },
    });
  }
}
