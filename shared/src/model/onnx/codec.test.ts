import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../ir/builder.js';
import { optimizeGraph } from '../ir/passes.js';
import { attrFloat, attrInts, DEFAULT_OPSET } from '../ir/types.js';
import { decodeModel, encodeModel } from './codec.js';

function sample(): GraphBuilder {
  const b = new GraphBuilder({ name: 'sample' });
  const x = b.input('x', 'float32', ['N', 3]);
  const w = b.floatConstant([3, 2], [1, 2, 3, 4, 5, 6]);
  const y = b.op1('LeakyRelu', [b.op1('MatMul', [x, w])], { alpha: attrFloat(0.5) });
  b.output(b.op1('Transpose', [y], { perm: attrInts([1, 0]) }), 'y');
  return b;
}

describe('ONNX codec', () => {
  it('round-trips nodes, attributes, shapes, initializers and metadata', () => {
    const graph = sample().build();
    const bytes = encodeModel({
      graph,
      opsetVersion: DEFAULT_OPSET,
      producerName: 'edgefed',
      metadata: { k: 'v' },
    });
    const back = decodeModel(bytes);
    expect(back.opsetVersion).toBe(17);
    expect(back.metadata).toEqual({ k: 'v' });
    expect(back.graph.inputs).toEqual([{ name: 'x', dtype: 'float32', shape: ['N', 3] }]);
    expect(back.graph.nodes.map((n) => n.opType)).toEqual(['MatMul', 'LeakyRelu', 'Transpose', 'Identity']);
    expect(back.graph.nodes[1]?.attributes.alpha).toEqual({ kind: 'float', value: 0.5 });
    expect(back.graph.nodes[2]?.attributes.perm).toEqual({ kind: 'ints', value: [1, 0] });
    expect(Array.from(back.graph.initializers[0]?.data ?? [])).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('rejects bytes that are not a model', () => {
    expect(() => decodeModel(Uint8Array.from([0xff, 0xff, 0xff, 0x01]))).toThrow(
      expect.objectContaining({ code: 'CORRUPT_PAYLOAD' }),
    );
  });
});

describe('graph passes', () => {
  it('fold constant subgraphs and drop dead nodes', () => {
    const b = new GraphBuilder({ name: 'p' });
    const x = b.input('x', 'float32', [2]);
    const c = b.floatConstant([2], [1, 4]);
    b.op1('Exp', [x]); // dead
    b.output(b.op1('Add', [x, b.op1('Sqrt', [c])]), 'y');
    const g = optimizeGraph(b.build());
    expect(g.nodes.map((n) => n.opType)).toEqual(['Add']);
    expect(Array.from(g.initializers[0]?.data ?? [])).toEqual([1, 2]);
  });
});
