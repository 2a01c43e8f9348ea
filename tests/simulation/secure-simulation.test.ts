/**
 * `edgefed simulate --secagg` through the real simulate path (fleet workers, the participant
 * code, MessagePort channels): a tiny secure run trains like the same run without secure
 * aggregation (the same seed gives the same selection and local training; only the
 * fixed-point rounding of the mean differs). Dropouts are tested over socket.io in
 * tests/privacy/secure-aggregation.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { runSimulation } from '../../coordinator/src/simulation/run-simulation.js';

const base = {
  dataset: 'mnist',
  model: '2nn',
  clients: 5,
  fraction: 1,
  rounds: 1,
  batchSize: 16,
  learningRate: 0.1,
  epochs: 2,
  trainLimit: 500,
  testLimit: 300,
  workers: 1,
  seed: 3,
} as const;

describe('simulate --secagg', () => {
  it('trains like the same run without secure aggregation', async () => {
    const plain = await runSimulation(base);
    const secure = await runSimulation({ ...base, secureAggregation: {} });
    expect(secure.status).toBe('completed');
    const p = plain.totals.finalAccuracy ?? 0;
    const s = secure.totals.finalAccuracy ?? 0;
    expect(p).toBeGreaterThan(0.5);
    expect(Math.abs(s - p)).toBeLessThan(0.01);
    expect(secure.rounds[0]).toMatchObject({ completed: 5, dropped: 0 });
  }, 120_000);
});
