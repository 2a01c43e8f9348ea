import { describe, expect, it } from 'vitest';
import { decompressUpdate, type Tensor, type TensorMap } from '@edgefed/shared';
import { UpdateEncoder } from './update-encoder.js';

const map = (values: number[], name = 'w'): TensorMap =>
  new Map<string, Tensor>([
    [name, { dtype: 'float32', shape: [values.length], data: Float32Array.from(values) }],
  ]);
const sent = (m: Map<string, Tensor>): number[] => [...(decompressUpdate(m).get('w')?.data ?? [])];
const residual = (e: UpdateEncoder): number[] => [...(e.residual.get('w')?.data ?? [])];
const TOPK = { method: 'topk', fraction: 0.25 } as const;

describe('UpdateEncoder', () => {
  it('carries what top-k dropped into the next update of the same run', () => {
    const e = new UpdateEncoder();
    expect(sent(e.encode('run', map([4, 3, 2, 1]), TOPK).compressed)).toEqual([4, 0, 0, 0]);
    expect(residual(e)).toEqual([0, 3, 2, 1]);
    // 4,3,2,1 + residual 0,3,2,1 = 4,6,4,2: the dropped 3 now wins.
    expect(sent(e.encode('run', map([4, 3, 2, 1]), TOPK).compressed)).toEqual([0, 6, 0, 0]);
    expect(residual(e)).toEqual([4, 0, 4, 2]);
  });

  it('starts from zero for a new run, a new layout, another method or after a failed upload', () => {
    const e = new UpdateEncoder();
    const first = (): void => {
      e.reset();
      e.encode('run', map([4, 3, 2, 1]), TOPK);
    };
    first();
    expect(sent(e.encode('other-run', map([4, 3, 2, 1]), TOPK).compressed)).toEqual([4, 0, 0, 0]);
    first();
    const renamed = decompressUpdate(e.encode('run', map([4, 3, 2, 1], 'v'), TOPK).compressed);
    expect([...(renamed.get('v')?.data ?? [])]).toEqual([4, 0, 0, 0]);
    expect([...e.residual.keys()]).toEqual(['v']);
    first();
    e.encode('run', map([4, 3, 2, 1]), { method: 'int8' });
    expect(e.residual.size).toBe(0);
    expect(sent(e.encode('run', map([4, 3, 2, 1]), TOPK).compressed)).toEqual([4, 0, 0, 0]);
    first();
    e.encode('run', map([4, 3, 2, 1]), TOPK).discard();
    expect(e.residual.size).toBe(0);
    expect(sent(e.encode('run', map([4, 3, 2, 1]), TOPK).compressed)).toEqual([4, 0, 0, 0]);
  });

  it('leaves fp16 and int8 updates without a residual', () => {
    const e = new UpdateEncoder();
    expect(sent(e.encode('run', map([1, -2]), { method: 'fp16' }).compressed)).toEqual([1, -2]);
    expect(e.residual.size).toBe(0);
  });
});
