/**
 * `localTestFraction` (`edgefed simulate --local-test-fraction`) through the real simulate
 * path: every client evaluates on its own held-out examples each round, the result records
 * `localAccuracy`/`localLoss` (a run without it records neither). FedBN on the
 * imported LeNet-BN: the clients' own BatchNorm tensors make their held-out accuracy differ
 * from the central test accuracy of the global model (which keeps the initial ones).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { onnxModelSpec } from '@edgefed/shared';
import { splitLocalHoldout } from '../../client/src/fleet/virtual-engine.js';
import { runSimulation } from '../../coordinator/src/simulation/run-simulation.js';

const base = {
  dataset: 'mnist',
  clients: 4,
  fraction: 1,
  rounds: 2,
  batchSize: 16,
  learningRate: 0.05,
  partition: 'dirichlet',
  alpha: 0.3,
  trainLimit: 800,
  testLimit: 200,
  workers: 1,
  seed: 5,
} as const;

describe('splitLocalHoldout', () => {
  it('holds out floor(n f) positions spread over the list; f = 0 keeps everything', () => {
    const idx = Uint32Array.from({ length: 10 }, (_, i) => 100 + i);
    const { train, test } = splitLocalHoldout(idx, 0.2);
    expect([...test]).toEqual([104, 109]);
    expect([...train]).toEqual([100, 101, 102, 103, 105, 106, 107, 108]);
    expect(splitLocalHoldout(idx, 0).train).toBe(idx);
    expect(splitLocalHoldout(idx, 0.5).test).toHaveLength(5);
  });
});

describe('simulate with a local test fraction', () => {
  it('records every round’s mean held-out accuracy; FedBN evaluates with the clients’ own BatchNorm', async () => {
    const plain = await runSimulation({ ...base, model: '2nn', rounds: 1 });
    expect(plain.rounds[0]?.localAccuracy).toBeUndefined();
    const spec = onnxModelSpec(readFileSync(new URL('../fixtures/onnx/lenet-bn.onnx', import.meta.url)), {
      localBatchNorm: true,
    });
    const fedbn = await runSimulation({
      ...base,
      model: spec as unknown as Record<string, unknown>,
      localTestFraction: 0.25,
    });
    expect(fedbn.status).toBe('completed');
    for (const r of fedbn.rounds) {
      expect(r.localAccuracy).toBeGreaterThan(0);
      expect(r.localLoss).toBeGreaterThan(0);
      expect(r.localAccuracy).not.toBe(r.testAccuracy);
    }
  }, 120_000);
});
