import { describe, expect, it } from 'vitest';
import type { GraphBuilder } from '../ir/builder.js';
import { attrInt, attrInts, type AttrValue, type FloatType } from '../ir/types.js';
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

function convT(attrs: Record<string, number | number[]>, xs: number[], ws: number[]): Case {
  const at: Record<string, AttrValue> = {};
  for (const [k, v] of Object.entries(attrs)) at[k] = Array.isArray(v) ? attrInts(v) : attrInt(v);
  return {
    name: `ConvTranspose ${JSON.stringify(attrs)}`,
    inputs: [
      { name: 'x', shape: xs },
      { name: 'w', shape: ws },
      { name: 'bias', shape: [(ws[1] ?? 1) * Number(attrs.group ?? 1)] },
    ],
    build: (b, x) => b.op1('ConvTranspose', [s(0, x), s(1, x), s(2, x)], at),
    // onnxruntime's CPU ConvTranspose has no float64 kernel: float32, looser tolerance.
    floatType: 'float32',
    tol: 5e-3,
  };
}

const CASES: Case[] = [
  convT({}, [2, 3, 4, 4], [3, 2, 3, 3]),
  convT({ strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] }, [1, 4, 4, 4], [4, 3, 3, 3]),
  convT({ strides: [2, 1], dilations: [1, 2] }, [2, 2, 3, 4], [2, 3, 2, 2]),
  convT({ group: 2, strides: [2, 2] }, [1, 4, 3, 3], [4, 1, 3, 3]),
  {
    name: 'Pad (constant)',
    inputs: [{ name: 'a', shape: [2, 3, 4] }],
    build: (b, x) => b.op1('Pad', [s(0, x), b.ints([0, 1, 2, 0, 2, 1])]),
  },
];

describe('import gradient rules match central finite differences', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const results = await checkGradients({
        load: loadOrt,
        inputs: c.inputs,
        build: c.build,
        floatType: c.floatType ?? 'float64',
        seed: 5,
      });
      expect(results.length).toBeGreaterThan(0);
      for (const r of results)
        expect(r.error, `${r.input}: analytic ${r.analytic} numeric ${r.numeric}`).toBeLessThan(
          c.tol ?? 1e-6,
        );
    });
  }
});
