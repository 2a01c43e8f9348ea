/**
 * What the two crash-recovery tests share (recovery.test.ts on SQLite, postgres-store.test.ts
 * on PostgreSQL): the coordinator child and the two-participant run they train, SIGKILLing the coordinator under it
 * once a round is committed, and what the store holds of the run before and after.
 */
import type { LocalTrainingEngine, Participant } from '@edgefed/client';
import {
  createJoinToken,
  type ClientSessionRecord,
  type RoundRecord,
  type RunRecord,
  type RunStore,
} from '@edgefed/coordinator';
import {
  TOKEN_SECRET,
  createRun,
  freePort,
  nextParticipantEvent,
  spawnCoordinator,
  startParticipants,
  type ChildCoordinator,
} from './harness.js';

/** What {@link startCrashRun} started. */
export interface CrashRun {
  /** The coordinator's port (a second one listens there after the crash). */
  readonly port: number;
  readonly child: ChildCoordinator;
  readonly runId: string;
  readonly token: string;
  readonly participants: Participant[];
}

/** Options of {@link startCrashRun}. */
export interface CrashRunOptions {
  /** The child's data directory. */
  readonly dataDir: string;
  /** More `edgefed serve` arguments (e.g. `--postgres URL`). */
  readonly args?: string[];
  readonly rounds: number;
  /** Training steps per task. */
  readonly maxSteps: number;
  /** One participant per engine (two). */
  readonly engines: LocalTrainingEngine[];
}

/**
 * Spawns `edgefed serve` on a free port, creates a 2nn FedAvg run on it that needs both
 * participants in every round, and starts the participants on it.
 */
export async function startCrashRun(o: CrashRunOptions): Promise<CrashRun> {
  const port = await freePort();
  const child = await spawnCoordinator({ port, dataDir: o.dataDir, ...(o.args ? { args: o.args } : {}) });
  const url = child.url;
  const runId = await createRun(url, {
    model: '2nn',
    rounds: o.rounds,
    strategy: { name: 'fedavg', minFitClients: 2, minAvailableClients: 2 },
    training: { batchSize: 16, learningRate: 0.05, maxSteps: o.maxSteps },
    roundDeadlineMs: 60_000,
  });
  const token = createJoinToken({ secret: TOKEN_SECRET, run: runId });
  return { port, child, runId, token, participants: await startParticipants(url, token, o.engines) };
}

/** Resolves once every participant has connected again (after the crash). */
export function reconnected(participants: readonly Participant[]) {
  return Promise.all(participants.map((p) => nextParticipantEvent(p, 'connected')));
}

/**
 * Waits until the child coordinator logs that `round` is committed, SIGKILLs it, and resolves
 * once every participant has seen the connection drop.
 */
export async function killAfterRound(
  child: ChildCoordinator,
  participants: readonly Participant[],
  o: { readonly round: number; readonly timeoutMs: number },
): Promise<void> {
  await child.waitForLog((l) => l.msg === 'round committed' && l.round === o.round, o.timeoutMs);
  const disconnected = Promise.all(participants.map((p) => nextParticipantEvent(p, 'disconnected')));
  await child.kill('SIGKILL');
  await disconnected;
}

/** What the store holds of a run's progress. */
export interface RunProgress {
  readonly run: RunRecord;
  readonly rounds: RoundRecord[];
  /** Checkpoint versions, in order. */
  readonly versions: number[];
  /** Checkpoint hashes, in version order. */
  readonly hashes: string[];
  /** The sessions of the client ids asked for, in that order. */
  readonly sessions: (ClientSessionRecord | undefined)[];
}

/** Reads a run's progress from `store`, then closes the store. */
export async function readProgress(
  store: RunStore,
  runId: string,
  clientIds: readonly string[] = [],
): Promise<RunProgress> {
  try {
    const checkpoints = await store.listCheckpoints(runId);
    return {
      run: await store.getRun(runId),
      rounds: await store.listRounds(runId),
      versions: checkpoints.map((c) => c.version),
      hashes: checkpoints.map((c) => c.hash),
      sessions: await Promise.all(clientIds.map((id) => store.getClientSession(id))),
    };
  } finally {
    await store.close();
  }
}
