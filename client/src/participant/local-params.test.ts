import { readFileSync } from 'node:fs';
import { onnxModelSpec, type Tensor, type TensorMap } from '@edgefed/shared';
import { describe, expect, it } from 'vitest';
import { LocalParameters } from './local-params.js';

const bytes = new Uint8Array(
  readFileSync(new URL('../../../tests/fixtures/onnx/dsconv.onnx', import.meta.url)),
);

const filled = (shape: readonly number[], v: number): Tensor => ({
  dtype: 'float32',
  shape,
  data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(v),
});

describe('LocalParameters (FedBN)', () => {
  const fedBn = onnxModelSpec(bytes, { localBatchNorm: true });
  const plain = onnxModelSpec(bytes);
  const shapes: [string, number[]][] = [
    ['bn0.weight', [8]],
    ['bn0.running_mean', [8]],
    ['head.weight', [4, 16]],
  ];
  const map = (v: number): TensorMap => new Map(shapes.map(([n, s]) => [n, filled(s, v)]));

  it('finds the BatchNorm tensors of a localBatchNorm model, none otherwise', () => {
    const local = new LocalParameters();
    expect(local.names(fedBn)).toContain('bn2.running_var');
    expect(local.names(fedBn)).not.toContain('head.weight');
    expect(local.names(fedBn)).toHaveLength(12);
    expect(local.names(plain)).toEqual([]);
  });

  it('keeps local values across rounds and zeroes them in the upload', () => {
    const local = new LocalParameters();
    const global = map(1);
    expect(local.apply('run', fedBn, global)).toBe(global); // first round: nothing kept yet
    local.keep('run', fedBn, map(5));
    const next = local.apply('run', fedBn, map(2));
    expect(next.get('bn0.weight')?.data[0]).toBe(5);
    expect(next.get('bn0.running_mean')?.data[0]).toBe(5);
    expect(next.get('head.weight')?.data[0]).toBe(2);
    expect(local.apply('other-run', fedBn, map(2)).get('bn0.weight')?.data[0]).toBe(2);
    const upload = local.withoutLocal(fedBn, map(3));
    expect(upload.get('bn0.weight')?.data.every((v) => v === 0)).toBe(true);
    expect(upload.get('head.weight')?.data[0]).toBe(3);
    expect(local.withoutLocal(plain, map(3)).get('bn0.weight')?.data[0]).toBe(3);
  });
});
