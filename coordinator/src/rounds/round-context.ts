/**
 * What one run's round code needs from the coordinator: storage, the gateway to the
 * participants, time, ids, and a sink for events. Built once per run by the RunRunner.
 */
import type { Strategy, TensorMap } from '@edgefed/shared';
import type { CentralResult } from './evaluation-report.js';
import type { Logger } from '../observability/logger.js';
import type { CoordinatorMetrics } from '../observability/metrics.js';
import type { BlobStore } from '../store/blob-store.js';
import type { RunStore } from '../store/run-store.js';
import type { RunConfig } from './run-config.js';
import type { RunEvent } from './run-events.js';
import type { TaskGateway } from './task-gateway.js';

/**
 * Evaluates a global model on the coordinator's own data; optional. Returns metrics, or
 * metrics with a classification report (confusion matrix) that the runner stores as the
 * round's `central` evaluation report. `{}` means "not due this round".
 */
export type CentralEvaluator = (
  params: TensorMap,
  round: number,
  signal: AbortSignal,
) => Promise<CentralResult>;

/** Services shared by every run of a coordinator. */
export interface RunServices {
  readonly store: RunStore;
  readonly blobs: BlobStore;
  readonly gateway: TaskGateway;
  readonly logger: Logger;
  readonly metrics?: CoordinatorMetrics;
  /** URL a client downloads the model with this hex hash from. */
  readonly modelUrl: (hexHash: string) => string;
  /** Initial parameters of a new run's model (seeded). */
  readonly initialParameters: (config: RunConfig) => TensorMap;
  /** The model spec clients compile, as JSON text (sent in every task's config). */
  readonly modelSpecJson: (config: RunConfig) => string;
  /** Decodes an uploaded update payload into a float32 delta (decompressing as needed). */
  readonly decodeUpdate: (payload: Uint8Array) => TensorMap;
  readonly centralEvaluator?: CentralEvaluator;
  readonly now: () => number;
  readonly newId: () => string;
  readonly emit: (event: RunEvent) => void;
  /** Resolves when a client may be available for `runId` (a join), or the signal aborts. */
  readonly waitForClients: (runId: string, count: number, signal: AbortSignal) => Promise<void>;
}

/** One run's fixed context during a round. */
export interface RoundContext {
  readonly runId: string;
  readonly config: RunConfig;
  readonly strategy: Strategy;
  readonly services: RunServices;
}
