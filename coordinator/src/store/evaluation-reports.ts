/**
 * Evaluation reports: the structured results of one evaluation of one round, kept next to
 * the round's scalar metrics. `central` holds the coordinator's confusion matrix and
 * per-class metrics; `federated` the per-participant accuracy and loss and their
 * distribution. One report per (run, round, kind): saving again replaces it. The report
 * body is any JSON object (see `rounds/evaluation-report.ts` for what the runner writes).
 */
import { cloneJsonObject, type JsonObject } from './json.js';
import { noRun } from './store-errors.js';
import type { StoreTables } from './store-tables.js';
import { checkCount, checkEnum, checkId, checkKeys, checkObject, optional } from './validate.js';

/** Which evaluation a report comes from. */
export const EVALUATION_KINDS = ['central', 'federated'] as const;
/** One of {@link EVALUATION_KINDS}. */
export type EvaluationKind = (typeof EVALUATION_KINDS)[number];

/** One evaluation's structured result for one round. */
export interface EvaluationReportRecord {
  readonly runId: string;
  readonly round: number;
  readonly kind: EvaluationKind;
  readonly report: JsonObject;
  readonly recordedAt: number;
}

/** Input of `putEvaluationReport`. */
export type EvaluationReportInput = Omit<EvaluationReportRecord, 'recordedAt'>;

/** Filter of `listEvaluationReports`. */
export interface ListEvaluationReportsOptions {
  readonly kind?: EvaluationKind;
  readonly round?: number;
}

/** Validates and copies a report input (`INVALID_ARGUMENT` / `NON_FINITE`). */
export function newEvaluationReport(input: unknown, now: number): EvaluationReportRecord {
  const o = checkObject(input, 'report');
  checkKeys(o, ['runId', 'round', 'kind', 'report'], 'report');
  return {
    runId: checkId(o.runId, 'report.runId'),
    round: checkCount(o.round, 'report.round'),
    kind: checkEnum(o.kind, EVALUATION_KINDS, 'report.kind'),
    report: cloneJsonObject(o.report, 'report.report'),
    recordedAt: now,
  };
}

/** Validates `listEvaluationReports` options. */
export function reportFilter(options: unknown): ListEvaluationReportsOptions {
  const o = checkObject(options ?? {}, 'options');
  checkKeys(o, ['kind', 'round'], 'options');
  const kind = optional(o.kind, (v) => checkEnum(v, EVALUATION_KINDS, 'options.kind'));
  const round = optional(o.round, (v) => checkCount(v, 'options.round'));
  return { ...(kind === undefined ? {} : { kind }), ...(round === undefined ? {} : { round }) };
}

/** `NOT_FOUND` unless the run exists. */
export function requireRunId(t: StoreTables, runId: unknown): string {
  const id = checkId(runId, 'runId');
  if (t.getRun(id) === undefined) throw noRun(id);
  return id;
}
