/**
 * Store-side fencing through the real RunManager (cluster mode, with a RunGate standing in for
 * Redis leases): node A drives a run under lease epoch 1; its lease expires without A noticing
 * (a GC pause, a stopped VM), node B takes the run over with epoch 2 and resumes it. A, still
 * believing it leads, stops the run: the store refuses A's status write (CONFLICT with both
 * epochs) and the run keeps running under B. Without fencing, the deposed leader's stop would
 * land. No participants: the runners wait for clients, which is where a takeover finds them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { float32Tensor } from '@edgefed/shared';
import {
  createMemoryBlobStore,
  createMemoryRunStore,
  RunManager,
  silentLogger,
  type RunGate,
  type RunLeaseHandle,
  type RunServices,
} from '@edgefed/coordinator';
import { DownloadLedger } from '../../coordinator/src/rounds/download-ledger.js';

/** Leases as Redis keeps them: one holder per run, an epoch that only grows; `expire` ends one silently. */
class FakeLeases {
  readonly holders = new Map<string, string>();
  epoch = 0;
  /** False: a gate that ignores `minEpoch` (to test what the manager does then). */
  honourMinEpoch = true;

  gate(nodeId: string): RunGate {
    return {
      nodeId,
      tryAcquire: (runId, minEpoch) => Promise.resolve(this.#acquire(runId, nodeId, minEpoch)),
      holder: (runId) => Promise.resolve(this.holders.get(runId)),
    };
  }

  #acquire(runId: string, nodeId: string, minEpoch = 0): RunLeaseHandle | undefined {
    if (this.holders.has(runId)) return undefined;
    this.holders.set(runId, nodeId);
    const lost = new AbortController();
    this.epoch = Math.max(this.epoch + 1, this.honourMinEpoch ? minEpoch : 0);
    return {
      epoch: this.epoch,
      lost: lost.signal,
      release: () => {
        if (this.holders.get(runId) === nodeId) this.holders.delete(runId);
        lost.abort();
        return Promise.resolve();
      },
    };
  }

  /** The TTL ran out: the key is gone, but the holder has not noticed (its signal stays). */
  expire(runId: string): void {
    this.holders.delete(runId);
  }
}

/** Run services over the shared stores whose runners wait for clients until they are stopped. */
function services(storage: RunServices['storage'], waiting: (runId: string) => void): RunServices {
  return {
    storage,
    participants: {
      gateway: {} as RunServices['participants']['gateway'], // never reached: no clients come
      waitForClients: (request, signal) => {
        waiting(request.runId);
        // as the real one: a run stopped before its runner got here does not wait
        if (signal.aborted) return Promise.resolve();
        return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      },
    },
    models: {
      initialParameters: () => new Map([['w', float32Tensor([2])]]),
      specJson: () => '{}',
      url: (hash) => `http://127.0.0.1/models/${hash}`,
    },
    updates: { decode: () => new Map() },
    telemetry: { logger: silentLogger(), emit: () => undefined },
    clock: { now: () => Date.now(), newId: () => 'id' },
    downloads: new DownloadLedger(),
  };
}

const CONFIG = {
  model: '2nn',
  rounds: 2,
  strategy: { name: 'fedavg', minFitClients: 2, minAvailableClients: 2 },
  training: { batchSize: 16, learningRate: 0.05, maxSteps: 1 },
  roundDeadlineMs: 60_000,
};

const managers: RunManager[] = [];

/** Node `a`'s RunManager on a fresh store with one created (not started) run. */
async function createdRun() {
  const store = createMemoryRunStore();
  const leases = new FakeLeases();
  const m = new RunManager(
    services({ store, blobs: createMemoryBlobStore() }, () => undefined),
    () => undefined,
    leases.gate('a'),
  );
  managers.push(m);
  const run = await m.create({ name: 'reset', config: CONFIG, start: false });
  return { store, leases, m, run };
}
afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.close()));
});

describe('a deposed run leader (store-side fencing)', () => {
  it("cannot stop the run its successor took over: the store refuses the stale epoch's write", async () => {
    const store = createMemoryRunStore();
    const blobs = createMemoryBlobStore(); // shared, as the PostgreSQL blob store is
    const leases = new FakeLeases();
    const waiting = new Map<string, () => void>();
    const waitFor = (node: string) => new Promise<void>((ok) => waiting.set(node, ok));
    const node = (id: string) => {
      const m = new RunManager(
        services({ store, blobs }, () => waiting.get(id)?.()),
        () => undefined,
        leases.gate(id),
      );
      managers.push(m);
      return m;
    };
    const a = node('a');
    const b = node('b');

    const aWaits = waitFor('a');
    const run = await a.create({ name: 'fenced', config: CONFIG });
    await aWaits;
    expect(a.leases()).toEqual([{ runId: run.id, epoch: 1 }]);
    expect(await store.getRun(run.id)).toMatchObject({ status: 'running', currentModelVersion: 0 });

    leases.expire(run.id);
    const bWaits = waitFor('b');
    expect(await b.resumeAll()).toEqual([run.id]);
    await bWaits;
    expect(b.leases()).toEqual([{ runId: run.id, epoch: 2 }]);

    // A still holds its (expired) lease locally and acts on it.
    expect(a.leases()).toEqual([{ runId: run.id, epoch: 1 }]);
    await expect(a.stop(run.id)).rejects.toMatchObject({
      code: 'CONFLICT',
      details: { runId: run.id, storedEpoch: 2, epoch: 1 },
    });
    expect(await store.getRun(run.id)).toMatchObject({ status: 'running' });
    // What A wrote under epoch 1 before the takeover stays; B goes on from it.
    expect((await store.listCheckpoints(run.id)).map((c) => c.version)).toEqual([0]);

    await b.stop(run.id);
    expect(await store.getRun(run.id)).toMatchObject({ status: 'stopped' });
  });

  it('takes the lease again above the epoch the store has seen when the epoch source was reset', async () => {
    const { store, leases, m, run } = await createdRun();
    // Redis lost its epoch keys: its next epoch (1) is below the store's (3).
    await store.raiseFence(run.id, { epoch: 3 });
    await m.start(run.id);
    expect(m.leases()).toEqual([{ runId: run.id, epoch: 4 }]);
    expect(leases.holders.get(run.id)).toBe('a');
    await m.stop(run.id);
    expect(await store.getRun(run.id)).toMatchObject({ status: 'stopped' });
  });

  it('gives the lease back when even the second grant is below the store (the gate ignores the floor)', async () => {
    const { store, leases, m, run } = await createdRun();
    leases.honourMinEpoch = false;
    await store.raiseFence(run.id, { epoch: 5 });
    // Epoch 1, then 2 on the retry: both refused, and each lease is given back.
    await expect(m.start(run.id)).rejects.toMatchObject({ code: 'CONFLICT', details: { epoch: 2 } });
    expect(leases.holders.size).toBe(0);
    expect(m.leases()).toEqual([]);
  });
});
