import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EdgefedError } from '../errors.js';
import { finiteFloat32MapArb } from '../tensor/arbitraries.test.js';
import { decodeTensorMap } from '../tensor/codec-decode.js';
import { encodeTensorMap } from '../tensor/codec-encode.js';
import type { Tensor, TensorMap } from '../tensor/tensor.js';
import { byteTensor, compressionSpecOf, compressUpdate, decompressUpdate } from './compress.js';
import { COMPRESSION_META_NAME, type CompressionSpec } from './compression-spec.js';

const code = (c: string): EdgefedError => expect.objectContaining({ code: c }) as EdgefedError;
const f = (shape: number[], values: number[]): Tensor => ({
  dtype: 'float32',
  shape,
  data: Float32Array.from(values),
});

/** Compress, encode to bytes, decode, decompress: the full path an update travels. */
function travel(map: TensorMap, spec: CompressionSpec): Map<string, Tensor> {
  const wire = decodeTensorMap(encodeTensorMap(compressUpdate(map, spec)));
  expect(compressionSpecOf(wire)).toEqual(spec);
  const back = decompressUpdate(wire);
  expect([...back.keys()]).toEqual([...map.keys()]);
  for (const [name, t] of map) expect(back.get(name)?.shape).toEqual([...t.shape]);
  return back;
}

describe('compressUpdate / decompressUpdate', () => {
  const small = finiteFloat32MapArb().map((m) => {
    // Keep values in float16 range for the fp16 property.
    for (const t of m.values()) (t.data as Float32Array).forEach((x, i, a) => (a[i] = x / 100));
    return m;
  });

  it('none is exact, fp16 within half a half-ulp, int8 within scale / 2', () => {
    fc.assert(
      fc.property(small, (map) => {
        const none = travel(map, { method: 'none' });
        const half = travel(map, { method: 'fp16' });
        const q = travel(map, { method: 'int8' });
        for (const [name, t] of map) {
          expect(none.get(name)?.data).toEqual(t.data);
          const maxAbs = [...t.data].reduce((m, x) => Math.max(m, Math.abs(x)), 0);
          t.data.forEach((x, i) => {
            expect(Math.abs(half.get(name)!.data[i]! - x)).toBeLessThanOrEqual(
              Math.abs(x) * 2 ** -11 + 2 ** -25,
            );
            expect(Math.abs(q.get(name)!.data[i]! - x)).toBeLessThanOrEqual(
              (maxAbs / 127) * 0.5 * (1 + 1e-6),
            );
          });
        }
      }),
      { seed: 41, numRuns: 150 },
    );
  });

  it('topk keeps exactly the largest-magnitude entries and zeroes the rest', () => {
    fc.assert(
      fc.property(finiteFloat32MapArb(), fc.double({ min: 0.01, max: 1, noNaN: true }), (map, fraction) => {
        const back = travel(map, { method: 'topk', fraction });
        for (const [name, t] of map) {
          const r = back.get(name)!.data;
          const n = t.data.length;
          const k = n === 0 ? 0 : Math.min(n, Math.max(1, Math.round(fraction * n)));
          const kept = [...t.data.keys()].filter((i) => r[i] !== 0);
          expect(kept.length).toBeLessThanOrEqual(k);
          t.data.forEach((x, i) => {
            expect(r[i] === x || r[i] === 0).toBe(true);
          });
          const sorted = [...t.data].map(Math.abs).sort((a, b) => b - a);
          const threshold = sorted[k - 1] ?? 0;
          for (const i of kept) expect(Math.abs(t.data[i]!)).toBeGreaterThanOrEqual(threshold);
          t.data.forEach((x, i) => {
            if (Math.abs(x) > threshold) expect(r[i]).toBe(x);
          });
        }
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('shrinks a large update as expected per method', () => {
    const data = Float32Array.from({ length: 100_000 }, (_, i) => Math.sin(i * 12.9898) * 0.01);
    const map = new Map([['w', f([100, 1000], [...data])]]);
    const size = (spec: CompressionSpec): number => encodeTensorMap(compressUpdate(map, spec)).length;
    expect(size({ method: 'fp16' }) / size({ method: 'none' })).toBeLessThan(0.51);
    expect(size({ method: 'int8' }) / size({ method: 'none' })).toBeLessThan(0.26);
    // 1% kept: 4 bytes per value + ~1-2 bytes per gap-coded index.
    expect(size({ method: 'topk', fraction: 0.01 }) / size({ method: 'none' })).toBeLessThan(0.02);
  });

  it('handles an empty map and zero-size tensors', () => {
    for (const spec of [{ method: 'int8' }, { method: 'topk', fraction: 0.5 }] as const) {
      expect(travel(new Map(), spec).size).toBe(0);
      expect(travel(new Map([['z', f([0, 3], [])]]), spec).get('z')?.data.length).toBe(0);
    }
  });

  it('rejects bad specs, reserved names, non-finite values and fp16 overflow', () => {
    const m = new Map([['w', f([2], [1, 2])]]);
    expect(() => compressUpdate(m, { method: 'topk', fraction: 0 })).toThrow(code('INVALID_ARGUMENT'));
    expect(() => compressUpdate(m, { method: 'zip' } as unknown as CompressionSpec)).toThrow(
      code('INVALID_ARGUMENT'),
    );
    expect(() => compressUpdate(new Map([[COMPRESSION_META_NAME, f([1], [1])]]), { method: 'none' })).toThrow(
      code('INVALID_ARGUMENT'),
    );
    expect(() => compressUpdate(new Map([['w', f([1], [NaN])]]), { method: 'none' })).toThrow(
      code('NON_FINITE'),
    );
    expect(() => compressUpdate(new Map([['w', f([1], [1e5])]]), { method: 'fp16' })).toThrow(
      code('NON_FINITE'),
    );
  });

  it('rejects compressed maps that do not match their metadata', () => {
    const m = new Map([['w', f([4], [1, -5, 3, 0.5])]]);
    const good = compressUpdate(m, { method: 'topk', fraction: 0.5 });
    const edit = (fn: (c: Map<string, Tensor>) => void): Map<string, Tensor> => {
      const c = new Map(good);
      fn(c);
      return c;
    };
    const meta = (json: string): Tensor => byteTensor(new TextEncoder().encode(json));
    const corrupt: Map<string, Tensor>[] = [
      edit((c) => c.delete(COMPRESSION_META_NAME)),
      edit((c) => c.set(COMPRESSION_META_NAME, meta('{"v":1'))),
      edit((c) => c.set(COMPRESSION_META_NAME, meta('{"v":2,"spec":{"method":"none"},"tensors":[]}'))),
      edit((c) => c.delete('w/indices')),
      edit((c) => c.set('w/values', f([3], [1, 2, 3]))),
      edit((c) => c.set('w/indices', byteTensor(Uint8Array.from([1, 7])))),
      edit((c) => c.set('w/indices', byteTensor(Uint8Array.from([1, 0, 0])))),
      edit((c) => c.set('w/indices', byteTensor(Uint8Array.from([0x81])))),
      edit((c) => c.set('extra', f([1], [1]))),
    ];
    expect(decompressUpdate(good).get('w')?.data).toEqual(Float32Array.from([0, -5, 3, 0]));
    corrupt.forEach((c) => {
      expect(() => decompressUpdate(c)).toThrow(code('CORRUPT_PAYLOAD'));
    });
    const huge = edit((c) =>
      c.set(
        COMPRESSION_META_NAME,
        meta(
          '{"v":1,"spec":{"method":"topk","fraction":0.5},"tensors":[{"name":"w","shape":[65536,65536]}]}',
        ),
      ),
    );
    expect(() => decompressUpdate(huge)).toThrow(code('PAYLOAD_TOO_LARGE'));
  });

  it('reports a part of the wrong dtype as DTYPE_MISMATCH, naming the tensor', () => {
    const m = new Map([['w', f([2], [1, -2])]]);
    const half: Tensor = { dtype: 'float16', shape: [2], data: new Uint16Array(2) };
    const cases: [Map<string, Tensor>, string, string][] = [
      [new Map(compressUpdate(m, { method: 'none' })).set('w', half), 'float32', 'float16'],
      [new Map(compressUpdate(m, { method: 'fp16' })).set('w', f([2], [1, 2])), 'float16', 'float32'],
      [new Map(compressUpdate(m, { method: 'int8' })).set('w', half), 'int8', 'float16'],
      [
        new Map(compressUpdate(m, { method: 'topk', fraction: 0.5 })).set('w/values', half),
        'float32',
        'float16',
      ],
    ];
    for (const [map, expected, actual] of cases) {
      let thrown: unknown;
      try {
        decompressUpdate(map);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toMatchObject({
        code: 'DTYPE_MISMATCH',
        details: { name: map.has('w/values') ? 'w/values' : 'w', expected, actual },
      });
    }
    // Right dtype, wrong shape: the map contradicts its own metadata.
    const reshaped = new Map(compressUpdate(m, { method: 'none' })).set('w', f([1, 2], [1, -2]));
    expect(() => decompressUpdate(reshaped)).toThrow(code('CORRUPT_PAYLOAD'));
  });
});
