/**
 * The in-memory RunStore: same semantics as the SQLite one (it runs the same
 * TableRunStore logic and passes the same conformance suite), nothing on disk. For tests
 * and simulations; a restart loses everything.
 *
 * Records are deep-copied on every write and every read, so callers can never reach
 * store state. Transactions keep an undo log and roll back on any error.
 */
import type {
  CheckpointRecord,
  ClientOutcomeRecord,
  ClientSessionRecord,
  ListClientOutcomesOptions,
  ListMetricsOptions,
  MetricPoint,
  RoundKey,
  RoundRecord,
  RunRecord,
} from './records.js';
import type { EvaluationReportRecord, ListEvaluationReportsOptions } from './evaluation-reports.js';
import type { RunStore } from './run-store.js';
import type { OutcomeKey, RunQuery, StoreTables } from './store-tables.js';
import { TableRunStore, type RunStoreClockOptions } from './table-run-store.js';

/** Options of {@link createMemoryRunStore}. */
export type MemoryRunStoreOptions = RunStoreClockOptions;

/** Creates an empty in-memory RunStore. */
export function createMemoryRunStore(options: MemoryRunStoreOptions = {}): RunStore {
  return new TableRunStore(new MemoryTables(), options);
}

const copy = <T>(value: T): T => structuredClone(value);
const roundId = (k: RoundKey): string => JSON.stringify([k.runId, k.round, k.attempt]);
const outcomeId = (k: OutcomeKey): string => JSON.stringify([k.runId, k.round, k.attempt, k.clientId]);

/** StoreTables over Maps and arrays, with an undo log for transactions. */
class MemoryTables implements StoreTables {
  readonly #runs = new Map<string, RunRecord>();
  readonly #rounds = new Map<string, RoundRecord>();
  readonly #outcomes = new Map<string, ClientOutcomeRecord[]>();
  readonly #outcomeIds = new Set<string>();
  readonly #metrics = new Map<string, MetricPoint[]>();
  readonly #checkpoints = new Map<string, CheckpointRecord[]>();
  readonly #sessions = new Map<string, ClientSessionRecord>();
  readonly #reports = new Map<string, EvaluationReportRecord>();
  readonly #fences = new Map<string, number>();
  #undo: (() => void)[] | undefined;

  transaction<T>(fn: () => T): T {
    if (this.#undo !== undefined) throw new Error('MemoryTables transactions are not re-entrant');
    const undo: (() => void)[] = [];
    this.#undo = undo;
    try {
      return fn();
    } catch (error) {
      for (let i = undo.length - 1; i >= 0; i--) undo[i]?.();
      throw error;
    } finally {
      this.#undo = undefined;
    }
  }

  #log(undo: () => void): void {
    if (this.#undo === undefined) throw new Error('MemoryTables writes need a transaction');
    this.#undo.push(undo);
  }

  #set<V>(map: Map<string, V>, key: string, value: V): void {
    const previous = map.get(key);
    this.#log(() => (previous === undefined ? map.delete(key) : map.set(key, previous)));
    map.set(key, copy(value));
  }

  #push<V>(map: Map<string, V[]>, key: string, value: V): void {
    let list = map.get(key);
    if (list === undefined) {
      list = [];
      map.set(key, list);
    }
    const target = list;
    this.#log(() => target.pop());
    target.push(copy(value));
  }

  getRun(id: string): RunRecord | undefined {
    return copy(this.#runs.get(id));
  }

  listRuns(query: RunQuery): RunRecord[] {
    const all = [...this.#runs.values()].filter(
      (r) => query.status === undefined || r.status === query.status,
    );
    const end = query.limit === undefined ? undefined : query.offset + query.limit;
    return copy(all.slice(query.offset, end));
  }

  insertRun(run: RunRecord): void {
    this.#set(this.#runs, run.id, run);
  }

  replaceRun(run: RunRecord, expectedRevision: number): boolean {
    if (this.#runs.get(run.id)?.revision !== expectedRevision) return false;
    this.#set(this.#runs, run.id, run);
    return true;
  }

  getFence(runId: string): number | undefined {
    return this.#fences.get(runId);
  }

  setFence(runId: string, epoch: number): void {
    this.#set(this.#fences, runId, epoch);
  }

  getRound(key: RoundKey): RoundRecord | undefined {
    return copy(this.#rounds.get(roundId(key)));
  }

  listRounds(runId: string): RoundRecord[] {
    const rounds = [...this.#rounds.values()].filter((r) => r.runId === runId);
    return copy(rounds.sort((a, b) => a.round - b.round || a.attempt - b.attempt));
  }

  putRound(round: RoundRecord): void {
    this.#set(this.#rounds, roundId(round), round);
  }

  hasOutcome(key: OutcomeKey): boolean {
    return this.#outcomeIds.has(outcomeId(key));
  }

  insertOutcome(outcome: ClientOutcomeRecord): void {
    const id = outcomeId(outcome);
    this.#log(() => this.#outcomeIds.delete(id));
    this.#outcomeIds.add(id);
    this.#push(this.#outcomes, outcome.runId, outcome);
  }

  listOutcomes(runId: string, f: ListClientOutcomesOptions): ClientOutcomeRecord[] {
    const all = this.#outcomes.get(runId) ?? [];
    return copy(
      all.filter(
        (o) =>
          (f.round === undefined || o.round === f.round) &&
          (f.attempt === undefined || o.attempt === f.attempt) &&
          (f.clientId === undefined || o.clientId === f.clientId),
      ),
    );
  }

  insertMetric(point: MetricPoint): void {
    this.#push(this.#metrics, point.runId, point);
  }

  listMetrics(runId: string, f: ListMetricsOptions): MetricPoint[] {
    const all = this.#metrics.get(runId) ?? [];
    const picked = all.filter(
      (m) =>
        (f.name === undefined || m.name === f.name) &&
        (f.scope === undefined || m.scope === f.scope) &&
        (f.fromRound === undefined || m.round >= f.fromRound) &&
        (f.toRound === undefined || m.round <= f.toRound),
    );
    // Array.prototype.sort is stable, so equal rounds keep insertion order.
    return copy(picked.sort((a, b) => a.round - b.round));
  }

  latestCheckpoint(runId: string): CheckpointRecord | undefined {
    return copy(this.#checkpoints.get(runId)?.at(-1));
  }

  getCheckpoint(runId: string, version: number): CheckpointRecord | undefined {
    return copy(this.#checkpoints.get(runId)?.find((c) => c.version === version));
  }

  listCheckpoints(runId: string): CheckpointRecord[] {
    return copy(this.#checkpoints.get(runId) ?? []);
  }

  insertCheckpoint(checkpoint: CheckpointRecord): void {
    this.#push(this.#checkpoints, checkpoint.runId, checkpoint);
  }

  getSession(clientId: string): ClientSessionRecord | undefined {
    return copy(this.#sessions.get(clientId));
  }

  putSession(session: ClientSessionRecord): void {
    this.#set(this.#sessions, session.clientId, session);
  }

  findSessionByTokenHash(resumeTokenHash: string): ClientSessionRecord | undefined {
    let found: ClientSessionRecord | undefined;
    for (const s of this.#sessions.values()) {
      if (s.resumeTokenHash !== resumeTokenHash) continue;
      const later =
        found === undefined ||
        s.lastSeen > found.lastSeen ||
        (s.lastSeen === found.lastSeen && s.clientId < found.clientId);
      if (later) found = s;
    }
    return copy(found);
  }

  putReport(report: EvaluationReportRecord): void {
    this.#set(this.#reports, JSON.stringify([report.runId, report.round, report.kind]), report);
  }

  listReports(runId: string, f: ListEvaluationReportsOptions): EvaluationReportRecord[] {
    const picked = [...this.#reports.values()].filter(
      (r) =>
        r.runId === runId &&
        (f.kind === undefined || r.kind === f.kind) &&
        (f.round === undefined || r.round === f.round),
    );
    return copy(picked.sort((a, b) => a.round - b.round || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0)));
  }

  close(): void {
    this.#reports.clear();
    this.#fences.clear();
    this.#runs.clear();
    this.#rounds.clear();
    this.#outcomes.clear();
    this.#outcomeIds.clear();
    this.#metrics.clear();
    this.#checkpoints.clear();
    this.#sessions.clear();
  }
}
