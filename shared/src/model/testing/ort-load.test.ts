/**
 * Loads emitted ONNX bytes into real onnxruntime-node sessions for the model compiler's
 * tests (imported by the other test files), and checks that the loader itself works.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../ir/builder.js';
import { DEFAULT_OPSET } from '../ir/types.js';
import { encodeModel } from '../onnx/codec.js';
import type { HostTensor, LoadGraph, RunGraph } from './grad-check.js';

/** Creates an onnxruntime-node session (1 intra-op thread: the test machine has 2 cores). */
export const loadOrt: LoadGraph = async (onnx) => {
  const session = await ort.InferenceSession.create(onnx, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const run: RunGraph = async (feeds) => {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [k, v] of Object.entries(feeds))
      ortFeeds[k] = new ort.Tensor(v.dtype === 'float64' ? 'float64' : v.dtype, v.data, [...v.shape]);
    const out = await session.run(ortFeeds);
    const res: Record<string, HostTensor> = {};
    for (const [k, v] of Object.entries(out)) {
      const data = v.data;
      if (data instanceof Float32Array) res[k] = { dtype: 'float32', shape: [...v.dims], data };
      else if (data instanceof Float64Array) res[k] = { dtype: 'float64', shape: [...v.dims], data };
      else if (data instanceof Int32Array) res[k] = { dtype: 'int32', shape: [...v.dims], data };
      else throw new Error(`Unexpected output type ${v.type} for ${k}`);
    }
    return res;
  };
  return run;
};

/** A float32 host tensor. */
export function f32(shape: readonly number[], data: ArrayLike<number>): HostTensor {
  return { dtype: 'float32', shape, data: Float32Array.from(data) };
}

describe('loadOrt', () => {
  it('runs an encoded graph and returns its outputs', async () => {
    const b = new GraphBuilder({ name: 'add' });
    const x = b.input('x', 'float32', [2]);
    b.output(b.op1('Add', [x, b.scalar(1.5)]), 'y');
    const run = await loadOrt(
      encodeModel({ graph: b.build(), opsetVersion: DEFAULT_OPSET, producerName: 't', metadata: {} }),
    );
    const out = await run({ x: f32([2], [1, -2]) });
    expect(Array.from(out.y?.data ?? [])).toEqual([2.5, -0.5]);
  });
});
