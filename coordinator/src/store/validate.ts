/**
 * Input checks shared by every RunStore implementation, so that all of them reject exactly
 * the same inputs with the same codes. Each check throws `INVALID_ARGUMENT` (or `NON_FINITE`)
 * naming the offending field. The list options of the read methods (`listRuns`,
 * `listClientOutcomes`, `listMetrics`) are validated here too, once for the table stores
 * and the PostgreSQL store.
 */
import { EdgefedError } from '@edgefed/shared';
import {
  METRIC_SCOPES,
  RUN_STATUSES,
  type ListClientOutcomesOptions,
  type ListMetricsOptions,
  type RoundKey,
} from './records.js';
import type { RunQuery } from './store-tables.js';

/** Longest id (run id, client id) the store accepts. */
export const MAX_ID_LENGTH = 200;

function invalid(message: string, field: string): EdgefedError {
  return new EdgefedError('INVALID_ARGUMENT', message, { details: { field } });
}

/** An input object: a non-null, non-array object. */
export function checkObject(value: unknown, field: string): Readonly<Record<string, unknown>> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalid(`${field} must be an object`, field);
  }
  return value as Readonly<Record<string, unknown>>;
}

/** Rejects keys outside `allowed` (a typo or a read-only field such as `revision`). */
export function checkKeys(value: object, allowed: readonly string[], field: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw invalid(`${field}.${key} is not a field that can be set here`, field);
  }
}

/** A non-empty string of at most {@link MAX_ID_LENGTH} characters. */
export function checkId(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ID_LENGTH) {
    throw invalid(`${field} must be a string of 1-${MAX_ID_LENGTH} characters`, field);
  }
  return value;
}

/** Any string (may be empty), at most `max` characters. */
export function checkText(value: unknown, field: string, max = 10_000): string {
  if (typeof value !== 'string' || value.length > max) {
    throw invalid(`${field} must be a string of at most ${max} characters`, field);
  }
  return value;
}

/** A non-negative safe integer (counts, byte sizes, rounds, versions, epoch ms). */
export function checkCount(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalid(`${field} must be a non-negative integer, got ${String(value)}`, field);
  }
  return value;
}

/** A finite number (`-0` becomes `0`, as SQLite stores it). NaN and +-Infinity throw `NON_FINITE`. */
export function checkFinite(value: unknown, field: string): number {
  if (typeof value !== 'number') throw invalid(`${field} must be a number`, field);
  if (!Number.isFinite(value)) {
    throw new EdgefedError('NON_FINITE', `${field} is ${value}`, { details: { field } });
  }
  return value === 0 ? 0 : value;
}

/** One of `allowed`. */
export function checkEnum<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalid(`${field} must be one of ${allowed.join(', ')}, got ${String(value)}`, field);
  }
  return value as T;
}

/** `undefined` stays `undefined`; anything else goes through `check`. */
export function optional<T>(value: unknown, check: (v: unknown) => T): T | undefined {
  return value === undefined ? undefined : check(value);
}

/** `{ [key]: value }` when value is defined, `{}` otherwise (for exactOptionalPropertyTypes). */
export function maybe<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

/** An optional array (`undefined` is empty). */
export function checkList(value: unknown, field: string): readonly unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new EdgefedError('INVALID_ARGUMENT', `${field} must be an array`);
  return value;
}

/** Validated `listRuns` options. */
export function runQuery(options: unknown): RunQuery {
  const o = checkObject(options ?? {}, 'options');
  checkKeys(o, ['status', 'limit', 'offset'], 'options');
  return {
    status: optional(o.status, (v) => checkEnum(v, RUN_STATUSES, 'options.status')),
    limit: optional(o.limit, (v) => checkCount(v, 'options.limit')),
    offset: optional(o.offset, (v) => checkCount(v, 'options.offset')) ?? 0,
  };
}

/** Validated `listClientOutcomes` options. */
export function outcomeFilter(options: unknown): ListClientOutcomesOptions {
  const o = checkObject(options ?? {}, 'options');
  checkKeys(o, ['round', 'attempt', 'clientId'], 'options');
  const round = optional(o.round, (v) => checkCount(v, 'options.round'));
  const attempt = optional(o.attempt, (v) => checkCount(v, 'options.attempt'));
  const clientId = optional(o.clientId, (v) => checkId(v, 'options.clientId'));
  return { ...maybe('round', round), ...maybe('attempt', attempt), ...maybe('clientId', clientId) };
}

/** Validated `listMetrics` options. */
export function metricFilter(options: unknown): ListMetricsOptions {
  const o = checkObject(options ?? {}, 'options');
  checkKeys(o, ['name', 'scope', 'fromRound', 'toRound'], 'options');
  const name = optional(o.name, (v) => checkId(v, 'options.name'));
  const scope = optional(o.scope, (v) => checkEnum(v, METRIC_SCOPES, 'options.scope'));
  const fromRound = optional(o.fromRound, (v) => checkCount(v, 'options.fromRound'));
  const toRound = optional(o.toRound, (v) => checkCount(v, 'options.toRound'));
  return {
    ...maybe('name', name),
    ...maybe('scope', scope),
    ...maybe('fromRound', fromRound),
    ...maybe('toRound', toRound),
  };
}

/** A round key with nothing else (for error details). */
export function keyOf(key: RoundKey): RoundKey {
  return { runId: key.runId, round: key.round, attempt: key.attempt };
}

/** A write's `fence` (see `WriteFence`): its epoch, or `undefined` when there is none. */
export function checkFence(value: unknown, field: string): number | undefined {
  if (value === undefined) return undefined;
  const o = checkObject(value, field);
  checkKeys(o, ['epoch'], field);
  return checkCount(o.epoch, `${field}.epoch`);
}
