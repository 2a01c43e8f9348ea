/**
 * Shared fixtures of the RunStore conformance suite: the factory and context types, a
 * sample config with every JSON shape, and small builders (hashes, a seeded run, a full
 * commit). Every `run-store-conformance-*.ts` file imports from here and nowhere else in
 * the suite, so the suite's files form a tree, not a circle.
 */
import type { CommitRoundInput, RunStore } from './run-store.js';

/** Makes a fresh, empty store for one test, reading time from `now`. */
export type RunStoreFactory = (options: { now: () => number }) => RunStore | Promise<RunStore>;

/** Shared state of one conformance test: the store and the clock it reads. */
export interface ConformanceContext {
  store: RunStore;
  /** The store's clock (epoch ms); tests move it forward by hand. */
  time: number;
}

/** A run config with every JSON shape in it, for round-trip checks. */
export const SAMPLE_CONFIG = {
  model: { kind: 'mlp', layers: [784, 128, 10], activation: 'relu' },
  strategy: { name: 'fedavg', serverLr: 1, options: { momentum: null, nesterov: false } },
  rounds: 20,
  fraction: 0.25,
  minClients: 3,
  deadlines: { roundMs: 60_000, uploadMs: 5_000.5 },
  evalEvery: 2,
  tags: ['α', '', 'emoji 🚀', 'quote " and \\ backslash'],
  negative: -1e-300,
  big: 9007199254740991,
};

/** A valid lower-case SHA-256 hex made from one repeated character. */
export const hashOf = (c: string): string => c.repeat(64);

/** Creates run `id` with an empty config. */
export async function seedRun(store: RunStore, id = 'r1'): Promise<void> {
  await store.createRun({ id, name: id, config: {} });
}

/** A complete, valid commit of `round` (attempt 0) producing model `version`. */
export function commitOf(round: number, version: number, revision?: number): CommitRoundInput {
  return {
    runUpdate: { currentRound: round, currentModelVersion: version, strategyState: { step: round } },
    ...(revision === undefined ? {} : { expectedRevision: revision }),
    round: {
      runId: 'r1',
      round,
      attempt: 0,
      state: 'completed',
      startedAt: 100 * round,
      endedAt: 100 * round + 50,
      selectedCount: 2,
      completedCount: 1,
      droppedCount: 1,
      bytesUp: 1000,
      bytesDown: 2000,
      trainMetrics: { loss: 1 / round },
    },
    outcomes: [
      { clientId: 'c1', outcome: 'completed', exampleCount: 32, metrics: { loss: 0.5 }, bytesUp: 1000 },
      { clientId: 'c2', outcome: 'dropped', code: 'DEADLINE_EXCEEDED' },
    ],
    metrics: [
      { name: 'loss', value: 1 / round, scope: 'train' },
      { name: 'accuracy', value: 0.5, scope: 'eval' },
    ],
    checkpoint: { version, hash: hashOf(String(version % 10)), byteSize: 4096 },
  };
}

/** Everything the store holds about run `r1` and clients c1/c2. */
export async function snapshot(store: RunStore): Promise<unknown> {
  return {
    run: await store.getRun('r1'),
    rounds: await store.listRounds('r1'),
    outcomes: await store.listClientOutcomes('r1'),
    metrics: await store.listMetrics('r1'),
    checkpoints: await store.listCheckpoints('r1'),
    sessions: [await store.getClientSession('c1'), await store.getClientSession('c2')],
  };
}
