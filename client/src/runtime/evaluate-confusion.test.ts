/**
 * `evaluate({ confusionMatrix: true })`: the host-side confusion matrix agrees with the
 * evaluation graph's own accuracy and example count, and rows match the label counts.
 */
import { createDataset, type ModelSpec } from '@edgefed/shared';
import { describe, expect, it } from 'vitest';
import { createDataSource } from '../data/in-memory-data-source.js';
import { createNodeBackend } from './node-backend.js';
import { createTrainer } from './trainer.js';

const MLP: ModelSpec = {
  input: { shape: [6] },
  // No ReLU: a dead hidden layer ties all logits, where the graph counts any label correct
  // (label logit == row max) but the matrix must pick one class (the lowest).
  layers: [{ type: 'dense', units: 4 }],
};

describe('evaluate with a confusion matrix', () => {
  it('matches the graph accuracy, the example count and the label histogram', async () => {
    const n = 203;
    let s = 11;
    const features = Float32Array.from({ length: n * 6 }, () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 2 ** 32 - 0.5;
    });
    const labels = Uint8Array.from({ length: n }, (_, i) => (i * 7) % 4);
    const data = createDataSource(createDataset({ features, labels, featureShape: [6], numClasses: 4 }));
    const trainer = await createTrainer({
      spec: MLP,
      backend: await createNodeBackend({ intraOpNumThreads: 1 }),
      compileOptions: { loss: 'softmax-cross-entropy', optimizer: { type: 'sgd' } },
      initSeed: 3,
    });
    const r = await trainer.evaluate(data, { batchSize: 64, confusionMatrix: true });
    const m = r.confusion;
    expect(m?.numClasses).toBe(4);
    const counts = m?.counts ?? [];
    expect(counts.reduce((a, b) => a + b, 0)).toBe(n);
    const diagonal = [0, 1, 2, 3].reduce((a, c) => a + (counts[c * 4 + c] ?? 0), 0);
    expect(diagonal / n).toBeCloseTo(r.accuracy, 6);
    for (let c = 0; c < 4; c++) {
      const row = counts.slice(c * 4, c * 4 + 4).reduce((a, b) => a + b, 0);
      expect(row).toBe(labels.filter((y) => y === c).length);
    }
    const plain = await trainer.evaluate(data, { batchSize: 64 });
    expect(plain.confusion).toBeUndefined();
    expect(plain.accuracy).toBe(r.accuracy);
  });
});
