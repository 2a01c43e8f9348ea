import { describe, expect, it } from 'vitest';
import type { Tensor } from '../tensor/tensor.js';
import { decompressUpdate } from './compress.js';
import { ErrorFeedback } from './error-feedback.js';

/** Deterministic pseudo-random values (LCG, fixed seed). */
function values(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
}

describe('ErrorFeedback', () => {
  it('keeps sent + residual equal to the sum of updates, so top-k loses nothing over rounds', () => {
    const ef = new ErrorFeedback();
    const n = 200;
    const total = new Float64Array(n);
    const sent = new Float64Array(n);
    for (let round = 0; round < 20; round++) {
      const data = values(n, 1000 + round);
      data.forEach((x, i) => (total[i]! += x));
      const update = new Map<string, Tensor>([['w', { dtype: 'float32', shape: [n], data }]]);
      const dense = decompressUpdate(ef.compress(update, { method: 'topk', fraction: 0.1 })).get('w')!.data;
      dense.forEach((x, i) => (sent[i]! += x));
      const residual = ef.residual.get('w')!.data;
      for (let i = 0; i < n; i++) expect(sent[i]! + residual[i]!).toBeCloseTo(total[i]!, 4);
    }
    // Without feedback 90% of each round would be dropped; with it the residual stays bounded.
    const maxResidual = Math.max(...[...ef.residual.get('w')!.data].map(Math.abs));
    expect(maxResidual).toBeLessThan(3);
  });

  it('rejects a tensor whose size changed until reset', () => {
    const ef = new ErrorFeedback();
    const t = (n: number): Map<string, Tensor> =>
      new Map([['w', { dtype: 'float32', shape: [n], data: values(n, n) }]]);
    ef.compress(t(4), { method: 'int8' });
    expect(() => ef.compress(t(5), { method: 'int8' })).toThrow(
      expect.objectContaining({ code: 'SHAPE_MISMATCH' }),
    );
    ef.reset();
    expect(ef.residual.size).toBe(0);
    expect(() => ef.compress(t(5), { method: 'int8' })).not.toThrow();
  });
});
