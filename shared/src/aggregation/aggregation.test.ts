import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EdgefedError } from '../errors.js';
import type { Tensor, TensorMap } from '../tensor/tensor.js';
import { coordinateMedian } from './coordinate-median.js';
import { krumScores, krumSelect } from './krum.js';
import { tensorLayout } from './layout.js';
import { coordinateTrimmedMean } from './trimmed-mean.js';
import { WeightedMeanAccumulator } from './weighted-mean.js';

function map(entries: Record<string, { shape: number[]; values: number[] }>): TensorMap {
  const m = new Map<string, Tensor>();
  for (const [name, t] of Object.entries(entries)) {
    m.set(name, { dtype: 'float32', shape: t.shape, data: Float32Array.from(t.values) });
  }
  return m;
}

const two = (a: number[], b: number[]): TensorMap =>
  map({ w: { shape: [2, 2], values: a }, b: { shape: [2], values: b } });

function values(m: TensorMap, name: string): number[] {
  return [...(m.get(name)?.data ?? [])];
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof EdgefedError) return e.code;
    throw e;
  }
  return 'none';
}

describe('WeightedMeanAccumulator', () => {
  it('computes the example-weighted mean by hand', () => {
    const acc = new WeightedMeanAccumulator(two([0, 0, 0, 0], [0, 0]));
    acc.add(two([1, 2, 3, 4], [10, 20]), 1);
    acc.add(two([5, 6, 7, 8], [30, 40]), 3);
    expect(acc.count).toBe(2);
    expect(acc.totalWeight).toBe(4);
    const mean = acc.finalize();
    // (1*1 + 3*5)/4 = 4, (2 + 18)/4 = 5, (3 + 21)/4 = 6, (4 + 24)/4 = 7
    expect(values(mean, 'w')).toEqual([4, 5, 6, 7]);
    expect(values(mean, 'b')).toEqual([25, 35]);
    expect(mean.get('w')?.shape).toEqual([2, 2]);
  });

  it('handles tensors whose length is not a multiple of the unroll width', () => {
    const n = 13;
    const ref = map({ x: { shape: [n], values: new Array<number>(n).fill(0) } });
    const acc = new WeightedMeanAccumulator(ref);
    const a = Array.from({ length: n }, (_, i) => i);
    acc.add(map({ x: { shape: [n], values: a } }), 2);
    acc.add(map({ x: { shape: [n], values: a.map((v) => -v) } }), 2);
    expect(values(acc.finalize(), 'x')).toEqual(new Array<number>(n).fill(0));
  });

  it('rejects bad updates before touching the sum', () => {
    const acc = new WeightedMeanAccumulator(two([0, 0, 0, 0], [0, 0]));
    acc.add(two([1, 1, 1, 1], [1, 1]), 1);
    const shape = map({ w: { shape: [4], values: [9, 9, 9, 9] }, b: { shape: [2], values: [9, 9] } });
    const names = map({ w: { shape: [2, 2], values: [9, 9, 9, 9] }, c: { shape: [2], values: [9, 9] } });
    const order = map({ b: { shape: [2], values: [9, 9] }, w: { shape: [2, 2], values: [9, 9, 9, 9] } });
    const fewer = map({ w: { shape: [2, 2], values: [9, 9, 9, 9] } });
    const dtype: TensorMap = new Map<string, Tensor>([
      ['w', { dtype: 'int8', shape: [2, 2], data: new Int8Array(4), scale: 1 }],
      ['b', { dtype: 'float32', shape: [2], data: new Float32Array(2) }],
    ]);
    expect(
      codeOf(() => {
        acc.add(shape, 1);
      }),
    ).toBe('SHAPE_MISMATCH');
    expect(
      codeOf(() => {
        acc.add(names, 1);
      }),
    ).toBe('NAME_MISMATCH');
    expect(
      codeOf(() => {
        acc.add(order, 1);
      }),
    ).toBe('NAME_MISMATCH');
    expect(
      codeOf(() => {
        acc.add(fewer, 1);
      }),
    ).toBe('NAME_MISMATCH');
    expect(
      codeOf(() => {
        acc.add(dtype, 1);
      }),
    ).toBe('DTYPE_MISMATCH');
    // NaN in the second tensor: the first tensor must not have been added either.
    expect(
      codeOf(() => {
        acc.add(two([9, 9, 9, 9], [9, NaN]), 1);
      }),
    ).toBe('NON_FINITE');
    expect(
      codeOf(() => {
        acc.add(two([9, 9, 9, Infinity], [9, 9]), 1);
      }),
    ).toBe('NON_FINITE');
    expect(
      codeOf(() => {
        acc.add(two([9, 9, 9, 9], [9, 9]), 0);
      }),
    ).toBe('INVALID_ARGUMENT');
    expect(
      codeOf(() => {
        acc.add(two([9, 9, 9, 9], [9, 9]), NaN);
      }),
    ).toBe('INVALID_ARGUMENT');
    expect(acc.count).toBe(1);
    expect(values(acc.finalize(), 'w')).toEqual([1, 1, 1, 1]);
    expect(codeOf(() => acc.finalize())).toBe('FAILED_PRECONDITION');
  });

  it('refuses to finalize an empty mean and to lay out a non-float32 model', () => {
    expect(codeOf(() => new WeightedMeanAccumulator(two([0, 0, 0, 0], [0, 0])).finalize())).toBe(
      'FAILED_PRECONDITION',
    );
    const bad: TensorMap = new Map<string, Tensor>([
      ['h', { dtype: 'float16', shape: [1], data: new Uint16Array(1) }],
    ]);
    expect(codeOf(() => tensorLayout(bad))).toBe('DTYPE_MISMATCH');
  });

  it('matches a float64 reference on random data (seeded)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
            fc.integer({ min: 1, max: 1000 }),
          ),
          { minLength: 1, maxLength: 20 },
        ),
        (pairs) => {
          const acc = new WeightedMeanAccumulator(map({ x: { shape: [1], values: [0] } }));
          let num = 0;
          let den = 0;
          for (const [v, w] of pairs) {
            acc.add(map({ x: { shape: [1], values: [v] } }), w);
            num += Math.fround(v) * w;
            den += w;
          }
          expect(values(acc.finalize(), 'x')[0]).toBe(Math.fround(num / den));
        },
      ),
      { seed: 42, numRuns: 200 },
    );
  });
});

describe('coordinateMedian', () => {
  it('computes odd and even medians by hand', () => {
    const u = [two([1, 5, -1, 0], [3, 3]), two([2, 4, -2, 0], [1, 9]), two([9, 3, -3, 7], [2, 1])];
    const odd = coordinateMedian(u);
    expect(values(odd, 'w')).toEqual([2, 4, -2, 0]);
    expect(values(odd, 'b')).toEqual([2, 3]);
    const even = coordinateMedian([...u, two([0, 0, 0, 0], [100, 100])]);
    expect(values(even, 'w')).toEqual([1.5, 3.5, -1.5, 0]);
    expect(values(even, 'b')).toEqual([2.5, 6]);
  });

  it('agrees with a sort-based reference for any block size (seeded)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 5 }),
        fc.infiniteStream(fc.integer({ min: -5, max: 5 })),
        (k, n, block, stream) => {
          const it = stream[Symbol.iterator]();
          const rows = Array.from({ length: k }, () =>
            Array.from({ length: n }, () => it.next().value as number),
          );
          const got = values(
            coordinateMedian(
              rows.map((r) => map({ x: { shape: [n], values: r } })),
              { blockSize: block },
            ),
            'x',
          );
          for (let j = 0; j < n; j++) {
            const col = rows.map((r) => r[j]!).sort((a, b) => a - b);
            const want = k % 2 ? col[(k - 1) / 2]! : (col[k / 2 - 1]! + col[k / 2]!) / 2;
            expect(got[j]).toBe(want);
          }
        },
      ),
      { seed: 7, numRuns: 300 },
    );
  });

  it('validates inputs', () => {
    expect(codeOf(() => coordinateMedian([]))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => coordinateMedian([two([1, 1, 1, 1], [1, 1]), two([1, 1, 1, NaN], [1, 1])]))).toBe(
      'NON_FINITE',
    );
    expect(codeOf(() => coordinateMedian([two([1, 1, 1, 1], [1, 1])], { blockSize: 0 }))).toBe(
      'INVALID_ARGUMENT',
    );
  });
});

describe('coordinateTrimmedMean', () => {
  it('trims floor(beta * k) from each side, by hand', () => {
    const col = [100, 1, 2, 3, -50];
    const u = col.map((v, i) => map({ x: { shape: [2], values: [v, i] } }));
    // k = 5, beta = 0.2 -> trim 1 each side: mean(1, 2, 3) = 2; mean(1, 2, 3) = 2
    expect(values(coordinateTrimmedMean(u, { beta: 0.2 }), 'x')).toEqual([2, 2]);
    // beta = 0.1 -> floor(0.5) = 0: the plain mean
    expect(values(coordinateTrimmedMean(u, { beta: 0.1 }), 'x')).toEqual([11.2, 2].map(Math.fround));
    // beta = 0.4 -> trim 2 each side: the median
    expect(values(coordinateTrimmedMean(u, { beta: 0.4, blockSize: 1 }), 'x')).toEqual([2, 2]);
  });

  it('agrees with a sort-based reference (seeded)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -100, max: 100 }), { minLength: 1, maxLength: 30 }),
        fc.double({ min: 0, max: 0.49, noNaN: true }),
        (col, beta) => {
          const k = col.length;
          const t = Math.floor(beta * k);
          const kept = [...col].sort((a, b) => a - b).slice(t, k - t);
          const want = Math.fround(kept.reduce((s, v) => s + v, 0) / kept.length);
          const got = coordinateTrimmedMean(
            col.map((v) => map({ x: { shape: [1], values: [v] } })),
            { beta },
          );
          expect(values(got, 'x')[0]).toBe(want);
        },
      ),
      { seed: 11, numRuns: 300 },
    );
  });

  it('rejects beta outside [0, 0.5)', () => {
    const u = [map({ x: { shape: [1], values: [1] } })];
    expect(codeOf(() => coordinateTrimmedMean(u, { beta: 0.5 }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => coordinateTrimmedMean(u, { beta: -0.1 }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => coordinateTrimmedMean(u, { beta: NaN }))).toBe('INVALID_ARGUMENT');
  });
});

describe('krumSelect', () => {
  const u = (...v: number[]): Float32Array[] => [Float32Array.from(v)];

  it('scores by the n - f - 2 nearest neighbours and picks the lowest, by hand', () => {
    // points on a line: 0, 1, 2, 10 ; f = 1 -> 1 nearest neighbour
    const updates = [u(0), u(1), u(2), u(10)];
    expect(krumScores(updates, 1)).toEqual([1, 1, 1, 64]);
    expect(krumSelect({ updates, byzantine: 1, keep: 1 })).toEqual([0]);
    expect(krumSelect({ updates, byzantine: 1, keep: 3 })).toEqual([0, 1, 2]);
    // f = 0 -> 2 nearest: scores 0:1+4, 1:1+1, 2:1+4, 3:64+81
    expect(krumScores(updates, 0)).toEqual([5, 2, 5, 145]);
    expect(krumSelect({ updates, byzantine: 0, keep: 2 })).toEqual([1, 0]);
  });

  it('validates parameters', () => {
    expect(codeOf(() => krumSelect({ updates: [], byzantine: 0, keep: 1 }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => krumSelect({ updates: [u(1)], byzantine: -1, keep: 1 }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => krumSelect({ updates: [u(1)], byzantine: 0, keep: 0 }))).toBe('INVALID_ARGUMENT');
    expect(krumSelect({ updates: [u(1)], byzantine: 3, keep: 5 })).toEqual([0]);
  });
});
