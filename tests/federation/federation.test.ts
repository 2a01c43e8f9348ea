/**
 * A real federation: coordinator (socket.io on port 0, SQLite file) and participants
 * training on their own MNIST shards with onnxruntime-node. Accuracy on the central test
 * set must rise over rounds, every round must commit a checkpoint, and the REST API must
 * report it all.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Participant } from '@edgefed/client';
import type { Coordinator } from '@edgefed/coordinator';
import { MODEL_2NN, decodeTensorMap } from '@edgefed/shared';
import { adminApi, centralEvaluator, mnistSubset, startCoordinator, startParticipants } from './helpers.js';

let coordinator: Coordinator | undefined;
let participants: Participant[] = [];

afterAll(async () => {
  await Promise.all(participants.map((p) => p.stop()));
  await coordinator?.close();
});

const api = adminApi;

describe('federated training over socket.io', () => {
  it('improves the global model round after round with three participants', async () => {
    const { train, test } = await mnistSubset(6000, 1000);
    coordinator = await startCoordinator({ centralEvaluator: centralEvaluator(MODEL_2NN, test) });
    participants = await startParticipants(coordinator, train, 3);
    const models: { runId: string; version: number; hash: string; spec: string }[] = [];
    participants[0]?.on('model', (m) => models.push(m));
    const created = await api<{ id: string; status: string }>(coordinator, '/api/runs', {
      method: 'POST',
      body: JSON.stringify({
        name: 'federation-test',
        config: {
          model: '2nn',
          rounds: 3,
          strategy: { name: 'fedavg', minFitClients: 3, minAvailableClients: 3, minEvaluateClients: 3 },
          training: { epochs: 2, batchSize: 32, learningRate: 0.1 },
          evaluateEvery: 1,
          roundDeadlineMs: 60_000,
        },
      }),
    });
    expect(created.status).toBe(201);
    const runId = created.body.id;
    await coordinator.runs.settled(runId);

    const run = await api<{ status: string; currentRound: number; currentModelVersion: number }>(
      coordinator,
      `/api/runs/${runId}`,
    );
    expect(run.body).toMatchObject({ status: 'completed', currentRound: 3, currentModelVersion: 3 });
    // Each task's global model was announced to the app (`model` event): version, hash, spec.
    expect(new Set(models.map((m) => m.version))).toEqual(new Set([0, 1, 2, 3]));
    for (const m of models) {
      expect(m).toMatchObject({ runId, hash: expect.stringMatching(/^[0-9a-f]{64}$/) as string });
      expect(JSON.parse(m.spec)).toMatchObject({ name: '2nn' });
      expect(models.find((o) => o.version === m.version)?.hash).toBe(m.hash);
    }

    const metrics = await api<{ metrics: { round: number; name: string; value: number; scope: string }[] }>(
      coordinator,
      `/api/runs/${runId}/metrics`,
    );
    const accuracy = metrics.body.metrics.filter((m) => m.scope === 'central' && m.name === 'accuracy');
    expect(accuracy.map((m) => m.round)).toEqual([1, 2, 3]);
    const [a1, , a3] = accuracy.map((m) => m.value);
    expect(a3).toBeGreaterThan(a1!);
    expect(a3).toBeGreaterThan(0.8);
    const fedEval = metrics.body.metrics.filter((m) => m.scope === 'eval' && m.name === 'eval_accuracy');
    expect(fedEval).toHaveLength(3);

    const rounds = await api<{
      rounds: { round: number; state: string; completedCount: number; bytesUp: number; bytesDown: number }[];
    }>(coordinator, `/api/runs/${runId}/rounds`);
    expect(rounds.body.rounds.filter((r) => r.state === 'completed')).toHaveLength(3);
    for (const r of rounds.body.rounds) {
      expect(r.completedCount).toBe(3);
      expect(r.bytesUp).toBeGreaterThan(3 * 199_210 * 4);
      // each participant downloads each new model version once (then it is cached)
      expect(r.bytesDown).toBeGreaterThanOrEqual(3 * 199_210 * 4);
    }

    const model = await fetch(`${coordinator.url}/api/runs/${runId}/model?version=3`, {
      headers: { authorization: `Bearer ${coordinator.adminToken}` },
    });
    const weights = decodeTensorMap(new Uint8Array(await model.arrayBuffer()));
    expect([...weights.values()].reduce((n, t) => n + t.data.length, 0)).toBe(199_210);
    const onnx = await fetch(`${coordinator.url}/api/runs/${runId}/model?format=onnx`, {
      headers: { authorization: `Bearer ${coordinator.adminToken}` },
    });
    expect(onnx.status).toBe(200);
    expect((await onnx.arrayBuffer()).byteLength).toBeGreaterThan(199_210 * 4);

    const prom = await (await fetch(`${coordinator.url}/metrics`)).text();
    expect(prom).toMatch(/edgefed_rounds_total\{outcome="completed"\} 3/);
  });
});
