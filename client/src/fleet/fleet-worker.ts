/**
 * Entry of a fleet worker thread: holds the shared dataset once, runs many virtual
 * participants (the real participant code over the real protocol), and trains whichever
 * of them the coordinator selects, one at a time, on one TrainerPool.
 */
import { parentPort } from 'node:worker_threads';
import {
  createPortDialer,
  createPrng,
  toEdgefedError,
  type PortDialer,
  type TaskMessage,
} from '@edgefed/shared';
import { createParticipant, type Participant } from '../participant/participant.js';
import { createNodeBackend } from '../runtime/node-backend.js';
import type { SecAggPhase } from '../participant/secure-task.js';
import type {
  FromWorkerMessage,
  SecAggDropSpec,
  ToWorkerMessage,
  WorkerInitMessage,
} from './fleet-messages.js';
import { datasetFromShared } from './shared-dataset.js';
import { SharedModelCache } from './shared-model-cache.js';
import { TrainerPool } from './trainer-pool.js';
import { createVirtualEngine, type VirtualSlot } from './virtual-engine.js';

if (parentPort === null) throw new Error('fleet-worker.ts must run in a worker thread');
const port = parentPort;

const post = (m: FromWorkerMessage): void => {
  port.postMessage(m);
};

/** The phase at which the slot's current client drops out of a secure task, drawn per round. */
function dropper(spec: SecAggDropSpec, slot: VirtualSlot): (task: TaskMessage) => SecAggPhase | undefined {
  return (task) => {
    const client = slot.client ?? 0;
    const rng = createPrng(spec.seed);
    // one stream per (round, client): skip to it by mixing both into a fresh seed
    const draw = createPrng(
      (rng.nextUint32() ^ Math.imul(task.round, 0x9e3779b1) ^ Math.imul(client + 1, 0x85ebca6b)) >>> 0,
    ).nextFloat();
    return draw < spec.rate ? spec.phase : undefined;
  };
}

interface State {
  readonly participants: Participant[];
  readonly slots: VirtualSlot[];
  readonly pool: TrainerPool;
  /** In-process transport: this worker's end of its port to the coordinator's thread. */
  readonly link: PortDialer | undefined;
  fits: number;
  fitFailures: number;
  trainSeconds: number;
  steps: number;
}

let state: State | undefined;

async function init(m: WorkerInitMessage): Promise<void> {
  const dataset = datasetFromShared(m.dataset);
  const partition = m.partition;
  const backend = await createNodeBackend({ intraOpNumThreads: m.intraOpThreads });
  const pool = new TrainerPool(backend);
  const cache = new SharedModelCache();
  const link =
    m.port === undefined ? undefined : createPortDialer(m.port, { idPrefix: `w${m.workerIndex}-` });
  const s: State = {
    participants: [],
    slots: [],
    pool,
    link,
    fits: 0,
    fitFailures: 0,
    trainSeconds: 0,
    steps: 0,
  };
  state = s;
  const onFit = (seconds: number, steps: number): void => {
    s.fits++;
    s.trainSeconds += seconds;
    s.steps += steps;
  };
  const dial = link === undefined ? undefined : () => link.dial();
  const connectOne = async (i: number): Promise<void> => {
    const slot: VirtualSlot = { client: undefined };
    s.slots[i] = slot;
    const engine = createVirtualEngine({
      pool,
      dataset,
      partition,
      slot,
      onFit,
      stepsPerRun: m.stepsPerRun,
      localTestFraction: m.localTestFraction,
      ...(m.attack === undefined ? {} : { attack: m.attack }),
    });
    const p = await createParticipant({
      ...(dial === undefined ? {} : { dial }),
      url: m.url,
      token: m.token,
      engine,
      runtime: 'node',
      deviceClass: 'server',
      modelCache: cache,
      progressIntervalMs: 60_000,
      ...(m.secAggDrop === undefined ? {} : { secAggDropAt: dropper(m.secAggDrop, slot) }),
    });
    p.on('task-failed', () => {
      s.fitFailures++;
    });
    s.participants[i] = p;
  };
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < m.slots) await connectOne(next++);
  };
  await Promise.all(Array.from({ length: Math.max(1, m.connectConcurrency) }, lane));
  post({ type: 'connected', clientIds: s.participants.map((p) => p.clientId) });
}

async function close(): Promise<void> {
  const s = state;
  if (s !== undefined) {
    await Promise.all(s.participants.map((p) => p.stop()));
    s.link?.close();
    s.pool.dispose();
  }
  post({ type: 'closed' });
  port.close();
}

async function handle(m: ToWorkerMessage): Promise<void> {
  switch (m.type) {
    case 'init':
      await init(m);
      return;
    case 'bind':
      m.clients.forEach((c, i) => {
        const slot = state?.slots[i];
        if (slot !== undefined) slot.client = c;
      });
      post({ type: 'bound' });
      return;
    case 'stats':
      post({
        type: 'stats',
        stats: {
          connected: state?.participants.length ?? 0,
          fits: state?.fits ?? 0,
          fitFailures: state?.fitFailures ?? 0,
          trainSeconds: state?.trainSeconds ?? 0,
          steps: state?.steps ?? 0,
          heapUsedBytes: process.memoryUsage().heapUsed,
        },
      });
      return;
    case 'close':
      await close();
      return;
  }
}

port.on('message', (m: ToWorkerMessage) => {
  handle(m).catch((err: unknown) => {
    const e = toEdgefedError(err);
    post({ type: 'error', code: e.code, message: e.message });
  });
});
