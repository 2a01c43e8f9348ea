import { describe, expect, it } from 'vitest';
import type { GraphBuilder } from '../ir/builder.js';
import { attrFloat, attrInt, attrInts, type FloatType } from '../ir/types.js';
import { checkGradients, type CheckInput } from '../testing/grad-check.js';
import { loadOrt } from '../testing/ort-load.test.js';

interface Case {
  readonly name: string;
  readonly inputs: readonly CheckInput[];
  readonly build: (b: GraphBuilder, x: readonly string[]) => string;
  readonly floatType?: FloatType;
  readonly tol?: number;
}

const s = (i: number, x: readonly string[]): string => x[i] ?? '';
const un =
  (op: string, attrs = {}) =>
  (b: GraphBuilder, x: readonly string[]) =>
    b.op1(op, [s(0, x)], attrs);
const bin = (op: string) => (b: GraphBuilder, x: readonly string[]) => b.op1(op, [s(0, x), s(1, x)]);
const in1 = (shape: number[], extra: Partial<CheckInput> = {}): CheckInput => ({
  name: 'a',
  shape,
  ...extra,
});
const in2 = (sa: number[], sb: number[], eb: Partial<CheckInput> = {}): CheckInput[] => [
  { name: 'a', shape: sa },
  { name: 'b', shape: sb, ...eb },
];

/** ORT's CPU kernels of these ops have no float64 version: check in float32, looser. */
const F32 = { floatType: 'float32', tol: 5e-3 } as const;

const CASES: Case[] = [
  { name: 'Add (broadcast)', inputs: in2([3, 4], [4]), build: bin('Add') },
  { name: 'Add (both broadcast)', inputs: in2([3, 1], [1, 4]), build: bin('Add') },
  { name: 'Sub (broadcast rank)', inputs: in2([2, 3, 4], [3, 1]), build: bin('Sub') },
  { name: 'Mul (broadcast)', inputs: in2([2, 3], [2, 1]), build: bin('Mul') },
  { name: 'Div', inputs: in2([2, 3], [3], { offset: 3 }), build: bin('Div') },
  { name: 'Neg', inputs: [in1([5])], build: un('Neg') },
  { name: 'MatMul 2D', inputs: in2([3, 4], [4, 5]), build: bin('MatMul') },
  { name: 'MatMul 3Dx2D', inputs: in2([2, 3, 4], [4, 5]), build: bin('MatMul') },
  { name: 'MatMul batched broadcast', inputs: in2([2, 3, 4], [1, 4, 5]), build: bin('MatMul') },
  ...[0, 1].flatMap((ta) =>
    [0, 1].map((tb): Case => ({
      name: `Gemm transA=${ta} transB=${tb}`,
      inputs: [
        { name: 'a', shape: ta ? [4, 3] : [3, 4] },
        { name: 'b', shape: tb ? [5, 4] : [4, 5] },
        { name: 'c', shape: [5] },
      ],
      build: (b, x) =>
        b.op1('Gemm', [s(0, x), s(1, x), s(2, x)], {
          transA: attrInt(ta),
          transB: attrInt(tb),
          alpha: attrFloat(0.7),
          beta: attrFloat(1.3),
        }),
    })),
  ),
  { name: 'Relu', inputs: [in1([4, 5])], build: un('Relu') },
  { name: 'LeakyRelu', inputs: [in1([4, 5])], build: un('LeakyRelu', { alpha: attrFloat(0.2) }) },
  { name: 'Tanh', inputs: [in1([6])], build: un('Tanh') },
  { name: 'Sigmoid', inputs: [in1([6])], build: un('Sigmoid') },
  { name: 'Erf', inputs: [in1([6])], build: un('Erf'), ...F32 },
  { name: 'Exp', inputs: [in1([6])], build: un('Exp') },
  { name: 'Log', inputs: [in1([6], { offset: 3 })], build: un('Log') },
  { name: 'Sqrt', inputs: [in1([6], { offset: 4 })], build: un('Sqrt') },
  { name: 'Pow 3', inputs: [in1([6])], build: (b, x) => b.op1('Pow', [s(0, x), b.scalar(3)]) },
  { name: 'Pow 2', inputs: [in1([6])], build: (b, x) => b.op1('Pow', [s(0, x), b.scalar(2)]) },
  { name: 'Softmax', inputs: [in1([3, 5])], build: un('Softmax', { axis: attrInt(-1) }) },
  { name: 'Softmax axis 1 of 3', inputs: [in1([2, 3, 4])], build: un('Softmax', { axis: attrInt(1) }) },
  {
    name: 'ReduceSum',
    inputs: [in1([2, 3, 4])],
    build: (b, x) => b.op1('ReduceSum', [s(0, x), b.ints([1])], { keepdims: attrInt(0) }),
  },
  {
    name: 'ReduceMean',
    inputs: [in1([2, 3, 4])],
    build: un('ReduceMean', { axes: attrInts([0, 2]), keepdims: attrInt(1) }),
  },
  {
    name: 'ReduceMax',
    inputs: [in1([3, 5])],
    build: un('ReduceMax', { axes: attrInts([1]), keepdims: attrInt(0) }),
  },
  { name: 'Reshape', inputs: [in1([2, 6])], build: (b, x) => b.op1('Reshape', [s(0, x), b.ints([3, 4])]) },
  { name: 'Flatten', inputs: [in1([2, 3, 2])], build: un('Flatten', { axis: attrInt(1) }) },
  { name: 'Transpose', inputs: [in1([2, 3, 4])], build: un('Transpose', { perm: attrInts([2, 0, 1]) }) },
  {
    name: 'Concat',
    inputs: in2([2, 3], [2, 2]),
    build: (b, x) => b.op1('Concat', [s(0, x), s(1, x)], { axis: attrInt(1) }),
  },
  {
    name: 'Slice',
    inputs: [in1([4, 6])],
    build: (b, x) => b.op1('Slice', [s(0, x), b.ints([1, -4]), b.ints([3, 5]), b.ints([0, 1])]),
  },
  {
    name: 'Gather (embedding)',
    inputs: [
      { name: 'a', shape: [5, 3] },
      { name: 'i', shape: [2, 3], dtype: 'int32', wrt: false, data: Int32Array.from([0, 4, 4, 1, 2, 0]) },
    ],
    build: (b, x) => b.op1('Gather', [s(0, x), s(1, x)], { axis: attrInt(0) }),
  },
  {
    name: 'Where',
    inputs: in2([2, 3], [3]),
    build: (b, x) => b.op1('Where', [b.op1('Greater', [s(0, x), b.scalar(0)]), s(0, x), s(1, x)]),
  },
  { name: 'Identity', inputs: [in1([3])], build: un('Identity') },
  {
    name: 'LayerNormalization (3 outputs, float32: ORT has no double kernel)',
    ...F32,
    inputs: [in1([3, 5]), { name: 'g', shape: [5] }, { name: 'c', shape: [5] }],
    build: (b, x) =>
      b.op(
        'LayerNormalization',
        [s(0, x), s(1, x), s(2, x)],
        { axis: attrInt(-1), epsilon: attrFloat(1e-5) },
        3,
      )[0] ?? '',
  },
  {
    name: 'LayerNormalization (recomputed stats)',
    inputs: [in1([2, 2, 4]), { name: 'g', shape: [4] }, { name: 'c', shape: [4] }],
    build: (b, x) =>
      b.op1('LayerNormalization', [s(0, x), s(1, x), s(2, x)], {
        axis: attrInt(-1),
        stash_type: attrInt(11),
      }),
  },
];

const conv = (attrs: Record<string, number[] | number>, xs: number[], ws: number[]): Case => ({
  name: `Conv ${JSON.stringify(attrs)}`,
  ...F32,
  inputs: [in1(xs), { name: 'w', shape: ws }, { name: 'c', shape: [ws[0] ?? 1] }],
  build: (b, x) =>
    b.op1(
      'Conv',
      [s(0, x), s(1, x), s(2, x)],
      Object.fromEntries(
        Object.entries(attrs).map(([k, v]) => [k, typeof v === 'number' ? attrInt(v) : attrInts(v)]),
      ),
    ),
});

const pool = (op: string, attrs: Record<string, number[] | number>, xs: number[], f32 = true): Case => ({
  name: `${op} ${JSON.stringify(attrs)} ${xs.join('x')}`,
  ...(f32 ? F32 : {}),
  inputs: [in1(xs)],
  build: (b, x) =>
    b.op1(
      op,
      [s(0, x)],
      Object.fromEntries(
        Object.entries(attrs).map(([k, v]) => [k, typeof v === 'number' ? attrInt(v) : attrInts(v)]),
      ),
    ),
});

const WINDOW_CASES: Case[] = [
  conv({ pads: [1, 1, 1, 1] }, [2, 3, 5, 5], [4, 3, 3, 3]),
  conv({ strides: [2, 2], pads: [1, 0, 1, 1] }, [2, 2, 7, 6], [3, 2, 3, 3]),
  conv({ dilations: [2, 2], pads: [2, 2, 2, 2] }, [1, 2, 6, 6], [2, 2, 3, 3]),
  conv({ group: 2, strides: [2, 1] }, [2, 4, 6, 5], [6, 2, 3, 2]),
  conv({ group: 3 }, [1, 3, 5, 5], [3, 1, 3, 3]),
  // >= 8 input channels: weight gradient by one MatMul per kernel offset.
  conv({ pads: [2, 2, 2, 2] }, [2, 8, 4, 4], [3, 8, 5, 5]),
  conv({ strides: [2, 2], pads: [1, 0, 0, 1] }, [1, 8, 5, 6], [2, 8, 3, 2]),
  conv({ dilations: [2, 1], pads: [1, 1, 1, 1] }, [1, 9, 5, 4], [2, 9, 2, 3]),
  conv({ strides: [2], pads: [1, 2] }, [2, 8, 7], [3, 8, 3]),
  pool('MaxPool', { kernel_shape: [2, 2], strides: [2, 2] }, [2, 3, 4, 6]),
  pool('MaxPool', { kernel_shape: [2, 2], strides: [2, 2] }, [1, 2, 5, 5]),
  pool('MaxPool', { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, [1, 2, 6, 6]),
  pool('AveragePool', { kernel_shape: [2, 2], strides: [2, 2] }, [2, 3, 4, 4]),
  pool(
    'AveragePool',
    { kernel_shape: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1], count_include_pad: 1 },
    [1, 2, 5, 5],
  ),
  pool('GlobalAveragePool', {}, [2, 3, 4, 4]),
];

describe('gradient rules match central finite differences', () => {
  for (const c of [...CASES, ...WINDOW_CASES]) {
    it(c.name, async () => {
      const results = await checkGradients({
        load: loadOrt,
        inputs: c.inputs,
        build: c.build,
        floatType: c.floatType ?? 'float64',
        seed: 11,
      });
      expect(results.length).toBeGreaterThan(0);
      for (const r of results)
        expect(r.error, `${r.input}: analytic ${r.analytic} numeric ${r.numeric}`).toBeLessThan(
          c.tol ?? 1e-6,
        );
    });
  }
});
