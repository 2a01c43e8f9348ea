/**
 * Real-world federations through the real `edgefed simulate` path (issue #15), tiny: 2nn on
 * 2,000 MNIST images, 10 clients. On the virtual clock, a synchronous round with a silent
 * dropout waits for the deadline, over-selection closes rounds at the target count instead,
 * and FedBuff reports staleness and virtual time; the backdoor attack reports its success rate.
 */
import { describe, expect, it } from 'vitest';
import { runSimulation } from '../../coordinator/src/simulation/run-simulation.js';

const base = {
  dataset: 'mnist',
  model: '2nn',
  clients: 10,
  rounds: 3,
  batchSize: 10,
  learningRate: 0.1,
  partition: 'iid',
  trainLimit: 2000,
  testLimit: 500,
  workers: 1,
  seed: 5,
  roundDeadlineMs: 30_000,
  devices: { speeds: { kind: 'lognormal', spread: 10 }, dropoutRate: 0.3, examplesPerSecond: 100 },
} as const;

describe('virtual time', () => {
  it('sync rounds wait for silent dropouts until the deadline; over-selection does not', async () => {
    const sync = await runSimulation({ ...base, fraction: 0.5, targetAccuracy: 0.5 });
    for (const r of sync.rounds) {
      // 200 examples at 100/s x speed: a round without dropouts ends before the deadline
      if (r.dropped > 0) expect(r.virtualSeconds).toBe(30);
      else expect(r.virtualSeconds).toBeLessThan(30);
    }
    expect(sync.rounds.some((r) => r.dropped > 0)).toBe(true);
    expect(sync.virtualSeconds).toBe(sync.rounds[sync.rounds.length - 1]?.virtualTime);
    expect(sync.timeToTarget).toBe(
      sync.rounds.find((r) => (r.testAccuracy ?? 0) >= 0.5)?.virtualTime ?? null,
    );
    const over = await runSimulation({
      ...base,
      fraction: 0.3,
      strategy: { name: 'fedavg', overSelection: 2 },
    });
    for (const r of over.rounds) {
      expect(r.selected).toBe(6);
      if (r.completed === 3) expect(r.virtualSeconds).toBeLessThan(30);
    }
  }, 300_000);

  it('FedBuff in virtual time: versions of K updates, staleness recorded, time advancing', async () => {
    const r = await runSimulation({
      ...base,
      mode: 'fedbuff',
      rounds: 4,
      fedbuff: { bufferSize: 3, concurrency: 5, maxStaleness: 10 },
    });
    expect(r.status).toBe('completed');
    expect(r.rounds.map((x) => x.round)).toEqual([1, 2, 3, 4]);
    const times = r.rounds.map((x) => x.virtualTime ?? NaN);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(r.totals.finalAccuracy ?? 0).toBeGreaterThan(0.3);
  }, 300_000);
});

describe('backdoor attack', () => {
  it('reports the attack success rate beside the accuracy', async () => {
    const r = await runSimulation({
      dataset: 'mnist',
      model: '2nn',
      clients: 10,
      fraction: 1,
      rounds: 2,
      partition: 'iid',
      trainLimit: 2000,
      testLimit: 500,
      workers: 1,
      seed: 3,
      attack: { kind: 'backdoor', fraction: 0.3, targetClass: 2 },
    });
    expect(r.attack).toMatchObject({ kind: 'backdoor', targetClass: 2 });
    expect(r.attack?.attackers).toHaveLength(3);
    for (const x of r.rounds) {
      expect(x.attackSuccessRate).toBeGreaterThanOrEqual(0);
      expect(x.attackSuccessRate).toBeLessThanOrEqual(1);
    }
    expect(r.attack?.finalAttackSuccessRate).toBe(r.rounds[1]?.attackSuccessRate);
    // the trigger is learnt: far more triggered images land in class 2 than the ~10% by chance
    expect(r.attack?.finalAttackSuccessRate ?? 0).toBeGreaterThan(0.2);
  }, 300_000);
});
