/**
 * Prometheus metrics for the coordinator (prom-client), served at `GET /metrics`.
 * One registry per coordinator instance, so tests and several in-process coordinators
 * never share counters.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The coordinator's metrics. */
export interface CoordinatorMetrics {
  readonly registry: Registry;
  readonly connectedClients: Gauge;
  readonly rounds: Counter<'outcome'>;
  readonly roundDuration: Histogram;
  readonly bytesIn: Counter;
  readonly bytesOut: Counter;
  /** Bytes allocated to reassemble uploads (one buffer per accepted payload). */
  readonly uploadBufferBytes: Counter;
  readonly rejectedMessages: Counter<'code'>;
  readonly clientOutcomes: Counter<'outcome'>;
  /** Fit results whose example count the run's `maxExampleWeight` clamped (issue #14). */
  readonly clampedExampleCounts: Counter;
}

/** Creates a fresh registry with edgefed's metrics (and Node process metrics when `processMetrics`). */
export function createMetrics(options: { processMetrics?: boolean } = {}): CoordinatorMetrics {
  const registry = new Registry();
  if (options.processMetrics === true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    connectedClients: new Gauge({
      name: 'edgefed_connected_clients',
      help: 'Participants connected and past hello',
      registers,
    }),
    rounds: new Counter({
      name: 'edgefed_rounds_total',
      help: 'Rounds finished, by outcome (completed, failed)',
      labelNames: ['outcome'],
      registers,
    }),
    roundDuration: new Histogram({
      name: 'edgefed_round_duration_seconds',
      help: 'Wall time of a round from configuring to checkpointed',
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
      registers,
    }),
    bytesIn: new Counter({ name: 'edgefed_bytes_in_total', help: 'Update bytes received', registers }),
    bytesOut: new Counter({ name: 'edgefed_bytes_out_total', help: 'Model bytes served', registers }),
    uploadBufferBytes: new Counter({
      name: 'edgefed_upload_buffer_bytes_total',
      help: 'Bytes allocated to reassemble uploads (one buffer per accepted payload)',
      registers,
    }),
    rejectedMessages: new Counter({
      name: 'edgefed_rejected_messages_total',
      help: 'Inbound messages rejected, by error code',
      labelNames: ['code'],
      registers,
    }),
    clientOutcomes: new Counter({
      name: 'edgefed_client_outcomes_total',
      help: 'Per-client task outcomes (completed, failed, dropped, late, rejected)',
      labelNames: ['outcome'],
      registers,
    }),
    clampedExampleCounts: new Counter({
      name: 'edgefed_clamped_example_counts_total',
      help: 'Fit results whose example count (FedAvg weight) was clamped to maxExampleWeight',
      registers,
    }),
  };
}
