/**
 * TableRunStore: the RunStore semantics written once over StoreTables. Validation,
 * revisions, checkpoint-version monotonicity, session counters and the all-or-nothing
 * `commitRound` live here, so every storage backend behaves identically.
 */
import { EdgefedError, toEdgefedError } from '@edgefed/shared';
import {
  COMMIT_KEYS,
  checkRevision,
  checkVersionIncreases,
  newCheckpoint,
  newMetric,
  newOutcome,
  newRound,
  newRun,
  patchRound,
  patchRun,
  roundKey,
  upsertSession,
} from './normalize.js';
import { type ClientOutcomeRecord, type RoundKey, type RoundRecord, type RunRecord } from './records.js';
import type { CommitRoundInput, CommitRoundResult, RunStore, UpdateRunOptions } from './run-store.js';
import type { StoreTables } from './store-tables.js';
import { nextFence, outcomeExists, roundExists, runExists } from './store-errors.js';
import { checkCount, checkFence, checkId, checkKeys, checkList, checkObject, keyOf } from './validate.js';
import { TableReads } from './table-reads.js';
import {
  newEvaluationReport,
  reportFilter,
  requireRunId,
  type EvaluationReportRecord,
} from './evaluation-reports.js';

/** Options shared by RunStore factories. */
export interface RunStoreClockOptions {
  /** Clock for createdAt/updatedAt/recordedAt, in epoch ms. Defaults to `Date.now`. */
  readonly now?: () => number;
}

/** A RunStore over any {@link StoreTables}. Not exported from the package: use the factories. */
export class TableRunStore extends TableReads implements RunStore {
  readonly #now: () => number;

  constructor(tables: StoreTables, options: RunStoreClockOptions = {}) {
    super(tables);
    this.#now = options.now ?? Date.now;
  }

  #time(): number {
    return checkCount(this.#now(), 'clock');
  }

  putEvaluationReport(input: unknown): Promise<EvaluationReportRecord> {
    return this.settle((t) =>
      t.transaction(() => {
        const report = newEvaluationReport(input, this.#time());
        requireRunId(t, report.runId);
        t.putReport(report);
        return report;
      }),
    );
  }

  listEvaluationReports(runId: string, options?: unknown): Promise<EvaluationReportRecord[]> {
    return this.settle((t) => t.listReports(requireRunId(t, runId), reportFilter(options)));
  }

  createRun(input: Parameters<RunStore['createRun']>[0]): Promise<RunRecord> {
    return this.settle((t) =>
      t.transaction(() => {
        const run = newRun(input, this.#time());
        if (t.getRun(run.id) !== undefined) {
          throw runExists(run.id);
        }
        t.insertRun(run);
        return run;
      }),
    );
  }

  updateRun(id: string, patch: Parameters<RunStore['updateRun']>[1], options: UpdateRunOptions = {}) {
    return this.settle((t) =>
      t.transaction(() => {
        const o = checkObject(options, 'options');
        return this.#updateRun(t, checkId(id, 'id'), patch, o);
      }),
    );
  }

  /** Checks `fence` (see `WriteFence`) and raises the run's stored epoch, in the caller's transaction. */
  #fence(t: StoreTables, runId: string, fence: unknown, field: string): void {
    const epoch = nextFence(runId, t.getFence(runId), checkFence(fence, field));
    if (epoch !== undefined) t.setFence(runId, epoch);
  }

  raiseFence(runId: string, fence: unknown): Promise<void> {
    return this.settle((t) =>
      t.transaction(() => {
        const id = this.requireRun(t, checkId(runId, 'runId')).id;
        this.#fence(t, id, checkObject(fence, 'fence'), 'fence');
      }),
    );
  }

  #updateRun(
    t: StoreTables,
    id: string,
    patch: unknown,
    o: Readonly<Record<string, unknown>>,
    field = 'options',
  ): RunRecord {
    const run = this.requireRun(t, id);
    this.#fence(t, id, o.fence, `${field}.fence`);
    checkRevision(run, o.expectedRevision);
    const next = patchRun(run, patch, this.#time());
    if (!t.replaceRun(next, run.revision)) {
      throw new EdgefedError('CONFLICT', `Run ${id} changed during the update`, { details: { runId: id } });
    }
    return next;
  }

  recordRound(input: Parameters<RunStore['recordRound']>[0]): Promise<RoundRecord> {
    return this.settle((t) =>
      t.transaction(() => {
        const round = newRound(input);
        this.requireRun(t, round.runId);
        if (t.getRound(round) !== undefined) {
          throw roundExists(round);
        }
        t.putRound(round);
        return round;
      }),
    );
  }

  updateRound(key: RoundKey, patch: Parameters<RunStore['updateRound']>[1]): Promise<RoundRecord> {
    return this.settle((t) =>
      t.transaction(() => {
        const next = patchRound(this.requireRound(t, roundKey(key, 'key')), patch);
        t.putRound(next);
        return next;
      }),
    );
  }

  recordClientOutcomes(
    outcomes: Parameters<RunStore['recordClientOutcomes']>[0],
  ): Promise<ClientOutcomeRecord[]> {
    return this.settle((t) =>
      t.transaction(() => {
        if (!Array.isArray(outcomes)) throw new EdgefedError('INVALID_ARGUMENT', 'outcomes must be an array');
        const now = this.#time();
        return outcomes.map((o, i) => {
          const record = newOutcome(o, now, undefined, `outcomes[${i}]`);
          this.requireRound(t, record);
          this.#insertOutcome(t, record);
          return record;
        });
      }),
    );
  }

  async recordClientOutcome(outcome: Parameters<RunStore['recordClientOutcome']>[0]) {
    const [record] = await this.recordClientOutcomes([outcome]);
    if (record === undefined) throw new EdgefedError('INTERNAL', 'recordClientOutcomes returned nothing');
    return record;
  }

  #insertOutcome(t: StoreTables, record: ClientOutcomeRecord): void {
    if (t.hasOutcome(record)) {
      throw outcomeExists(record);
    }
    t.insertOutcome(record);
    const session = t.getSession(record.clientId);
    if (session === undefined) return;
    const completed = record.outcome === 'completed';
    t.putSession({
      ...session,
      contributions: session.contributions + (completed ? 1 : 0),
      failures: session.failures + (completed ? 0 : 1),
    });
  }

  appendMetrics(points: Parameters<RunStore['appendMetrics']>[0]) {
    return this.settle((t) =>
      t.transaction(() => {
        if (!Array.isArray(points)) throw new EdgefedError('INVALID_ARGUMENT', 'points must be an array');
        const now = this.#time();
        return points.map((p, i) => {
          const point = newMetric(p, now, undefined, `points[${i}]`);
          this.requireRun(t, point.runId);
          t.insertMetric(point);
          return point;
        });
      }),
    );
  }

  saveCheckpoint(
    input: Parameters<RunStore['saveCheckpoint']>[0],
    options: Parameters<RunStore['saveCheckpoint']>[1] = {},
  ) {
    return this.settle((t) =>
      t.transaction(() => {
        const checkpoint = newCheckpoint(input, this.#time());
        this.requireRun(t, checkpoint.runId);
        this.#fence(t, checkpoint.runId, checkObject(options, 'options').fence, 'options.fence');
        checkVersionIncreases(
          checkpoint.runId,
          checkpoint.version,
          t.latestCheckpoint(checkpoint.runId)?.version,
        );
        t.insertCheckpoint(checkpoint);
        return checkpoint;
      }),
    );
  }

  commitRound(input: CommitRoundInput): Promise<CommitRoundResult> {
    return this.settle((t) => t.transaction(() => this.#commit(t, input)));
  }

  #commit(t: StoreTables, input: unknown): CommitRoundResult {
    const o = checkObject(input, 'commit');
    checkKeys(o, COMMIT_KEYS, 'commit');
    const round = newRound(o.round);
    const run = this.#updateRun(t, round.runId, o.runUpdate, o, 'commit');
    t.putRound(round);
    const now = this.#time();
    const at = { runId: round.runId, round: round.round };
    checkList(o.outcomes, 'commit.outcomes').forEach((item, i) => {
      this.#insertOutcome(t, newOutcome(item, now, keyOf(round), `commit.outcomes[${i}]`));
    });
    checkList(o.metrics, 'commit.metrics').forEach((item, i) => {
      t.insertMetric(newMetric(item, now, at, `commit.metrics[${i}]`));
    });
    let checkpoint;
    if (o.checkpoint !== undefined) {
      checkpoint = newCheckpoint(o.checkpoint, now, at, 'commit.checkpoint');
      checkVersionIncreases(round.runId, checkpoint.version, t.latestCheckpoint(round.runId)?.version);
      t.insertCheckpoint(checkpoint);
    }
    return { run, round, checkpoint };
  }

  upsertClientSession(input: Parameters<RunStore['upsertClientSession']>[0]) {
    return this.settle((t) =>
      t.transaction(() => {
        const clientId = checkId(checkObject(input, 'session').clientId, 'session.clientId');
        const session = upsertSession(t.getSession(clientId), input, this.#time());
        t.putSession(session);
        return session;
      }),
    );
  }

  /** Closes the tables; idempotent. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    try {
      this.tables.close();
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(toEdgefedError(error, 'STORE_ERROR'));
    }
  }
}
