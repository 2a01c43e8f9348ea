/**
 * JSON values as the run store keeps them: validated on the way in, deep-copied so that
 * callers can never mutate stored state, and identical whether kept in memory or as
 * SQLite TEXT.
 */
import { EdgefedError } from '@edgefed/shared';

/** Any value that survives `JSON.stringify` / `JSON.parse` unchanged. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | JsonObject;

/** A JSON object (plain object with JSON values). */
export interface JsonObject {
  readonly [key: string]: JsonValue;
}

/** A flat name -> finite number map: train/eval/best metrics. */
export type MetricMap = Readonly<Record<string, number>>;

const MAX_DEPTH = 64;

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function copy(value: unknown, path: string, depth: number): JsonValue {
  if (depth > MAX_DEPTH) {
    throw new EdgefedError(
      'INVALID_ARGUMENT',
      `${path} nests deeper than ${MAX_DEPTH} levels (or is cyclic)`,
    );
  }
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new EdgefedError('NON_FINITE', `${path} is ${value}, which JSON cannot hold`, {
        details: { path },
      });
    }
    return value === 0 ? 0 : value; // -0 becomes 0, as JSON would make it
  }
  if (Array.isArray(value)) return value.map((item, i) => copy(item, `${path}[${i}]`, depth + 1));
  if (typeof value === 'object' && isPlainObject(value)) {
    const out: Record<string, JsonValue> = {};
    for (const [key, item] of Object.entries(value)) out[key] = copy(item, `${path}.${key}`, depth + 1);
    return out;
  }
  throw new EdgefedError('INVALID_ARGUMENT', `${path} is not JSON (found ${typeof value})`, {
    details: { path },
  });
}

/**
 * Validates `value` as JSON and returns a deep copy.
 *
 * Throws `NON_FINITE` for NaN/Infinity anywhere inside, and `INVALID_ARGUMENT` for
 * `undefined`, functions, bigints, symbols, class instances (Date, Map, typed arrays),
 * and nesting deeper than 64 levels (which also catches cycles). `-0` becomes `0` (JSON
 * cannot tell them apart). `path` names the value in error messages.
 */
export function cloneJson(value: unknown, path: string): JsonValue {
  return copy(value, path, 0);
}

/** Like {@link cloneJson} but the value must be a JSON object (not an array or scalar). */
export function cloneJsonObject(value: unknown, path: string): JsonObject {
  const out = cloneJson(value, path);
  if (out === null || typeof out !== 'object' || Array.isArray(out)) {
    throw new EdgefedError('INVALID_ARGUMENT', `${path} must be a JSON object`, { details: { path } });
  }
  return out as JsonObject;
}

/**
 * Validates a metric map and returns a copy. Keys must be non-empty; values finite
 * numbers (`NON_FINITE` for NaN/Infinity, `INVALID_ARGUMENT` for anything else).
 */
export function cloneMetricMap(value: unknown, path: string): MetricMap {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || !isPlainObject(value)) {
    throw new EdgefedError('INVALID_ARGUMENT', `${path} must be an object of numbers`, { details: { path } });
  }
  const out: Record<string, number> = {};
  for (const [key, item] of Object.entries(value)) {
    if (key === '') throw new EdgefedError('INVALID_ARGUMENT', `${path} has an empty metric name`);
    if (typeof item !== 'number') {
      throw new EdgefedError('INVALID_ARGUMENT', `${path}.${key} must be a number`, { details: { path } });
    }
    if (!Number.isFinite(item)) {
      throw new EdgefedError('NON_FINITE', `${path}.${key} is ${item}`, { details: { path, name: key } });
    }
    out[key] = item === 0 ? 0 : item; // -0 becomes 0, as JSON and SQLite would make it
  }
  return out;
}
