/**
 * q-FedAvg against the update written out by hand (Flower's QFedAvg math), its limits
 * (q = 0 is an unweighted mean with an adaptive step; larger q favours high-loss clients),
 * and what it sends and refuses.
 */
import { describe, expect, it } from 'vitest';
import type { TensorMap } from '../tensor/tensor.js';
import { createPrng } from '../data/prng.js';
import { createStrategy } from './create-strategy.js';
import type { FitResult } from './types.js';

const vec = (...v: number[]): TensorMap =>
  new Map([['w', { dtype: 'float32', shape: [v.length], data: Float32Array.from(v) }]]);
const fit = (clientId: string, update: TensorMap, metrics: Record<string, number>, n = 10): FitResult => ({
  clientId,
  exampleCount: n,
  update,
  metrics,
});
const values = (m: TensorMap): number[] => [...(m.get('w')?.data ?? [])];

/** Flower's QFedAvg written out for float64 reference values. */
function reference(
  global: number[],
  clients: { d: number[]; loss: number }[],
  q: number,
  lr: number,
): number[] {
  const L = 1 / lr;
  const num = global.map(() => 0);
  let h = 0;
  for (const c of clients) {
    const f = c.loss + 1e-10;
    const grads = c.d.map((d) => -d * L); // (w - w_k) / lr
    grads.forEach((g, i) => (num[i] = (num[i] ?? 0) + f ** q * g));
    h += q * f ** (q - 1) * grads.reduce((a, g) => a + g * g, 0) + L * f ** q;
  }
  return global.map((w, i) => w - (num[i] ?? 0) / h);
}

async function aggregate(config: Record<string, unknown>, global: TensorMap, results: FitResult[]) {
  return createStrategy({
    name: 'qfedavg',
    minFitClients: 1,
    minAvailableClients: 1,
    ...config,
  }).aggregateFit({
    round: 1,
    global,
    results,
    failures: [],
  });
}

describe('q-FedAvg', () => {
  it('matches the q-FFL update computed by hand', async () => {
    const clients = [
      { d: [0.1, -0.2, 0.05], loss: 2.0 },
      { d: [-0.3, 0.1, 0.0], loss: 0.5 },
      { d: [0.0, 0.4, -0.1], loss: 1.2 },
    ];
    const global = [1, -1, 0.5];
    for (const q of [0, 0.2, 1, 5]) {
      const out = await aggregate(
        { q, qfflLearningRate: 0.05 },
        vec(...global),
        clients.map((c, i) => fit(`c${i}`, vec(...c.d), { initialLoss: c.loss, loss: 99 })),
      );
      const want = reference(global, clients, q, 0.05);
      values(out.parameters).forEach((v, i) => expect(v).toBeCloseTo(want[i] ?? NaN, 6));
    }
  });

  it('weights clients by loss^q, whatever their example counts', async () => {
    // orthogonal updates: the ratio of the two coordinates is (F_high / F_low)^q
    const results = [
      fit('low', vec(1, 0), { initialLoss: 0.1 }, 1000),
      fit('high', vec(0, 1), { initialLoss: 3 }, 1),
    ];
    for (const q of [0, 1, 3]) {
      const [a, b] = values((await aggregate({ q }, vec(0, 0), results)).parameters);
      expect((b ?? NaN) / (a ?? NaN)).toBeCloseTo(30 ** q, 0);
    }
  });

  it('falls back to the loss metric, rejects results without one, and asks for initialLoss', async () => {
    const out = await aggregate({ q: 1 }, vec(0, 0), [
      fit('a', vec(0.1, 0.1), { loss: 1 }),
      fit('b', vec(0.2, 0.2), { accuracy: 0.5 }),
    ]);
    expect(out.accepted).toBe(1);
    expect(out.failures).toEqual([expect.objectContaining({ clientId: 'b', code: 'INVALID_ARGUMENT' })]);
    const s = createStrategy({ name: 'qfedavg', minAvailableClients: 1, minFitClients: 1 });
    const plan = s.configureFit({
      round: 1,
      availableClients: [{ id: 'a' }],
      globalVersion: '1',
      rng: createPrng(1),
    });
    expect(plan.hyperParameters.reportInitialLoss).toBe(true);
    expect(() => createStrategy({ name: 'qfedavg', q: -1 })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG' }),
    );
  });
});
