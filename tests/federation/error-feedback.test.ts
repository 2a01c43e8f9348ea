/**
 * Top-k error feedback on the participant, seen from the coordinator. One participant
 * whose engine always moves every parameter by the same known step D (a deterministic
 * LocalTrainingEngine, so the expected uploads can be computed exactly) joins a real
 * coordinator (socket.io on port 0, SQLite in a temp dir); FedAvg with one client makes
 * each new global model `previous + what the client sent`. With error feedback round 2
 * sends top-k(2D - sent1), not top-k(D) again; a new run starts from a zero residual.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createParticipant, type LocalTrainingEngine, type Participant } from '@edgefed/client';
import { createJoinToken, type Coordinator } from '@edgefed/coordinator';
import { decodeTensorMap, topKCount, type Tensor, type TensorMap } from '@edgefed/shared';
import { adminApi, startCoordinator } from './helpers.js';

const FRACTION = 0.05;

/** The fixed step of element i of an n-element tensor: distinct magnitudes in [0.01, 0.02), alternating signs. */
function stepOf(n: number): Float32Array {
  return Float32Array.from(
    { length: n },
    (_, i) => (i % 2 === 0 ? 1 : -1) * 0.01 * (1 + ((i * 7919) % n) / n),
  );
}

/** Trains nothing: returns `global + D` for every tensor. */
const fixedStepEngine: LocalTrainingEngine = {
  backend: 'node',
  exampleCount: 10,
  fit: ({ global }) => {
    const parameters = new Map<string, Tensor>();
    for (const [name, t] of global) {
      const d = stepOf(t.data.length);
      parameters.set(name, {
        dtype: 'float32',
        shape: [...t.shape],
        data: Float32Array.from(t.data, (x, i) => x + d[i]!),
      });
    }
    return Promise.resolve({ parameters, exampleCount: 10, metrics: { loss: 0 } });
  },
  evaluate: () => Promise.resolve({ loss: 0, exampleCount: 10, metrics: {} }),
  dispose: () => Promise.resolve(),
};

/** Indices of the k largest |values| (magnitudes are distinct here), ascending. */
function topK(values: Float32Array, k: number): number[] {
  return [...values.keys()]
    .sort((a, b) => Math.abs(values[b]!) - Math.abs(values[a]!))
    .slice(0, k)
    .sort((a, b) => a - b);
}

let coordinator: Coordinator;
let participant: Participant;

beforeAll(async () => {
  coordinator = await startCoordinator();
  participant = await createParticipant({
    url: coordinator.url,
    token: createJoinToken({ secret: coordinator.tokenSecret, run: '*' }),
    engine: fixedStepEngine,
    transports: ['websocket'],
    deviceClass: 'virtual',
  });
});

afterAll(async () => {
  await participant.stop();
  await coordinator.close();
});

async function versions(rounds: number): Promise<TensorMap[]> {
  const created = await adminApi<{ id: string }>(coordinator, '/api/runs', {
    method: 'POST',
    body: JSON.stringify({
      config: {
        model: '2nn',
        rounds,
        strategy: { name: 'fedavg', minFitClients: 1, minAvailableClients: 1 },
        roundDeadlineMs: 30_000,
        compression: { method: 'topk', fraction: FRACTION },
      },
    }),
  });
  expect(created.status).toBe(201);
  await coordinator.runs.settled(created.body.id);
  return Promise.all(
    Array.from({ length: rounds + 1 }, async (_, v) => {
      const res = await fetch(`${coordinator.url}/api/runs/${created.body.id}/model?version=${v}`, {
        headers: { authorization: `Bearer ${coordinator.adminToken}` },
      });
      return decodeTensorMap(new Uint8Array(await res.arrayBuffer()));
    }),
  );
}

/** The global model's step from version v-1 to v: changed indices and their changes. */
function stepIndices(before: Tensor, after: Tensor): number[] {
  return [...before.data.keys()].filter((i) => after.data[i] !== before.data[i]);
}

describe('top-k error feedback on the participant', () => {
  it('sends what top-k dropped in the next round, and resets for a new run', async () => {
    const [v0, v1, v2] = await versions(2);
    const [w0, w1] = await versions(1);
    for (const [name, t0] of v0!) {
      const n = t0.data.length;
      const k = topKCount(n, FRACTION);
      const d = stepOf(n);
      const sent1 = topK(d, k);
      const wasSent = new Set(sent1);
      // Round 2 compresses 2D - sent1: D on the entries already sent, 2D elsewhere.
      const corrected = Float32Array.from(d, (x, i) => (wasSent.has(i) ? x : 2 * x));
      const sent2 = topK(corrected, k);
      expect(sent2, name).not.toEqual(sent1);
      expect(stepIndices(t0, v1!.get(name)!), name).toEqual(sent1);
      expect(stepIndices(v1!.get(name)!, v2!.get(name)!), name).toEqual(sent2);
      const t1 = v1!.get(name)!;
      const t2 = v2!.get(name)!;
      for (const i of sent2) expect(t2.data[i]! - t1.data[i]!).toBeCloseTo(corrected[i]!, 6);
      // A new run: the residual of the first run is gone, round 1 sends top-k(D) again.
      expect(stepIndices(w0!.get(name)!, w1!.get(name)!), name).toEqual(sent1);
    }
  });
});
