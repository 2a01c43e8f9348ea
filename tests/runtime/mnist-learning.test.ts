/**
 * Learning on real MNIST, sized for CI (a few seconds): the FedAvg `2nn` and the small test
 * CNN trained centrally with edgefed's training graphs on onnxruntime-node (SGD, momentum
 * 0.9, lr 0.05, batch 32, seed 1; deterministic, observed 92.7% and 89.1%). PyTorch on the
 * same 10,000 examples with lr 0.02 reached 92.7% where edgefed reached 91.7%. The FedAvg `cnn` is checked on
 * 6,000 examples for one epoch (observed 91.55%). Full-data figures (cnn 98.51% after one
 * epoch, 2nn 97.53% after three, lr 0.1) are in docs/performance.md.
 */
import { createDataSource, createNodeBackend, createTrainer, type FitProgress } from '@edgefed/client';
import { loadDataset } from '@edgefed/coordinator';
import { MODEL_2NN, MODEL_CNN, MODEL_TINY_CNN, type ModelSpec } from '@edgefed/shared';
import { describe, expect, it } from 'vitest';

async function trainAndTest(spec: ModelSpec, trainSize: number, epochs: number, lr: number): Promise<number> {
  const backend = await createNodeBackend({ intraOpNumThreads: 1 });
  const train = createDataSource(await loadDataset('mnist', 'train', { limit: trainSize }));
  const test = createDataSource(await loadDataset('mnist', 'test', { limit: 2000 }));
  const trainer = await createTrainer({
    spec,
    backend,
    compileOptions: { loss: 'softmax-cross-entropy', optimizer: { type: 'sgd', momentum: true } },
  });
  const epochsSeen: FitProgress[] = [];
  for await (const e of trainer.fit(train, {
    batchSize: 32,
    learningRate: lr,
    momentum: 0.9,
    epochs,
    seed: 1,
  })) {
    if (e.type === 'epoch') epochsSeen.push(e);
  }
  expect(epochsSeen).toHaveLength(epochs);
  expect(epochsSeen.at(-1)?.loss).toBeLessThan(epochsSeen[0]?.loss ?? 0);
  const r = await trainer.evaluate(test);
  expect(r.exampleCount).toBe(2000);
  return r.accuracy;
}

describe('learning on real MNIST (CI-sized)', () => {
  it('2nn reaches 91% test accuracy on 10,000 examples x 3 epochs (PyTorch, same setup: ~92.7%)', async () => {
    expect(await trainAndTest(MODEL_2NN, 10_000, 3, 0.05)).toBeGreaterThanOrEqual(0.91);
  });

  it('the small CNN reaches 87% test accuracy on 5,000 examples x 2 epochs', async () => {
    expect(await trainAndTest(MODEL_TINY_CNN, 5_000, 2, 0.05)).toBeGreaterThanOrEqual(0.87);
  });

  it('the FedAvg cnn reaches 90% test accuracy after one epoch on 6,000 examples (plain SGD, lr 0.1; full data: 98.51%)', async () => {
    const backend = await createNodeBackend();
    const train = createDataSource(await loadDataset('mnist', 'train', { limit: 6000 }));
    const test = createDataSource(await loadDataset('mnist', 'test', { limit: 2000 }));
    const trainer = await createTrainer({
      spec: MODEL_CNN,
      backend,
      compileOptions: { loss: 'softmax-cross-entropy', optimizer: { type: 'sgd' } },
    });
    const losses: number[] = [];
    for await (const e of trainer.fit(train, { batchSize: 32, learningRate: 0.1, epochs: 1, seed: 1 })) {
      if (e.type === 'step') losses.push(e.loss);
    }
    expect(losses).toHaveLength(Math.ceil(6000 / 32));
    expect(losses.at(-1)).toBeLessThan(losses[0] ?? 0);
    const r = await trainer.evaluate(test);
    expect(r.accuracy).toBeGreaterThanOrEqual(0.9);
    trainer.dispose();
  });
});
