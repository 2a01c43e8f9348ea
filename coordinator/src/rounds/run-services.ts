/**
 * What the round code needs from the coordinator, as a few named parts instead of a bag of
 * closures. Each part has one job and one builder in `server/` (see build-runs.ts):
 * - {@link RunStorage}: the run store and the blob store;
 * - {@link Participants}: the task gateway and the wait for enough clients;
 * - {@link ModelCatalog}: a run's initial model, its spec for clients, download URLs;
 * - {@link UpdateDecoder}: uploaded update bytes -> a float32 delta;
 * - {@link RunTelemetry}: logs, Prometheus metrics and run events;
 * - {@link RunClock}: time and ids (fixed in tests);
 * - {@link DownloadLedger}: model bytes served, by the round attempt whose task asked.
 */
import type { TensorMap } from '@edgefed/shared';
import type { Logger } from '../observability/logger.js';
import type { CoordinatorMetrics } from '../observability/metrics.js';
import type { BlobStore } from '../store/blob-store.js';
import type { RunStore } from '../store/run-store.js';
import type { DownloadLedger } from './download-ledger.js';
import type { CentralResult } from './evaluation-report.js';
import type { RunConfig } from './run-config.js';
import type { RunEvent } from './run-events.js';
import type { TaskGateway } from './task-gateway.js';

/** Where runs, rounds and checkpoints persist. */
export interface RunStorage {
  readonly store: RunStore;
  readonly blobs: BlobStore;
}

/** What {@link Participants.waitForClients} waits for. */
export interface WaitForClientsRequest {
  readonly runId: string;
  readonly count: number;
  /** Count only clients that can do secure aggregation (a run with `secureAggregation`). */
  readonly secureOnly?: boolean;
}

/** How the runner reaches participants. */
export interface Participants {
  readonly gateway: TaskGateway;
  /**
   * Resolves once `count` idle candidates exist for `runId` (only secure-capable ones when
   * `secureOnly`), or when the signal aborts; never rejects.
   */
  waitForClients(request: WaitForClientsRequest, signal: AbortSignal): Promise<void>;
}

/** A run's model as the coordinator creates it and as clients fetch and compile it. */
export interface ModelCatalog {
  /** Initial parameters of a new run's model (seeded by the run's seed). */
  initialParameters(config: RunConfig): TensorMap;
  /** The model spec clients compile, as JSON text (sent with every task). */
  specJson(config: RunConfig): string;
  /** URL a client downloads the model with this hex hash from, for the task `taskId`. */
  url(hexHash: string, taskId: string): string;
  /**
   * Optional: makes sure the run's model resolves before its loop starts (a model uploaded
   * through another node of a cluster is loaded from the shared library).
   */
  prepare?(config: RunConfig): Promise<void>;
}

/** Turns an uploaded update payload into a float32 delta; throws a coded error when it cannot. */
export interface UpdateDecoder {
  decode(payload: Uint8Array): TensorMap;
}

/** Logs, metrics and run events. */
export interface RunTelemetry {
  readonly logger: Logger;
  readonly metrics?: CoordinatorMetrics;
  /** Publishes a run event to every subscriber (dashboard, simulations); never throws. */
  emit(event: RunEvent): void;
}

/** Time and ids. */
export interface RunClock {
  now(): number;
  newId(): string;
}

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

/** Every part the runs of one coordinator share. */
export interface RunServices {
  readonly storage: RunStorage;
  readonly participants: Participants;
  readonly models: ModelCatalog;
  readonly updates: UpdateDecoder;
  readonly telemetry: RunTelemetry;
  readonly clock: RunClock;
  readonly downloads: DownloadLedger;
  readonly centralEvaluator?: CentralEvaluator;
}
