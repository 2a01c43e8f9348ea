import { createDataset, isEdgefedError, type Dataset } from '@edgefed/shared';
import { describe, expect, it } from 'vitest';
import type { DataSource } from './data-source.js';
import { createDataSource } from './in-memory-data-source.js';
import { writeOneHot } from './one-hot.js';

/** n examples of 2 features; example i has features [i, -i] and label i % 3. */
function dataset(n: number): Dataset {
  const features = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) features.set([i, -i], i * 2);
  return createDataset({ features, labels: Uint8Array.from({ length: n }, (_, i) => i % 3), featureShape: [2] });
}

async function order(src: DataSource, batchSize: number, shuffle: boolean, seed = 0): Promise<number[][]> {
  const out: number[][] = [];
  for await (const b of src.batches({ batchSize, shuffle, seed })) {
    const rows: number[] = [];
    for (let k = 0; k < b.size; k++) {
      expect(b.features[k * 2 + 1]).toBe(-(b.features[k * 2] ?? 0));
      expect(b.labels[k]).toBe((b.features[k * 2] ?? 0) % 3);
      rows.push(b.features[k * 2] ?? -1);
    }
    out.push(rows);
  }
  return out;
}

describe('in-memory DataSource', () => {
  it('yields storage order with a short last batch', async () => {
    const src = createDataSource(dataset(7));
    expect(src.size).toBe(7);
    expect(await order(src, 3, false)).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
  });

  it('drops the remainder on request', async () => {
    const src = createDataSource(dataset(7));
    const sizes: number[] = [];
    for await (const b of src.batches({ batchSize: 3, dropRemainder: true })) sizes.push(b.size);
    expect(sizes).toEqual([3, 3]);
  });

  it('shuffles deterministically per seed, as a permutation', async () => {
    const src = createDataSource(dataset(50));
    const a = (await order(src, 8, true, 5)).flat();
    const b = (await order(src, 8, true, 5)).flat();
    const c = (await order(src, 8, true, 6)).flat();
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('restricts to an index list without copying the dataset', async () => {
    const ds = dataset(10);
    const src = createDataSource(ds, { indices: [9, 2, 2, 5] });
    expect(src.size).toBe(4);
    expect((await order(src, 10, false)).flat()).toEqual([9, 2, 2, 5]);
    expect(() => createDataSource(ds, { indices: [10] })).toThrow(/outside/);
    expect(() => createDataSource(ds, { indices: [1.5] })).toThrow(/outside/);
  });

  it('splits deterministically into disjoint parts', async () => {
    const src = createDataSource(dataset(100), { indices: Array.from({ length: 40 }, (_, i) => i * 2) });
    const s1 = src.split(0.25, 3);
    const s2 = src.split(0.25, 3);
    expect(s1.heldOut.size).toBe(10);
    expect(s1.train.size).toBe(30);
    const held = (await order(s1.heldOut, 100, false)).flat();
    const train = (await order(s1.train, 100, false)).flat();
    expect(held).toEqual((await order(s2.heldOut, 100, false)).flat());
    expect(new Set([...held, ...train]).size).toBe(40);
    expect([...held, ...train].every((v) => v % 2 === 0)).toBe(true);
    expect((await order(src.split(0.25, 4).heldOut, 100, false)).flat()).not.toEqual(held);
  });

  it('rejects bad arguments with INVALID_ARGUMENT', () => {
    const src = createDataSource(dataset(4));
    for (const f of [
      () => src.batches({ batchSize: 0 }),
      () => src.batches({ batchSize: 2, seed: 0.5 }),
      () => src.split(1.5, 0),
      () => src.split(Number.NaN, 0),
    ]) {
      expect(f).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }) as Error);
    }
  });

  it('handles an empty source', async () => {
    const src = createDataSource(dataset(5), { indices: [] });
    expect(await order(src, 4, true)).toEqual([]);
    expect(src.split(0.5, 1).heldOut.size).toBe(0);
  });
});

describe('writeOneHot', () => {
  it('writes rows and zeroes padding', () => {
    const out = new Float32Array(9).fill(7);
    writeOneHot([2, 0], 3, out);
    expect([...out]).toEqual([0, 0, 1, 1, 0, 0, 0, 0, 0]);
  });

  it('rejects bad labels and small buffers', () => {
    expect(() => {
      writeOneHot([3], 3, new Float32Array(3));
    }).toThrow(/outside/);
    try {
      writeOneHot([0, 1], 3, new Float32Array(5));
      expect.unreachable();
    } catch (e) {
      expect(isEdgefedError(e, 'SHAPE_MISMATCH')).toBe(true);
    }
  });
});

describe('per-position labels', () => {
  /** 5 windows of T = 3; window i has features [i, i, i] and labels [i, i + 1, -1]. */
  function windows(n: number): Dataset {
    const features = new Float32Array(n * 3);
    const labels = new Int32Array(n * 3);
    for (let i = 0; i < n; i++) {
      features.fill(i, i * 3, i * 3 + 3);
      labels.set([i, i + 1, -1], i * 3);
    }
    return createDataset({ features, labels, featureShape: [3], labelShape: [3], numClasses: n + 1 });
  }

  it('batches T labels per example, aligned with the features, in any order', async () => {
    const src = createDataSource(windows(5), { indices: [4, 1, 3] });
    expect(src).toMatchObject({ labelShape: [3], labelSize: 3, size: 3 });
    const seen: number[][] = [];
    for await (const b of src.batches({ batchSize: 2, shuffle: true, seed: 9 })) {
      expect(b.labels.length).toBe(b.size * 3);
      for (let k = 0; k < b.size; k++) {
        const i = b.features[k * 3] ?? -1;
        expect([...b.labels.subarray(k * 3, k * 3 + 3)]).toEqual([i, i + 1, -1]);
        seen.push([i]);
      }
    }
    expect(seen.flat().sort()).toEqual([1, 3, 4]);
    const split = src.split(1 / 3, 0);
    expect(split.heldOut.labelSize).toBe(3);
    expect(split.train.size + split.heldOut.size).toBe(3);
  });

  it('writeOneHot writes ignored positions as all-zero rows', () => {
    const out = new Float32Array(9).fill(5);
    writeOneHot([1, -1, 0], 3, out);
    expect([...out]).toEqual([0, 1, 0, 0, 0, 0, 1, 0, 0]);
  });
});
