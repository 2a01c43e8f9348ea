/**
 * Simulated attacks through the real `edgefed simulate` path (coordinator, fleet workers,
 * participants, onnxruntime-node), tiny: 10 IID clients, all selected, 3 rounds of 2nn on
 * 2,000 MNIST images. Attackers change what the coordinator receives: sign-flipping 30% of
 * the clients wrecks FedAvg, multi-Krum recovers most of it; an inflated example count is
 * clamped to the run's maxExampleWeight.
 */
import { describe, expect, it } from 'vitest';
import { runSimulation } from '../../coordinator/src/simulation/run-simulation.js';

const base = {
  dataset: 'mnist',
  model: '2nn',
  clients: 10,
  fraction: 1,
  rounds: 3,
  batchSize: 10,
  learningRate: 0.1,
  partition: 'iid',
  trainLimit: 2000,
  testLimit: 500,
  workers: 1,
  seed: 3,
} as const;

const signFlip = { kind: 'sign-flip', fraction: 0.3, scale: 4 } as const;

describe('simulated attacks', () => {
  it('sign-flip ruins fedavg; multikrum recovers; the result lists the attackers', async () => {
    const honest = await runSimulation(base);
    const attacked = await runSimulation({ ...base, attack: signFlip });
    const defended = await runSimulation({
      ...base,
      attack: signFlip,
      strategy: { name: 'multikrum', byzantineClients: 3 },
    });
    const acc = (r: typeof honest) => r.totals.finalAccuracy ?? 0;
    expect(honest.attack).toBeUndefined();
    expect(attacked.attack?.kind).toBe('sign-flip');
    expect(attacked.attack?.attackers).toHaveLength(3);
    expect(acc(honest)).toBeGreaterThan(0.7);
    expect(acc(attacked)).toBeLessThan(acc(honest) - 0.3);
    expect(acc(defended)).toBeGreaterThan(acc(honest) - 0.1);
    console.log(JSON.stringify({ honest: acc(honest), attacked: acc(attacked), defended: acc(defended) }));
  }, 600_000);

  it('example-count attackers run through the real path with the weight cap set (clamping itself: tests/security/example-count.test.ts)', async () => {
    const attack = { kind: 'example-count', fraction: 0.3 } as const;
    const capped = await runSimulation({ ...base, rounds: 1, attack, maxExampleWeight: 200 });
    // 7 honest clients of 200 examples + 3 attackers clamped from 1e9 to 200
    expect(capped.rounds[0]?.completed).toBe(10);
    expect(capped.totals.finalAccuracy ?? 0).toBeGreaterThan(0.5);
  }, 600_000);
});
