import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EdgefedError } from '../errors.js';
import { finiteFloat32MapArb } from './arbitraries.test.js';
import {
  addMaps,
  assertSameMapLayout,
  hasNonFinite,
  parameterBytes,
  parameterCount,
  subtractMaps,
} from './map-ops.js';
import type { Tensor, TensorMap } from './tensor.js';

const f = (shape: number[], values: number[]): Tensor => ({
  dtype: 'float32',
  shape,
  data: Float32Array.from(values),
});
const code = (c: string): EdgefedError => expect.objectContaining({ code: c }) as EdgefedError;

describe('TensorMap helpers', () => {
  it('assertSameMapLayout reports names, order, dtype and shape differences', () => {
    const a: TensorMap = new Map([
      ['w', f([2], [1, 2])],
      ['b', f([1], [3])],
    ]);
    expect(() => {
      assertSameMapLayout(a, a);
    }).not.toThrow();
    const swapped = new Map([...a].reverse());
    expect(() => {
      assertSameMapLayout(a, swapped);
    }).toThrow(code('NAME_MISMATCH'));
    expect(() => {
      assertSameMapLayout(a, new Map([['w', f([2], [1, 2])]]));
    }).toThrow(code('NAME_MISMATCH'));
    const reshaped = new Map([
      ['w', f([1, 2], [1, 2])],
      ['b', f([1], [3])],
    ]);
    expect(() => {
      assertSameMapLayout(a, reshaped);
    }).toThrow(code('SHAPE_MISMATCH'));
    const half = new Map<string, Tensor>([
      ['w', { dtype: 'float16', shape: [2], data: new Uint16Array(2) }],
      ['b', f([1], [3])],
    ]);
    expect(() => {
      assertSameMapLayout(a, half);
    }).toThrow(code('DTYPE_MISMATCH'));
    expect(() => subtractMaps(a, reshaped)).toThrow(code('SHAPE_MISMATCH'));
  });

  it('(a - b) + b == a for finite maps, and a - a is all zeros', () => {
    fc.assert(
      fc.property(finiteFloat32MapArb(), finiteFloat32MapArb(), (a, other) => {
        // b: same layout as a, values from `other` where they fit, else a's own.
        const pool = [...other.values()].flatMap((t) => [...t.data]);
        const b = new Map<string, Tensor>();
        for (const [name, t] of a) {
          b.set(
            name,
            f(
              [...t.shape],
              [...t.data].map((x, i) => pool[i] ?? x / 3),
            ),
          );
        }
        const delta = subtractMaps(a, b);
        const back = addMaps(delta, b);
        for (const [name, t] of a) {
          const r = back.get(name)!.data;
          t.data.forEach((x, i) => {
            expect(Math.abs(r[i]! - x)).toBeLessThanOrEqual(Math.abs(x) * 1e-6 + 0.25);
          });
          expect([...subtractMaps(a, a).get(name)!.data].every((x) => x === 0)).toBe(true);
        }
        expect(hasNonFinite(delta)).toBe(false);
      }),
      { seed: 21, numRuns: 100 },
    );
  });

  it('hasNonFinite finds NaN and Infinity in float32 and float16; counts sum elements and bytes', () => {
    const m = new Map<string, Tensor>([
      ['a', f([2], [1, 2])],
      ['h', { dtype: 'float16', shape: [3], data: new Uint16Array([0x3c00, 0, 0x8000]) }],
      ['q', { dtype: 'int8', shape: [4], data: new Int8Array(4), scale: 1 }],
    ]);
    expect(hasNonFinite(m)).toBe(false);
    expect(hasNonFinite(new Map())).toBe(false);
    expect(hasNonFinite(new Map([['x', f([1], [NaN])]]))).toBe(true);
    expect(hasNonFinite(new Map([['x', f([2], [0, -Infinity])]]))).toBe(true);
    const inf16: Tensor = { dtype: 'float16', shape: [1], data: new Uint16Array([0x7c00]) };
    expect(hasNonFinite(new Map([['x', inf16]]))).toBe(true);
    expect(parameterCount(m)).toBe(9);
    expect(parameterBytes(m)).toBe(8 + 6 + 4);
  });
});
