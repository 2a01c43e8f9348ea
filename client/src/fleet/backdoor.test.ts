/** Tests of the backdoor attack's data: the trigger, poisoned client data, the success-rate test set. */
import { describe, expect, it } from 'vitest';
import { createDataset } from '@edgefed/shared';
import { TRIGGER_SIZE, backdoorClientData, backdoorTestSet, stampTrigger } from './backdoor.js';

function images(n: number): ReturnType<typeof createDataset> {
  const features = new Float32Array(n * 64).fill(0.25);
  const labels = new Int32Array(n).map((_, i) => i % 4);
  return createDataset({ features, labels, featureShape: [8, 8], numClasses: 4 });
}

describe('backdoor', () => {
  it('stamps a 4x4 square of ones one pixel from the bottom-right corner', () => {
    const x = new Float32Array(64);
    stampTrigger(x, 0, [8, 8]);
    const set = [...x.keys()].filter((i) => x[i] === 1).map((i) => [Math.floor(i / 8), i % 8]);
    expect(set.length).toBe(TRIGGER_SIZE * TRIGGER_SIZE);
    for (const [y, xx] of set) {
      expect(y).toBeGreaterThanOrEqual(3);
      expect(y).toBeLessThanOrEqual(6);
      expect(xx).toBeGreaterThanOrEqual(3);
      expect(xx).toBeLessThanOrEqual(6);
    }
    expect(() => stampTrigger(new Float32Array(3), 0, [3])).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });

  it('poisons a seeded share of the client’s own examples, relabelled to the target', () => {
    const d = images(400);
    const indices = Uint32Array.from({ length: 200 }, (_, i) => i * 2);
    const own = backdoorClientData(d, indices, { targetClass: 3, poisonFraction: 0.5, seed: 1 }, 7);
    expect(own.size).toBe(200);
    const triggered = [...Array(200).keys()].filter((i) => own.features[i * 64 + 6 * 8 + 6] === 1);
    expect(triggered.length).toBeGreaterThan(70);
    expect(triggered.length).toBeLessThan(130);
    for (const i of triggered) expect(own.labels[i]).toBe(3);
    for (let i = 0; i < 200; i++)
      if (!triggered.includes(i)) expect(own.labels[i]).toBe(d.labels[indices[i] ?? 0]);
    expect(backdoorClientData(d, indices, { targetClass: 3, poisonFraction: 0.5, seed: 1 }, 7)).toEqual(own);
    expect(d.features.every((v) => v === 0.25)).toBe(true); // the shared dataset is untouched
    expect(() => backdoorClientData(d, indices, { targetClass: 4, poisonFraction: 0.5, seed: 1 }, 7)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });

  it('the success-rate test set: other classes only, triggered, labelled with the target', () => {
    const t = backdoorTestSet(images(40), 1);
    expect(t.size).toBe(30);
    expect([...t.labels].every((y) => y === 1)).toBe(true);
    for (let i = 0; i < t.size; i++) expect(t.features[i * 64 + 3 * 8 + 3]).toBe(1);
  });
});
