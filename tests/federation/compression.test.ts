/**
 * Compressed uploads through a real federation: three participants (onnxruntime-node,
 * their own MNIST shards) compress their updates as the run config asks, the coordinator
 * (socket.io on port 0, SQLite in a temp dir) decodes them and FedAvg aggregates. One run
 * per method on the same coordinator and participants: each must complete, upload the
 * expected fraction of the dense bytes and learn. For top-k the aggregated model step
 * itself must be sparse (at most 3 clients x k entries per tensor changed), which shows
 * that what was aggregated is the decoded sparse updates.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Participant } from '@edgefed/client';
import type { Coordinator } from '@edgefed/coordinator';
import { MODEL_2NN, decodeTensorMap, topKCount, type CompressionSpec, type Tensor } from '@edgefed/shared';
import { adminApi, centralEvaluator, mnistSubset, startCoordinator, startParticipants } from './helpers.js';

const PARAMETERS = 199_210;
/** One round of dense float32 updates from the three participants. */
const DENSE_ROUND_BYTES = 3 * PARAMETERS * 4;

let coordinator: Coordinator;
let participants: Participant[] = [];

beforeAll(async () => {
  const { train, test } = await mnistSubset(3000, 500);
  coordinator = await startCoordinator({ centralEvaluator: centralEvaluator(MODEL_2NN, test) });
  participants = await startParticipants(coordinator, train, 3);
});

afterAll(async () => {
  await Promise.all(participants.map((p) => p.stop()));
  await coordinator.close();
});

interface RoundRow {
  round: number;
  state: string;
  completedCount: number;
  failedCount: number;
  bytesUp: number;
}

/** Runs 2 rounds of FedAvg with `compression`; returns the rounds and central accuracies. */
async function federate(compression: CompressionSpec): Promise<{
  runId: string;
  rounds: RoundRow[];
  accuracy: number[];
}> {
  const created = await adminApi<{ id: string }>(coordinator, '/api/runs', {
    method: 'POST',
    body: JSON.stringify({
      name: `compression-${compression.method}`,
      config: {
        model: '2nn',
        rounds: 2,
        strategy: { name: 'fedavg', minFitClients: 3, minAvailableClients: 3 },
        training: { epochs: 1, batchSize: 20, learningRate: 0.1 },
        roundDeadlineMs: 60_000,
        compression,
      },
    }),
  });
  expect(created.status).toBe(201);
  const runId = created.body.id;
  await coordinator.runs.settled(runId);
  const run = await adminApi<{ status: string }>(coordinator, `/api/runs/${runId}`);
  expect(run.body.status).toBe('completed');
  const rounds = await adminApi<{ rounds: RoundRow[] }>(coordinator, `/api/runs/${runId}/rounds`);
  const metrics = await adminApi<{ metrics: { name: string; scope: string; value: number }[] }>(
    coordinator,
    `/api/runs/${runId}/metrics`,
  );
  const accuracy = metrics.body.metrics
    .filter((m) => m.scope === 'central' && m.name === 'accuracy')
    .map((m) => m.value);
  for (const r of rounds.body.rounds)
    expect(r).toMatchObject({ state: 'completed', completedCount: 3, failedCount: 0 });
  expect(rounds.body.rounds.map((r) => r.round)).toEqual([1, 2]);
  return { runId, rounds: rounds.body.rounds, accuracy };
}

async function modelVersion(runId: string, version: number): Promise<ReadonlyMap<string, Tensor>> {
  const res = await fetch(`${coordinator.url}/api/runs/${runId}/model?version=${version}`, {
    headers: { authorization: `Bearer ${coordinator.adminToken}` },
  });
  expect(res.status).toBe(200);
  return decodeTensorMap(new Uint8Array(await res.arrayBuffer()));
}

describe('compressed uploads through a federation', () => {
  it('none: the dense baseline', async () => {
    const { rounds, accuracy } = await federate({ method: 'none' });
    for (const r of rounds) expect(r.bytesUp).toBeGreaterThan(DENSE_ROUND_BYTES);
    expect(accuracy[1]).toBeGreaterThan(0.6);
  });

  it('fp16: half the bytes, still learns', async () => {
    const { rounds, accuracy } = await federate({ method: 'fp16' });
    for (const r of rounds) {
      expect(r.bytesUp).toBeGreaterThan(0.5 * DENSE_ROUND_BYTES);
      expect(r.bytesUp).toBeLessThan(0.51 * DENSE_ROUND_BYTES);
    }
    expect(accuracy[1]).toBeGreaterThan(0.6);
  });

  it('int8: a quarter of the bytes, still learns', async () => {
    const { rounds, accuracy } = await federate({ method: 'int8' });
    for (const r of rounds) {
      expect(r.bytesUp).toBeGreaterThan(0.25 * DENSE_ROUND_BYTES);
      expect(r.bytesUp).toBeLessThan(0.26 * DENSE_ROUND_BYTES);
    }
    expect(accuracy[1]).toBeGreaterThan(0.6);
  });

  it('topk: few bytes, a sparse aggregated step, and it learns', async () => {
    const fraction = 0.02;
    const { runId, rounds, accuracy } = await federate({ method: 'topk', fraction });
    for (const r of rounds) expect(r.bytesUp).toBeLessThan(0.04 * DENSE_ROUND_BYTES);
    const [v0, v1] = await Promise.all([modelVersion(runId, 0), modelVersion(runId, 1)]);
    let changedTotal = 0;
    for (const [name, before] of v0) {
      const after = v1.get(name)!;
      let changed = 0;
      before.data.forEach((x, i) => {
        if (after.data[i] !== x) changed++;
      });
      // FedAvg of three sparse updates changes at most the union of their kept entries.
      expect(changed, name).toBeLessThanOrEqual(3 * topKCount(before.data.length, fraction));
      changedTotal += changed;
    }
    expect(changedTotal).toBeGreaterThan(topKCount(PARAMETERS, fraction));
    expect(accuracy[1]).toBeGreaterThan(0.3);
  });
});
