/**
 * Loads the coordinator configuration from (lowest to highest precedence) defaults,
 * a JSON or YAML file, EDGEFED_* environment variables and command-line flags, and
 * validates the merged result. Every problem is reported at once, with the path of the
 * bad value and where it came from, as an EdgefedError `INVALID_CONFIG`.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { EdgefedError } from '@edgefed/shared';
import { coordinatorConfigSchema, type CoordinatorConfig } from './schema.js';

type Plain = Record<string, unknown>;

/** Where each setting may come from. */
export interface ConfigSources {
  /** Path of a `.json`, `.yaml` or `.yml` file. */
  readonly file?: string;
  /** Environment (defaults to none; pass `process.env` to read EDGEFED_* variables). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Overrides from flags, already in config shape. */
  readonly overrides?: Plain;
}

/** Environment variable -> config path and parser. */
const ENV_MAP: ReadonlyArray<readonly [string, readonly string[], (v: string) => unknown]> = [
  ['EDGEFED_HOST', ['server', 'host'], String],
  ['EDGEFED_PORT', ['server', 'port'], Number],
  ['EDGEFED_PUBLIC_URL', ['server', 'publicUrl'], String],
  [
    'EDGEFED_CORS_ORIGINS',
    ['server', 'corsOrigins'],
    (v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
  ],
  ['EDGEFED_STORE', ['store', 'kind'], String],
  ['EDGEFED_DATA_DIR', ['store', 'dataDir'], String],
  ['EDGEFED_POSTGRES_URL', ['store', 'url'], String],
  ['EDGEFED_ADMIN_TOKEN', ['auth', 'adminToken'], String],
  ['EDGEFED_TOKEN_SECRET', ['auth', 'tokenSecret'], String],
  ['EDGEFED_LOG_LEVEL', ['log', 'level'], String],
  ['EDGEFED_REDIS_URL', ['cluster', 'redis'], String],
  ['EDGEFED_NODE_ID', ['cluster', 'nodeId'], String],
  ['EDGEFED_NODE_URL', ['cluster', 'nodeUrl'], String],
];

function isPlain(v: unknown): v is Plain {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep-merges `b` over `a` (objects merge, everything else replaces). */
export function mergeConfig(a: Plain, b: Plain): Plain {
  const out: Plain = { ...a };
  for (const [k, v] of Object.entries(b)) {
    if (v === undefined) continue;
    const prev = out[k];
    out[k] = isPlain(prev) && isPlain(v) ? mergeConfig(prev, v) : v;
  }
  return out;
}

function setPath(target: Plain, path: readonly string[], value: unknown): void {
  let node = target;
  path.slice(0, -1).forEach((key) => {
    const next = node[key];
    node = isPlain(next) ? next : (node[key] = {});
  });
  const last = path[path.length - 1];
  if (last !== undefined) node[last] = value;
}

function readFile(file: string): Plain {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new EdgefedError('INVALID_CONFIG', `Cannot read config file ${file}`, { cause, details: { file } });
  }
  let parsed: unknown;
  try {
    parsed = extname(file) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new EdgefedError('INVALID_CONFIG', `Config file ${file} is not valid: ${reason}`, {
      cause,
      details: { file },
    });
  }
  if (parsed === null || parsed === undefined) return {};
  if (!isPlain(parsed)) throw new EdgefedError('INVALID_CONFIG', `Config file ${file} must hold an object`);
  return parsed;
}

function fromEnv(env: Readonly<Record<string, string | undefined>>): Plain {
  const out: Plain = {};
  for (const [name, path, parse] of ENV_MAP) {
    const raw = env[name];
    if (raw !== undefined && raw !== '') setPath(out, path, parse(raw));
  }
  // A PostgreSQL URL alone selects the PostgreSQL store (EDGEFED_STORE still wins).
  if ((env.EDGEFED_POSTGRES_URL ?? '') !== '' && (env.EDGEFED_STORE ?? '') === '') {
    setPath(out, ['store', 'kind'], 'postgres');
  }
  return out;
}

/** Loads and validates the configuration; throws `INVALID_CONFIG` listing every bad value. */
export function loadConfig(sources: ConfigSources = {}): CoordinatorConfig {
  let merged: Plain = {};
  if (sources.file !== undefined) merged = mergeConfig(merged, readFile(sources.file));
  if (sources.env !== undefined) merged = mergeConfig(merged, fromEnv(sources.env));
  if (sources.overrides !== undefined) merged = mergeConfig(merged, sources.overrides);
  const result = coordinatorConfigSchema.safeParse(merged);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new EdgefedError('INVALID_CONFIG', `Invalid configuration:\n  ${problems.join('\n  ')}`, {
      details: { problems },
    });
  }
  return result.data;
}
