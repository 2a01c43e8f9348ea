/**
 * TableReads: the read half of TableRunStore (lookups, lists, not-found errors) and the
 * plumbing both halves share: the closed flag and `settle`, which turns a synchronous
 * table operation into a promise and any foreign error into `STORE_ERROR`.
 */
import { EdgefedError, isEdgefedError, toEdgefedError } from '@edgefed/shared';
import { roundKey } from './normalize.js';
import {
  METRIC_SCOPES,
  RUN_STATUSES,
  type CheckpointRecord,
  type ClientOutcomeRecord,
  type ClientSessionRecord,
  type ListClientOutcomesOptions,
  type ListMetricsOptions,
  type MetricPoint,
  type RoundKey,
  type RoundRecord,
  type RunRecord,
} from './records.js';
import type { RunQuery, StoreTables } from './store-tables.js';
import { checkCount, checkEnum, checkId, checkKeys, checkObject, optional } from './validate.js';

/** Read methods of a RunStore over StoreTables. */
export class TableReads {
  protected readonly tables: StoreTables;
  protected closed = false;

  constructor(tables: StoreTables) {
    this.tables = tables;
  }

  /** Runs `fn` on the tables unless closed; rejects with EdgefedErrors only. */
  protected settle<T>(fn: (tables: StoreTables) => T): Promise<T> {
    if (this.closed)
      return Promise.reject(new EdgefedError('FAILED_PRECONDITION', 'The run store is closed'));
    try {
      return Promise.resolve(fn(this.tables));
    } catch (error) {
      if (isEdgefedError(error)) return Promise.reject(error);
      const wrapped = toEdgefedError(error, 'STORE_ERROR');
      return Promise.reject(
        new EdgefedError('STORE_ERROR', `Run store failed: ${wrapped.message}`, { cause: error }),
      );
    }
  }

  /** The run, or `NOT_FOUND`. */
  protected requireRun(t: StoreTables, id: string): RunRecord {
    const run = t.getRun(id);
    if (run === undefined) {
      throw new EdgefedError('NOT_FOUND', `No run ${id}`, { details: { runId: id } });
    }
    return run;
  }

  /** The round attempt, or `NOT_FOUND` (for the run or the round). */
  protected requireRound(t: StoreTables, key: RoundKey): RoundRecord {
    this.requireRun(t, key.runId);
    const round = t.getRound(key);
    if (round === undefined) {
      throw new EdgefedError(
        'NOT_FOUND',
        `No round ${key.round} attempt ${key.attempt} in run ${key.runId}`,
        {
          details: { runId: key.runId, round: key.round, attempt: key.attempt },
        },
      );
    }
    return round;
  }

  getRun(id: string): Promise<RunRecord> {
    return this.settle((t) => this.requireRun(t, checkId(id, 'id')));
  }

  listRuns(options?: unknown): Promise<RunRecord[]> {
    return this.settle((t) => t.listRuns(runQuery(options)));
  }

  getRound(key: RoundKey): Promise<RoundRecord> {
    return this.settle((t) => this.requireRound(t, roundKey(key, 'key')));
  }

  listRounds(runId: string): Promise<RoundRecord[]> {
    return this.settle((t) => t.listRounds(this.requireRun(t, checkId(runId, 'runId')).id));
  }

  listClientOutcomes(runId: string, options?: ListClientOutcomesOptions): Promise<ClientOutcomeRecord[]> {
    return this.settle((t) => {
      const o = checkObject(options ?? {}, 'options');
      checkKeys(o, ['round', 'attempt', 'clientId'], 'options');
      const filter: ListClientOutcomesOptions = {
        ...maybe(
          'round',
          optional(o.round, (v) => checkCount(v, 'options.round')),
        ),
        ...maybe(
          'attempt',
          optional(o.attempt, (v) => checkCount(v, 'options.attempt')),
        ),
        ...maybe(
          'clientId',
          optional(o.clientId, (v) => checkId(v, 'options.clientId')),
        ),
      };
      return t.listOutcomes(this.requireRun(t, checkId(runId, 'runId')).id, filter);
    });
  }

  listMetrics(runId: string, options?: ListMetricsOptions): Promise<MetricPoint[]> {
    return this.settle((t) => {
      const o = checkObject(options ?? {}, 'options');
      checkKeys(o, ['name', 'scope', 'fromRound', 'toRound'], 'options');
      const filter: ListMetricsOptions = {
        ...maybe(
          'name',
          optional(o.name, (v) => checkId(v, 'options.name')),
        ),
        ...maybe(
          'scope',
          optional(o.scope, (v) => checkEnum(v, METRIC_SCOPES, 'options.scope')),
        ),
        ...maybe(
          'fromRound',
          optional(o.fromRound, (v) => checkCount(v, 'options.fromRound')),
        ),
        ...maybe(
          'toRound',
          optional(o.toRound, (v) => checkCount(v, 'options.toRound')),
        ),
      };
      return t.listMetrics(this.requireRun(t, checkId(runId, 'runId')).id, filter);
    });
  }

  latestCheckpoint(runId: string): Promise<CheckpointRecord | undefined> {
    return this.settle((t) => t.latestCheckpoint(this.requireRun(t, checkId(runId, 'runId')).id));
  }

  getCheckpoint(runId: string, version: number): Promise<CheckpointRecord> {
    return this.settle((t) => {
      const id = this.requireRun(t, checkId(runId, 'runId')).id;
      const checkpoint = t.getCheckpoint(id, checkCount(version, 'version'));
      if (checkpoint === undefined) {
        throw new EdgefedError('NOT_FOUND', `Run ${id} has no checkpoint version ${version}`, {
          details: { runId: id, version },
        });
      }
      return checkpoint;
    });
  }

  listCheckpoints(runId: string): Promise<CheckpointRecord[]> {
    return this.settle((t) => t.listCheckpoints(this.requireRun(t, checkId(runId, 'runId')).id));
  }

  getClientSession(clientId: string): Promise<ClientSessionRecord | undefined> {
    return this.settle((t) => t.getSession(checkId(clientId, 'clientId')));
  }

  findClientSessionByTokenHash(resumeTokenHash: string): Promise<ClientSessionRecord | undefined> {
    return this.settle((t) => t.findSessionByTokenHash(checkId(resumeTokenHash, 'resumeTokenHash')));
  }
}

function runQuery(options: unknown): RunQuery {
  const o = checkObject(options ?? {}, 'options');
  checkKeys(o, ['status', 'limit', 'offset'], 'options');
  return {
    status: optional(o.status, (v) => checkEnum(v, RUN_STATUSES, 'options.status')),
    limit: optional(o.limit, (v) => checkCount(v, 'options.limit')),
    offset: optional(o.offset, (v) => checkCount(v, 'options.offset')) ?? 0,
  };
}

/** `{ [key]: value }` when value is defined, `{}` otherwise (for exactOptionalPropertyTypes). */
function maybe<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
