/**
 * What the coordinator keeps and lists about an uploaded ONNX model (`GET /api/models`).
 * Plain data with no imports, so the dashboard can import the type too.
 */

/** What a library keeps about one model. */
export interface ModelEntry {
  /** `sha256:<64 hex>`, the name a run config uses. */
  readonly hash: string;
  readonly size: number;
  /** A label given at upload (default: the graph's name). */
  readonly name: string;
  /** ISO time of the first upload. */
  readonly uploadedAt: string;
  readonly summary: ModelSummary;
}

/** The import summary shown in lists and the dashboard. */
export interface ModelSummary {
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  /** Op type -> node count. */
  readonly ops: Readonly<Record<string, number>>;
  /** Values trained by default (all float initializers but BatchNorm statistics). */
  readonly trainableParameters: number;
  /** BatchNorm running statistics (not trained, updated by the train step). */
  readonly stateParameters: number;
  /** Whether the model has BatchNormalization (FedBN, `localBn`, applies). */
  readonly batchNorm: boolean;
}
