/**
 * A private federation end to end: coordinator (socket.io on port 0, SQLite file) and three
 * participants training 2nn on MNIST shards with onnxruntime-node, with the strategy config's
 * `privacy` block on. Every round must commit, and the train metrics must carry the epsilon
 * spent so far (growing round after round, equal to the accountant's value for q = 3/3) and
 * the noise std sigma x C / n.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Participant } from '@edgefed/client';
import type { Coordinator } from '@edgefed/coordinator';
import { RdpAccountant } from '@edgefed/shared';
import { adminApi, mnistSubset, startCoordinator, startParticipants } from '../federation/helpers.js';

let coordinator: Coordinator | undefined;
let participants: Participant[] = [];

afterAll(async () => {
  await Promise.all(participants.map((p) => p.stop()));
  await coordinator?.close();
});

async function api<T>(
  c: Coordinator,
  path: string,
  init: { method?: string; body?: string } = {},
): Promise<T> {
  const res = await adminApi<T>(c, path, init);
  expect(res.status < 300, `${path}: HTTP ${res.status}`).toBe(true);
  return res.body;
}

describe('federated training with differential privacy', () => {
  it('completes three private rounds and reports a growing epsilon', async () => {
    const { train } = await mnistSubset(1500, 10);
    coordinator = await startCoordinator();
    participants = await startParticipants(coordinator, train, 3);
    const privacy = { clipNorm: 1, noiseMultiplier: 1.2, delta: 1e-5, seed: 1 };
    const created = await api<{ id: string }>(coordinator, '/api/runs', {
      method: 'POST',
      body: JSON.stringify({
        name: 'dp-federation-test',
        config: {
          model: '2nn',
          rounds: 3,
          strategy: { name: 'fedavg', minFitClients: 3, minAvailableClients: 3, privacy },
          training: { epochs: 1, batchSize: 32, learningRate: 0.05 },
          roundDeadlineMs: 60_000,
        },
      }),
    });
    await coordinator.runs.settled(created.id);

    const run = await api<{ status: string; currentRound: number }>(coordinator, `/api/runs/${created.id}`);
    expect(run).toMatchObject({ status: 'completed', currentRound: 3 });
    const { metrics } = await api<{
      metrics: { round: number; name: string; value: number; scope: string }[];
    }>(coordinator, `/api/runs/${created.id}/metrics`);
    const trainMetric = (name: string) =>
      metrics
        .filter((m) => m.scope === 'train' && m.name === name)
        .sort((a, b) => a.round - b.round)
        .map((m) => m.value);
    const epsilon = trainMetric('epsilon');
    expect(epsilon).toHaveLength(3);
    const accountant = new RdpAccountant();
    epsilon.forEach((eps, i) => {
      accountant.compose({ samplingRate: 1, noiseMultiplier: 1.2 });
      expect(eps).toBeCloseTo(accountant.spent(1e-5).epsilon, 9);
      if (i > 0) expect(eps).toBeGreaterThan(epsilon[i - 1]!);
    });
    for (const std of trainMetric('dpNoiseStd')) expect(std).toBeCloseTo((1.2 * 1) / 3, 12);
    expect(trainMetric('numResults')).toEqual([3, 3, 3]);
  });
});
