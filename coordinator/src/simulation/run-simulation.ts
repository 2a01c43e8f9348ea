/**
 * runSimulation: the programmatic `edgefed simulate`. Starts the real coordinator in this
 * process (SQLite store in a temporary directory, port 0), connects a fleet of virtual
 * participants on worker threads (in-process transport or socket.io), runs one run to completion (or to the
 * target accuracy) with central evaluation on the test set, and returns the result.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resourceUsage } from 'node:process';
import type { MessagePort } from 'node:worker_threads';
import { startFleet, type Fleet } from '@edgefed/client/node';
import {
  createPortListener,
  EdgefedError,
  type ClassificationReport,
  type PortListener,
} from '@edgefed/shared';
import { createJoinToken } from '../auth/join-token.js';
import { coordinatorConfigSchema } from '../config/schema.js';
import { createLogger } from '../observability/logger.js';
import { createCoordinator, type Coordinator } from '../server/coordinator.js';
import { createCentralEvaluator } from './central-evaluator.js';
import { clientAccuracyDistribution } from './client-accuracy.js';
import { RoundCollector } from './round-collector.js';
import { attackResult, attackSpec } from './simulation-attack.js';
import { parseSimulationConfig, toRunConfig, type SimulationConfig } from './simulation-config.js';
import { loadSimulationData, type SimulationData } from './simulation-data.js';
import { virtualGateway } from './virtual-setup.js';
import type { VirtualTimeGateway } from './virtual-time-gateway.js';
import type { TaskGateway } from '../rounds/task-gateway.js';
import {
  partitionReportJson,
  roundsToTarget,
  timeToTarget,
  type RoundRecord,
  type SimulationResult,
} from './simulation-result.js';

/** Progress of a running simulation, once per committed round. */
export interface SimulationProgress {
  readonly round: number;
  readonly rounds: number;
  readonly testAccuracy: number | null;
  readonly trainLoss: number | null;
  readonly elapsedSeconds: number;
}

/** Options of {@link runSimulation}. */
export interface RunSimulationOptions {
  readonly onProgress?: (p: SimulationProgress) => void;
  /** Called once the fleet is connected, with setup seconds. */
  readonly onReady?: (info: { readonly setupSeconds: number; readonly workers: number }) => void;
  /** Aborting stops the run; the result holds the rounds committed so far. */
  readonly signal?: AbortSignal;
  /** Coordinator log level (default `warn`). */
  readonly logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent';
}

async function startCoordinator(
  dataDir: string,
  c: SimulationConfig,
  level: string,
  data: SimulationData,
  wrapGateway: ((g: TaskGateway) => TaskGateway) | undefined,
) {
  const config = coordinatorConfigSchema.parse({
    server: { port: 0 },
    store: { kind: 'sqlite', dataDir },
    limits: { maxClients: Math.max(20_000, c.clients) },
    clients: { heartbeatIntervalMs: 30_000, resumeGraceMs: 120_000 },
    log: { level },
  });
  const centralEvaluator = await createCentralEvaluator({
    spec: data.spec,
    test: data.test,
    ...(c.textLevel === 'word' && data.text !== undefined ? { topK: 3 } : {}),
    every: c.evalEvery,
    lastRound: c.rounds,
    ...(c.attack?.kind === 'backdoor' ? { backdoorTarget: c.attack.targetClass } : {}),
  });
  const coordinator = await createCoordinator({
    config,
    logger: createLogger(config.log.level),
    centralEvaluator,
    ...(wrapGateway === undefined ? {} : { wrapGateway }),
  });
  await coordinator.listen();
  return { coordinator, maxMessageBytes: config.limits.maxMessageBytes };
}

async function runOne(
  coordinator: Coordinator,
  c: SimulationConfig,
  model: Record<string, unknown>,
  o: RunSimulationOptions,
  virtual: VirtualTimeGateway | undefined,
): Promise<{ records: RoundRecord[]; status: string; wallSeconds: number; runId: string }> {
  const run = await coordinator.runs.create({ name: 'simulation', config: toRunConfig(c, model) });
  const t0 = performance.now();
  const collector = new RoundCollector(
    coordinator,
    run.id,
    t0,
    virtual === undefined ? undefined : () => virtual.now,
  );
  collector.onRound = (round) => {
    const p = collector.partial(round);
    o.onProgress?.({
      round,
      rounds: c.rounds,
      testAccuracy: p?.testAccuracy ?? null,
      trainLoss: p?.trainLoss ?? null,
      elapsedSeconds: (performance.now() - t0) / 1000,
    });
  };
  const unsubscribe = coordinator.onRunEvent((e) => collector.handle(e));
  const onAbort = (): void => {
    coordinator.runs.stop(run.id).catch(() => undefined);
  };
  o.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await coordinator.runs.start(run.id);
    await coordinator.runs.settled(run.id);
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
  }
  const wallSeconds = (performance.now() - t0) / 1000;
  const records = await collector.records();
  unsubscribe();
  const status = (await coordinator.stores.runs.getRun(run.id)).status;
  return { records, status, wallSeconds, runId: run.id };
}

/** Adds each evaluated round's per-client accuracy distribution (classifiers only). */
async function withClientAccuracy(
  coordinator: Coordinator,
  runId: string,
  records: RoundRecord[],
  report: SimulationData['report'],
): Promise<RoundRecord[]> {
  const reports = await coordinator.stores.runs.listEvaluationReports(runId, { kind: 'central' });
  const clients = partitionReportJson(report).clients;
  const byRound = new Map(reports.map((r) => [r.round, r.report as unknown as ClassificationReport]));
  return records.map((r) => {
    const central = byRound.get(r.round);
    const d = central === undefined ? undefined : clientAccuracyDistribution(central, clients);
    return d === undefined ? r : { ...r, clientAccuracy: d };
  });
}

/**
 * Runs a simulation. Throws `INVALID_CONFIG` for a bad config, what data loading and
 * partitioning throw, and fleet start-up failures; the coordinator, fleet and temporary
 * directory are always cleaned up. A run that fails (e.g. a round below quorum five times)
 * is returned with `status: 'failed'` and the rounds it committed.
 */
export async function runSimulation(
  input: unknown,
  options: RunSimulationOptions = {},
): Promise<SimulationResult> {
  const parsed = parseSimulationConfig(input);
  const t0 = performance.now();
  const data = await loadSimulationData(parsed);
  // A natural partition decides the client count (e.g. fewer speakers than --clients).
  const c = { ...parsed, clients: data.partition.numClients };
  const dir = await mkdtemp(join(tmpdir(), 'edgefed-sim-'));
  let coordinator: Coordinator | undefined;
  let fleet: Fleet | undefined;
  let virtual: VirtualTimeGateway | undefined;
  /** In-process transport: one listener per fleet worker's port, serving the control plane. */
  const listeners: PortListener[] = [];
  try {
    const wrap =
      c.devices === undefined
        ? undefined
        : (inner: TaskGateway): TaskGateway => (virtual = virtualGateway(inner, c, data));
    const started = await startCoordinator(dir, c, options.logLevel ?? 'warn', data, wrap);
    coordinator = started.coordinator;
    const token = createJoinToken({ secret: coordinator.tokenSecret, run: '*' });
    const plane = coordinator.plane;
    const attach = (port: MessagePort): void => {
      listeners.push(createPortListener(port, plane.accept, { maxReceiveBytes: started.maxMessageBytes }));
    };
    const attack = c.attack === undefined ? undefined : attackSpec(c.attack, c.clients, c.seed);
    fleet = await startFleet({
      ...(attack === undefined ? {} : { attack }),
      ...(c.secAggDrop === undefined ? {} : { secAggDrop: { ...c.secAggDrop, seed: c.seed } }),
      url: coordinator.url,
      token,
      dataset: data.train,
      partition: data.partition,
      stepsPerRun: c.stepsPerRun,
      localTestFraction: c.localTestFraction,
      transport: c.transport === 'in-process' ? { kind: 'in-process', attach } : { kind: 'socketio' },
      ...(c.workers === undefined ? {} : { workers: c.workers }),
      ...(c.intraOpThreads === undefined ? {} : { intraOpThreads: c.intraOpThreads }),
    });
    if (fleet.clientIds.length !== c.clients)
      throw new EdgefedError('INTERNAL', `${fleet.clientIds.length} of ${c.clients} clients connected`);
    virtual?.bindClients(fleet.clientIds);
    const setupSeconds = (performance.now() - t0) / 1000;
    options.onReady?.({ setupSeconds, workers: fleet.workers });
    const model = { ...data.spec } as Record<string, unknown>;
    const one = await runOne(coordinator, c, model, options, virtual);
    const { status, wallSeconds } = one;
    const records = await withClientAccuracy(coordinator, one.runId, one.records, data.report);
    const stats = await fleet.stats();
    const accs = records.map((r) => r.testAccuracy).filter((a): a is number => a !== null);
    const updates = records.reduce((a, r) => a + r.completed, 0);
    return {
      config: c,
      transport: c.transport,
      workers: fleet.workers,
      status,
      rounds: records,
      roundsToTarget: roundsToTarget(records, c.targetAccuracy),
      totals: {
        rounds: records.length,
        clientUpdates: updates,
        bytesUp: records.reduce((a, r) => a + r.bytesUp, 0),
        bytesDown: records.reduce((a, r) => a + r.bytesDown, 0),
        trainSeconds: stats.trainSeconds,
        trainSteps: stats.steps,
        trainStepsPerSecond: stats.trainSeconds > 0 ? stats.steps / stats.trainSeconds : 0,
        wallSeconds,
        setupSeconds,
        peakRssBytes: resourceUsage().maxRSS * 1024,
        clientUpdatesPerSecond: wallSeconds > 0 ? updates / wallSeconds : 0,
        finalAccuracy: accs[accs.length - 1] ?? null,
        bestAccuracy: accs.length === 0 ? null : Math.max(...accs),
      },
      partition: partitionReportJson(data.report),
      ...(attack === undefined ? {} : { attack: attackResult(attack, records) }),
      ...(virtual === undefined
        ? {}
        : { timeToTarget: timeToTarget(records, c.targetAccuracy), virtualSeconds: virtual.now }),
    };
  } finally {
    await fleet?.close();
    for (const l of listeners) l.close();
    await coordinator?.close();
    await rm(dir, { recursive: true, force: true });
  }
}
