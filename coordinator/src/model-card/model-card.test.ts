/**
 * Model cards from a memory store holding a differentially private run stopped after two
 * of three rounds: privacy figures, counts, the version cut (nothing after its round) and
 * the derived limitations, in JSON and Markdown.
 */
import { describe, expect, it } from 'vitest';
import { classificationReport } from '@edgefed/shared';
import { createMemoryRunStore } from '../store/memory-run-store.js';
import type { CommitRoundInput } from '../store/run-store.js';
import { loadModelCard } from './load-model-card.js';
import { modelCardMarkdown } from './model-card-markdown.js';

const hash = (v: number): string => String(v).repeat(64).slice(0, 64);

function commit(round: number, epsilon: number): CommitRoundInput {
  return {
    runUpdate: { currentRound: round, currentModelVersion: round },
    round: {
      runId: 'r1',
      round,
      attempt: 0,
      state: 'completed',
      startedAt: round,
      selectedCount: 3,
      completedCount: 2,
      trainMetrics: { loss: 1 / round, epsilon },
    },
    outcomes: [
      { clientId: 'a', outcome: 'completed', exampleCount: 100 + round },
      { clientId: `b${String(round)}`, outcome: 'completed', exampleCount: 50 },
      { clientId: 'c', outcome: 'dropped' },
    ],
    metrics: [
      { name: 'accuracy', value: 0.5 + round / 10, scope: 'central' },
      { name: 'loss', value: 2 / round, scope: 'central' },
    ],
    checkpoint: { version: round, hash: hash(round), byteSize: 10 },
  };
}

describe('model card', () => {
  it('reports a private, unfinished run as recorded up to the version', async () => {
    const store = createMemoryRunStore({ now: () => 5_000 });
    const privacy = { clipNorm: 1, noiseMultiplier: 1.1, delta: 1e-5 };
    await store.createRun({
      id: 'r1',
      name: 'dp run',
      status: 'stopped',
      config: { model: 'tiny-cnn', rounds: 3, strategy: { name: 'fedavg', privacy } },
    });
    await store.commitRound(commit(1, 0.8));
    await store.commitRound(commit(2, 1.3));
    const report = classificationReport({ numClasses: 2, counts: [40, 10, 30, 20] });
    await store.putEvaluationReport({ runId: 'r1', round: 1, kind: 'central', report: report as never });
    await store.putEvaluationReport({ runId: 'r1', round: 2, kind: 'central', report: report as never });

    const v1 = await loadModelCard(store, 'r1', 1, 0);
    expect(v1.training.differentialPrivacy).toEqual({ enabled: true, epsilon: 0.8, ...privacy });
    expect(v1.training.participation).toEqual({
      distinctClients: 2,
      clientUpdates: 2,
      failedOrDroppedTasks: 1,
      examples: 151,
      exampleUpdates: 151,
    });
    expect(v1.evaluation.central?.metrics).toEqual({ accuracy: 0.6, loss: 2 });

    const latest = await loadModelCard(store, 'r1', undefined, 0);
    expect(latest.modelDetails).toMatchObject({
      version: 2,
      round: 2,
      sha256: hash(2),
      architecture: 'tiny-cnn',
    });
    expect(latest.modelDetails.parameterCount).toBeGreaterThan(0);
    expect(latest.training).toMatchObject({ roundsCompleted: 2, roundsPlanned: 3 });
    expect(latest.training.participation).toMatchObject({ distinctClients: 3, examples: 102 + 50 + 50 });
    expect(latest.training.differentialPrivacy).toMatchObject({ epsilon: 1.3, delta: 1e-5 });
    expect(latest.evaluation.federated).toBeNull();
    const caveats = latest.caveatsAndRecommendations.join('\n');
    expect(caveats).toContain('2 of 3 planned rounds (run stopped)');
    expect(caveats).toContain('Weakest class: 1 with 40.0% accuracy');
    expect(caveats).toContain('only 100 examples');
    expect(caveats).toContain('No federated evaluation');

    const md = modelCardMarkdown(latest);
    expect(md).toContain('epsilon 1.3, delta 0.00001');
    expect(md).toContain('| 1 | 50 | 66.67% | 40.00% | 40.00% |');
    expect(md).toContain('| 1 | 30 | 20 |');
    await expect(loadModelCard(store, 'r1', 7)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
