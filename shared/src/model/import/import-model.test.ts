import { describe, expect, it } from 'vitest';
import { EdgefedError } from '../../errors.js';
import { GraphBuilder } from '../ir/builder.js';
import { attrFloat, attrInt, type GraphIR, type NodeIR } from '../ir/types.js';
import { encodeModel } from '../onnx/codec.js';
import type { HostTensor } from '../testing/grad-check.js';
import { f32, loadOrt } from '../testing/ort-load.test.js';
import { compileModel } from '../compile/compile-model.js';
import { planModel } from '../compile/plan.js';
import { fromBase64, toBase64 } from './base64.js';
import { compileImportedModel } from './compile-imported.js';
import { onnxModelSpec } from './onnx-spec.js';
import { importOnnxModel } from './import-model.js';

function bytesOf(graph: GraphIR, opsetVersion = 17): Uint8Array {
  return encodeModel({ graph, opsetVersion, producerName: 'test', metadata: {} });
}

const node = (opType: string, inputs: string[], outputs: string[], name: string, domain = ''): NodeIR => ({
  opType,
  inputs,
  outputs,
  name,
  domain,
  attributes: {},
});

/** x [batch, 3, 4] -> Reshape -> Gemm fc1 -> Relu -> BatchNormalization bn -> Gemm fc2. */
function mlp(batch: number | string, reshapeTo: number[]): Uint8Array {
  const b = new GraphBuilder({ name: 'mlp' });
  const x = b.input('input', 'float32', [batch, 3, 4]);
  const w = (name: string, shape: number[], v: number): string => {
    const n = shape.reduce((a, c) => a * c, 1);
    return b.constant(
      { dtype: 'float32', shape, data: Float32Array.from({ length: n }, (_, i) => Math.sin(i + v)) },
      name,
    );
  };
  const fill = (name: string, v: number): string =>
    b.constant({ dtype: 'float32', shape: [5], data: new Float32Array(5).fill(v) }, name);
  const h = b.op1('Reshape', [x, b.ints(reshapeTo)]);
  const z = b.op1('Gemm', [h, w('fc1.weight', [5, 12], 1), w('fc1.bias', [5], 2)], { transB: attrInt(1) });
  const r = b.op1('Relu', [z]);
  const bnIns = [
    r,
    fill('bn.weight', 1),
    fill('bn.bias', 0),
    fill('bn.running_mean', 0.1),
    fill('bn.running_var', 2),
  ];
  w('fc2.weight', [2, 5], 3);
  w('fc2.bias', [2], 4);
  const built = b.build();
  const bn: NodeIR = {
    ...node('BatchNormalization', bnIns, ['bn_out'], 'bn'),
    attributes: { epsilon: attrFloat(1e-5), momentum: attrFloat(0.9) },
  };
  const fc2: NodeIR = {
    ...node('Gemm', ['bn_out', 'fc2.weight', 'fc2.bias'], ['logits'], 'fc2'),
    attributes: { transB: attrInt(1) },
  };
  return bytesOf({
    ...built,
    nodes: [...built.nodes, bn, fc2],
    outputs: [{ name: 'logits', dtype: 'float32', shape: [batch, 2] }],
  });
}

describe('importOnnxModel', () => {
  it('names every unsupported node in one UNSUPPORTED_OP error', () => {
    const graph: GraphIR = {
      name: 'bad',
      inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 4] }],
      outputs: [{ name: 'z', dtype: 'float32', shape: ['N', 4] }],
      initializers: [],
      nodes: [
        node('Relu', ['x'], ['a'], 'ok'),
        node('Hardmax', ['a'], ['b'], 'hm'),
        node('Relu', ['b'], ['c'], 'ok2'),
        node('FusedGemm', ['c'], ['d'], 'fused', 'com.microsoft'),
        node('CumSum', ['d'], ['z'], 'cs'),
      ],
    };
    let err: unknown;
    try {
      importOnnxModel(bytesOf(graph));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EdgefedError);
    const e = err as EdgefedError;
    expect(e.code).toBe('UNSUPPORTED_OP');
    expect(e.message).toContain('Hardmax "hm" (node 1)');
    expect(e.message).toContain('com.microsoft.FusedGemm "fused" (node 3)');
    expect(e.message).toContain('CumSum "cs" (node 4)');
    expect(e.details?.nodes).toHaveLength(3);
  });

  it('freezes initializers by glob; running stats are state; localBatchNorm marks BN tensors', () => {
    const m = importOnnxModel(mlp('batch', [0, 12]), { freeze: ['fc1.*'], localBatchNorm: true });
    expect(m.frozen).toEqual(['fc1.weight', 'fc1.bias']);
    const byName = new Map(m.parameters.map((p) => [p.name, p]));
    expect([...byName.keys()]).toEqual([
      'bn.weight',
      'bn.bias',
      'bn.running_mean',
      'bn.running_var',
      'fc2.weight',
      'fc2.bias',
    ]);
    expect(byName.get('bn.running_mean')?.trainable).toBe(false);
    expect(byName.get('bn.weight')?.trainable).toBeUndefined();
    expect(byName.get('bn.weight')?.local).toBe(true);
    expect(byName.get('fc2.weight')?.local).toBeUndefined();
    const c = compileImportedModel(m, {
      loss: 'softmax-cross-entropy',
      optimizer: { type: 'adam' },
      batchSize: 4,
    });
    const ins = c.trainStep.manifest.inputs.map((e) => e.name);
    expect(ins).not.toContain('fc1.weight');
    expect(ins).toContain('bn.running_var');
    expect(ins).not.toContain('bn.running_var.adam-m');
    expect(c.trainStep.manifest.outputs.map((e) => e.name)).toContain('bn.running_var.new');
  });

  it('makes a reshape baked with a static export batch batch-agnostic', async () => {
    const m = importOnnxModel(mlp(2, [2, 12]));
    expect(m.inputShape).toEqual([3, 4]);
    const c = compileImportedModel(m, { loss: 'softmax-cross-entropy', optimizer: { type: 'sgd' } });
    const run = await loadOrt(c.inference.onnx);
    const feeds: Record<string, HostTensor> = {
      x: f32(
        [5, 3, 4],
        Array.from({ length: 60 }, (_, k) => k / 60),
      ),
    };
    for (const [k, v] of m.initialParameters) feeds[k] = f32(v.shape, v.data);
    const out = await run(feeds);
    expect(out.logits?.shape).toEqual([5, 2]);
  });

  it('asks for a choice when the graph has several outputs', () => {
    const graph: GraphIR = {
      name: 'two',
      inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 4] }],
      outputs: [
        { name: 'a', dtype: 'float32', shape: ['N', 4] },
        { name: 'b', dtype: 'float32', shape: ['N', 4] },
      ],
      initializers: [],
      nodes: [node('Relu', ['x'], ['a'], 'r'), node('Sigmoid', ['x'], ['b'], 's')],
    };
    expect(() => importOnnxModel(bytesOf(graph))).toThrow(/choose one with the output option/);
    expect(importOnnxModel(bytesOf(graph), { output: 'b' }).outputShape).toEqual([4]);
    expect(() => importOnnxModel(bytesOf(graph), { output: 'c' })).toThrow(/No graph output "c"/);
  });
});

describe('onnxModelSpec', () => {
  it('round-trips the bytes through a JSON spec that planModel and compileModel accept', () => {
    const bytes = mlp('batch', [0, 12]);
    const spec = onnxModelSpec(bytes, { freeze: ['fc1.*'] });
    const json: unknown = JSON.parse(JSON.stringify(spec));
    expect(Array.from(fromBase64(toBase64(bytes)))).toEqual(Array.from(bytes));
    const plan = planModel(json);
    expect(plan.inputShape).toEqual([3, 4]);
    expect(plan.parameters.map((p) => p.name)).not.toContain('fc1.weight');
    expect(plan.initialValues?.get('fc2.bias')?.data).toEqual(Float32Array.from([4, 5].map(Math.sin)));
    const c = compileModel(json, { loss: 'softmax-cross-entropy', optimizer: { type: 'sgd' } });
    expect(c.trainStep.manifest.batchSize).toBe(32);
  });

  it('rejects a spec with neither layers nor onnx', () => {
    expect(() => planModel({ input: { shape: [2] }, layers: [] })).toThrow(/at least one layer/);
  });
});
