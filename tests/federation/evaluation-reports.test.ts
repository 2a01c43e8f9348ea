/**
 * Evaluation reports end to end over the real interfaces: a coordinator (SQLite file, port
 * 0) with central evaluation and four participants on MNIST shards (onnxruntime-node).
 * `GET /api/runs/:id/evaluations` must return, per evaluated round, the central confusion
 * matrix (rows summing to the test set's label counts, diagonal = the central accuracy)
 * and the federated per-client results whose 10th percentile, worst-10% mean and spread
 * are the round's `eval_client_*` metrics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Participant } from '@edgefed/client';
import type { Coordinator } from '@edgefed/coordinator';
import { MODEL_2NN, clientDistribution, type Dataset } from '@edgefed/shared';
import { adminApi, centralEvaluator, mnistSubset, startCoordinator, startParticipants } from './helpers.js';

interface Report {
  round: number;
  kind: 'central' | 'federated';
  report: Record<string, unknown>;
}
interface Central {
  numClasses: number;
  counts: number[];
  examples: number;
  accuracy: number;
  perClass: { class: number; support: number; precision: number; recall: number; accuracy: number }[];
}
interface Federated {
  clients: { clientId: string; exampleCount: number; loss: number; accuracy: number }[];
  accuracy: {
    p10: number;
    worst10Mean: number;
    std: number;
    clients: number;
    histogram: { counts: number[] };
  };
}
interface Metric {
  round: number;
  name: string;
  value: number;
  scope: string;
}

let coordinator: (Coordinator & { dataDir: string }) | undefined;
let participants: Participant[] = [];
let test: Dataset;
let runId = '';

beforeAll(async () => {
  const data = await mnistSubset(1600, 300);
  test = data.test;
  coordinator = await startCoordinator({ centralEvaluator: centralEvaluator(MODEL_2NN, test) });
  participants = await startParticipants(coordinator, data.train, 4);
  const created = await adminApi<{ id: string }>(coordinator, '/api/runs', {
    method: 'POST',
    body: JSON.stringify({
      name: 'reports',
      config: {
        model: '2nn',
        rounds: 2,
        strategy: { name: 'fedavg', minFitClients: 4, minAvailableClients: 4, minEvaluateClients: 4 },
        training: { epochs: 1, batchSize: 32, learningRate: 0.1 },
        evaluateEvery: 1,
        roundDeadlineMs: 60_000,
      },
    }),
  });
  runId = created.body.id;
  await coordinator.runs.settled(runId);
});

afterAll(async () => {
  await Promise.all(participants.map((p) => p.stop()));
  await coordinator?.close();
});

describe('evaluation reports over REST', () => {
  it('returns the central confusion matrix and per-class metrics of every evaluated round', async () => {
    const c = coordinator as Coordinator;
    const res = await adminApi<{ reports: Report[] }>(c, `/api/runs/${runId}/evaluations?kind=central`);
    expect(res.status).toBe(200);
    expect(res.body.reports.map((r) => r.round)).toEqual([1, 2]);
    const metrics = (await adminApi<{ metrics: Metric[] }>(c, `/api/runs/${runId}/metrics`)).body.metrics;
    const labelCounts = new Array<number>(10).fill(0);
    for (let i = 0; i < test.size; i++) labelCounts[test.labels[i] as number]! += 1;
    for (const r of res.body.reports) {
      const m = r.report as unknown as Central;
      expect(m.numClasses).toBe(10);
      expect(m.examples).toBe(300);
      for (let t = 0; t < 10; t++) {
        expect(m.counts.slice(t * 10, t * 10 + 10).reduce((a, b) => a + b, 0)).toBe(labelCounts[t]);
        expect(m.perClass[t]?.support).toBe(labelCounts[t]);
      }
      const central = metrics.find(
        (p) => p.round === r.round && p.scope === 'central' && p.name === 'accuracy',
      );
      // argmax breaks exact ties, the graph counts them correct: at most a few examples apart
      expect(Math.abs(m.accuracy - (central?.value ?? -1))).toBeLessThanOrEqual(2 / 300);
      const diagonal = m.perClass.reduce((a, p) => a + p.recall * p.support, 0);
      expect(diagonal / m.examples).toBeCloseTo(m.accuracy, 9);
    }
    const last = res.body.reports[1]?.report as unknown as Central;
    expect(last.accuracy).toBeGreaterThan(0.5);
  });

  it('returns each participant’s accuracy and the distribution the metrics summarise', async () => {
    const c = coordinator as Coordinator;
    const res = await adminApi<{ reports: Report[] }>(
      c,
      `/api/runs/${runId}/evaluations?kind=federated&round=2`,
    );
    expect(res.body.reports).toHaveLength(1);
    const f = res.body.reports[0]?.report as unknown as Federated;
    expect(f.clients).toHaveLength(4);
    const expected = clientDistribution(
      f.clients.map((x) => x.accuracy),
      { higherIsBetter: true },
    );
    expect(f.accuracy).toMatchObject({ clients: 4, p10: expected.p10, worst10Mean: expected.worst10Mean });
    expect(f.accuracy.histogram.counts.reduce((a, b) => a + b, 0)).toBe(4);
    const metrics = (await adminApi<{ metrics: Metric[] }>(c, `/api/runs/${runId}/metrics`)).body.metrics;
    const at = (name: string) => metrics.find((p) => p.round === 2 && p.name === name)?.value;
    expect(at('eval_client_accuracy_p10')).toBe(expected.p10);
    expect(at('eval_client_accuracy_worst10')).toBe(Math.min(...f.clients.map((x) => x.accuracy)));
    expect(at('eval_client_accuracy_std')).toBeCloseTo(expected.std, 12);
  });

  it('serves a model card (JSON and Markdown) that matches the run', async () => {
    const c = coordinator as Coordinator;
    const res = await fetch(`${c.url}/api/runs/${runId}/model-card?version=2&format=json`, {
      headers: { authorization: `Bearer ${c.adminToken}` },
    });
    expect(res.headers.get('content-disposition')).toContain('-v2-model-card.json');
    const card = (await res.json()) as {
      modelDetails: {
        version: number;
        round: number;
        parameterCount: number;
        architecture: string;
        sha256: string;
      };
      training: {
        strategy: { name: string };
        roundsCompleted: number;
        roundsPlanned: number;
        participation: {
          distinctClients: number;
          clientUpdates: number;
          examples: number;
          exampleUpdates: number;
        };
        differentialPrivacy: { enabled: boolean };
      };
      evaluation: {
        central: { round: number; metrics: { accuracy: number }; perClass: { accuracy: number }[] };
        federated: { clients: number; accuracy: { p10: number } };
      };
      caveatsAndRecommendations: string[];
    };
    const checkpoints = (
      await adminApi<{ checkpoints: { version: number; hash: string }[] }>(
        c,
        `/api/runs/${runId}/checkpoints`,
      )
    ).body.checkpoints;
    const outcomes = (
      await adminApi<{ outcomes: { outcome: string; clientId: string; exampleCount: number }[] }>(
        c,
        `/api/runs/${runId}/outcomes`,
      )
    ).body.outcomes;
    const metrics = (await adminApi<{ metrics: Metric[] }>(c, `/api/runs/${runId}/metrics`)).body.metrics;
    const done = outcomes.filter((o) => o.outcome === 'completed');
    const held = new Map<string, number>();
    for (const o of done) held.set(o.clientId, Math.max(held.get(o.clientId) ?? 0, o.exampleCount));
    expect(card.modelDetails).toMatchObject({
      version: 2,
      round: 2,
      parameterCount: 199_210,
      architecture: '2nn',
      sha256: checkpoints.find((x) => x.version === 2)?.hash,
    });
    expect(card.training).toMatchObject({
      strategy: { name: 'fedavg' },
      roundsCompleted: 2,
      roundsPlanned: 2,
    });
    expect(card.training.participation).toEqual({
      distinctClients: 4,
      clientUpdates: done.length,
      failedOrDroppedTasks: outcomes.length - done.length,
      examples: [...held.values()].reduce((a, b) => a + b, 0),
      exampleUpdates: done.reduce((a, o) => a + o.exampleCount, 0),
    });
    expect(card.training.differentialPrivacy.enabled).toBe(false);
    const central = metrics.find((m) => m.round === 2 && m.scope === 'central' && m.name === 'accuracy');
    expect(card.evaluation.central.metrics.accuracy).toBe(central?.value);
    const reports = (await adminApi<{ reports: Report[] }>(c, `/api/runs/${runId}/evaluations?round=2`)).body
      .reports;
    const rc = reports.find((r) => r.kind === 'central')?.report as unknown as Central;
    expect(card.evaluation.central.perClass.map((p) => p.accuracy)).toEqual(
      rc.perClass.map((p) => p.accuracy),
    );
    const rf = reports.find((r) => r.kind === 'federated')?.report as unknown as Federated;
    expect(card.evaluation.federated).toMatchObject({ clients: 4, accuracy: { p10: rf.accuracy.p10 } });
    expect(card.caveatsAndRecommendations.join('\n')).toMatch(/Weakest class: \d/);

    const md = await fetch(`${c.url}/api/runs/${runId}/model-card?version=1`, {
      headers: { authorization: `Bearer ${c.adminToken}` },
    });
    expect(md.headers.get('content-type')).toContain('text/markdown');
    const text = await md.text();
    expect(text).toContain('# Model card: reports v1');
    expect(text).toContain('Parameters: 199,210');
    expect(text).toMatch(/Rounds: 1 completed of 2 planned/);
    for (const section of [
      'Model details',
      'Intended use',
      'Factors',
      'Metrics',
      'Evaluation data',
      'Quantitative analyses',
      'Ethical considerations',
      'Caveats and recommendations',
    ])
      expect(text).toContain(`## ${section}`);
    const bad = await adminApi<{ error: { code: string } }>(c, `/api/runs/${runId}/model-card?format=pdf`);
    expect(bad.body.error.code).toBe('INVALID_ARGUMENT');
    const none = await adminApi<{ error: { code: string } }>(c, `/api/runs/${runId}/model-card?version=9`);
    expect(none.status).toBe(404);
  });

  it('refuses a bad kind or round and an unknown run', async () => {
    const c = coordinator as Coordinator;
    const bad = await adminApi<{ error: { code: string } }>(c, `/api/runs/${runId}/evaluations?kind=x`);
    expect([bad.status, bad.body.error.code]).toEqual([400, 'INVALID_ARGUMENT']);
    const round = await adminApi<{ error: { code: string } }>(c, `/api/runs/${runId}/evaluations?round=-1`);
    expect(round.body.error.code).toBe('INVALID_ARGUMENT');
    const none = await adminApi<{ error: { code: string } }>(c, '/api/runs/nope/evaluations');
    expect([none.status, none.body.error.code]).toEqual([404, 'NOT_FOUND']);
  });
});
