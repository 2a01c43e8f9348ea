/**
 * Evaluation reports as `GET /api/runs/:id/evaluations` returns them (the shapes the
 * round runner stores: coordinator/src/rounds/evaluation-report.ts).
 */

/** One class's row of a central report. */
export interface ClassRow {
  readonly class: number;
  readonly support: number;
  readonly predicted: number;
  readonly precision: number;
  readonly recall: number;
  readonly accuracy: number;
}

/** A central report: the confusion matrix (rows: true class) and per-class metrics. */
export interface CentralReport {
  readonly numClasses: number;
  readonly counts: readonly number[];
  readonly examples: number;
  readonly accuracy: number;
  readonly perClass: readonly ClassRow[];
}

/** A metric's distribution over clients. */
export interface Distribution {
  readonly clients: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
  readonly std: number;
  readonly p10: number;
  readonly median: number;
  readonly p90: number;
  readonly worst10Mean: number;
  readonly histogram: { readonly edges: readonly number[]; readonly counts: readonly number[] };
}

/** A federated report: per-participant results and their distributions. */
export interface FederatedReport {
  readonly clients: readonly {
    readonly clientId: string;
    readonly exampleCount: number;
    readonly loss: number;
    readonly accuracy?: number;
  }[];
  readonly accuracy?: Distribution;
  readonly loss: Distribution;
}

/** One stored report. */
export type EvaluationReport =
  | { readonly round: number; readonly kind: 'central'; readonly report: CentralReport }
  | { readonly round: number; readonly kind: 'federated'; readonly report: FederatedReport };
