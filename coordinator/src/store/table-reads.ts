/**
 * TableReads: the read half of TableRunStore (lookups, lists, not-found errors) and the
 * plumbing both halves share: the closed flag and `settle`, which turns a synchronous
 * table operation into a promise and any foreign error into `STORE_ERROR`.
 */
import { EdgefedError, isEdgefedError, toEdgefedError } from '@edgefed/shared';
import { roundKey } from './normalize.js';
import type { RoundKey, RoundRecord, RunRecord } from './records.js';
import type { StoreTables } from './store-tables.js';
import { noCheckpoint, noRound, noRun } from './store-errors.js';
import { checkCount, checkId, metricFilter, outcomeFilter, runQuery } from './validate.js';

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
    if (run === undefined) throw noRun(id);
    return run;
  }

  /** The round attempt, or `NOT_FOUND` (for the run or the round). */
  protected requireRound(t: StoreTables, key: RoundKey): RoundRecord {
    this.requireRun(t, key.runId);
    const round = t.getRound(key);
    if (round === undefined) throw noRound(key);
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

  listClientOutcomes(runId: string, options?: unknown) {
    return this.settle((t) =>
      t.listOutcomes(this.requireRun(t, checkId(runId, 'runId')).id, outcomeFilter(options)),
    );
  }

  listMetrics(runId: string, options?: unknown) {
    return this.settle((t) =>
      t.listMetrics(this.requireRun(t, checkId(runId, 'runId')).id, metricFilter(options)),
    );
  }

  latestCheckpoint(runId: string) {
    return this.settle((t) => t.latestCheckpoint(this.requireRun(t, checkId(runId, 'runId')).id));
  }

  getCheckpoint(runId: string, version: number) {
    return this.settle((t) => {
      const id = this.requireRun(t, checkId(runId, 'runId')).id;
      const checkpoint = t.getCheckpoint(id, checkCount(version, 'version'));
      if (checkpoint === undefined) throw noCheckpoint(id, version);
      return checkpoint;
    });
  }

  listCheckpoints(runId: string) {
    return this.settle((t) => t.listCheckpoints(this.requireRun(t, checkId(runId, 'runId')).id));
  }

  getClientSession(clientId: string) {
    return this.settle((t) => t.getSession(checkId(clientId, 'clientId')));
  }

  findClientSessionByTokenHash(resumeTokenHash: string) {
    return this.settle((t) => t.findSessionByTokenHash(checkId(resumeTokenHash, 'resumeTokenHash')));
  }
}
