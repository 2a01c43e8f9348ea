/**
 * PartialAggregate: folding validated updates (rejections leave it untouched), merging
 * (commutative, disjoint clients only), finalizing to `aggregateMean`'s input, and the binary
 * encoding: exact float64 round trip, the precision a float32 sum loses, and strict decoding
 * (every truncation and corruption is an EdgefedError with a stable code, never a crash).
 */
import { describe, expect, it } from 'vitest';
import { createPrng } from '../data/prng.js';
import { isEdgefedError } from '../errors.js';
import { crc32c } from '../tensor/crc32c.js';
import type { TensorMap } from '../tensor/tensor.js';
import { PartialAggregate } from './partial-aggregate.js';
import { decodeMaskedPartial, decodePartialAggregate, encodePartialAggregate } from './partial-codec.js';
import { WeightedMeanAccumulator } from './weighted-mean.js';

const t = (name: string, shape: number[], values: number[]) =>
  [name, { dtype: 'float32' as const, shape, data: Float32Array.from(values) }] as const;

function update(seed: number): TensorMap {
  const r = createPrng(seed);
  const v = (n: number) => Array.from({ length: n }, () => r.nextFloat() * 2 - 1);
  return new Map([t('a', [2, 3], v(6)), t('b', [3], v(3))]);
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return isEdgefedError(e) ? e.code : `not an EdgefedError: ${String(e)}`;
  }
  return 'nothing thrown';
}

function filled(ids: string[], round = 3, clipNorm?: number): PartialAggregate {
  const p = new PartialAggregate(update(0), { round, clipNorm });
  // every client reports a loss; the first and third an accuracy too
  ids.forEach((id, i) =>
    p.add(id, update(i + 1), 10 + i, { loss: i + 1, ...(i % 2 === 0 && { accuracy: 0.5 + i / 10 }) }),
  );
  return p;
}

describe('PartialAggregate', () => {
  it('holds the same float64 sum as the single-node accumulator fed in the same order', () => {
    const p = filled(['x', 'y', 'z']);
    const acc = new WeightedMeanAccumulator(update(0), { simd: false });
    [0, 1, 2].forEach((i) => acc.add(update(i + 1), 10 + i));
    const mean = acc.finalizeFlat();
    const sum = p.sumCopy();
    expect(p.totalWeight).toBe(33);
    sum.forEach((s, i) => expect(s / 33).toBe(mean[i]));
  });

  it('rejects a bad update before touching anything', () => {
    const p = filled(['x']);
    const before = p.sumCopy();
    const nan = update(5);
    (nan.get('b')?.data as Float32Array)[1] = Number.NaN;
    expect(codeOf(() => p.add('n', nan, 1))).toBe('NON_FINITE');
    expect(
      codeOf(() => p.add('s', new Map([t('a', [6], [0, 0, 0, 0, 0, 0]), t('b', [3], [0, 0, 0])]), 1)),
    ).toBe('SHAPE_MISMATCH');
    expect(
      codeOf(() => p.add('m', new Map([t('b', [3], [0, 0, 0]), t('a', [2, 3], [0, 0, 0, 0, 0, 0])]), 1)),
    ).toBe('NAME_MISMATCH');
    expect(codeOf(() => p.add('w', update(6), 0))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => p.add('w', update(6), 3, { loss: Number.POSITIVE_INFINITY }))).toBe('NON_FINITE');
    expect(codeOf(() => p.add('w', update(6), 2.5))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => p.add('x', update(6), 1))).toBe('DUPLICATE_RESULT');
    expect(p.sumCopy()).toEqual(before);
    expect(p.clientIds).toEqual(['x']);
    expect(p.metricsMean()).toEqual({ accuracy: 0.5, loss: 1 });
  });

  it('merges commutatively (bit for bit) and refuses a client counted twice', () => {
    const ab = PartialAggregate.mergeAll([filled(['a', 'b']), filled(['c', 'd', 'e'])]);
    const ba = PartialAggregate.mergeAll([filled(['c', 'd', 'e']), filled(['a', 'b'])]);
    expect(ab.sumCopy()).toEqual(ba.sumCopy());
    expect(ab.clientIds).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(ab.metricSums).toEqual(ba.metricSums);
    expect(ab.metricSums.get('loss')).toEqual({
      sum: 1 * 10 + 2 * 11 + 1 * 10 + 2 * 11 + 3 * 12,
      weight: 10 + 11 + 10 + 11 + 12,
    });
    const target = filled(['a', 'b']);
    const before = target.sumCopy();
    const err = (() => {
      try {
        target.merge(filled(['q', 'b']));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(isEdgefedError(err, 'DUPLICATE_RESULT')).toBe(true);
    expect(isEdgefedError(err) && err.details).toMatchObject({ clients: ['b'] });
    expect(target.sumCopy()).toEqual(before);
    expect(codeOf(() => target.merge(filled(['z'], 4)))).toBe('FAILED_PRECONDITION');
    expect(codeOf(() => target.merge(filled(['z'], 3, 1)))).toBe('FAILED_PRECONDITION');
    const other = new PartialAggregate(new Map([t('a', [6], [0, 0, 0, 0, 0, 0]), t('b', [3], [0, 0, 0])]), {
      round: 3,
    });
    expect(codeOf(() => target.merge(other))).toBe('SHAPE_MISMATCH');
  });

  it('merges associatively within float64 rounding', () => {
    const parts = () => [filled(['a']), filled(['b', 'c']), filled(['d'])];
    const [a, b, c] = parts() as [PartialAggregate, PartialAggregate, PartialAggregate];
    const left = PartialAggregate.mergeAll([PartialAggregate.mergeAll([a, b]), c]).sumCopy();
    const [a2, b2, c2] = parts() as [PartialAggregate, PartialAggregate, PartialAggregate];
    const right = PartialAggregate.mergeAll([a2, PartialAggregate.mergeAll([b2, c2])]).sumCopy();
    left.forEach((x, i) => expect(Math.abs(x - (right[i] as number))).toBeLessThanOrEqual(1e-13));
  });

  it('finalizes to the mean input; an empty partial is below quorum', () => {
    const p = filled(['a', 'b']);
    const input = p.toMeanInput({ global: update(0) });
    expect(input).toMatchObject({ round: 3, contributors: 2, totalWeight: 21 });
    const sum = p.sumCopy();
    input.mean.forEach((m, i) => expect(m).toBe(Math.fround((sum[i] as number) / 21)));
    const empty = new PartialAggregate(update(0), { round: 1 });
    expect(codeOf(() => empty.toMeanInput({ global: update(0) }))).toBe('QUORUM_NOT_MET');
    expect(codeOf(() => p.toMeanInput({ global: new Map([t('a', [6], [0, 0, 0, 0, 0, 0])]) }))).toBe(
      'SHAPE_MISMATCH',
    );
  });
});

/** Re-seals bytes after an edit (valid CRC), so decoding must find the fault itself. */
function reseal(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  new DataView(out.buffer).setUint32(out.length - 4, crc32c(out.subarray(0, out.length - 4)), true);
  return out;
}

describe('partial aggregate encoding', () => {
  it('float64 round-trips exactly; float32 halves the sums and loses what the tests say', () => {
    const p = filled(['node-1/a', 'b', 'ü-client']);
    const back = decodePartialAggregate(encodePartialAggregate(p));
    expect(back.sumCopy()).toEqual(p.sumCopy());
    expect(back.clients).toEqual(p.clients);
    expect([back.round, back.clipNorm, back.layout]).toEqual([p.round, p.clipNorm, p.layout]);
    expect(back.metricSums).toEqual(p.metricSums);
    expect(back.metricsMean()).toEqual({
      accuracy: (0.5 * 10 + 0.7 * 12) / 22,
      loss: (1 * 10 + 2 * 11 + 3 * 12) / 33,
    });
    const f32 = encodePartialAggregate(p, 'float32');
    expect(f32.length).toBeLessThan(encodePartialAggregate(p).length);
    const s32 = decodePartialAggregate(f32).sumCopy();
    p.sumCopy().forEach((x, i) =>
      expect(Math.abs((s32[i] as number) - x)).toBeLessThanOrEqual(Math.abs(x) * 2 ** -24),
    );
  });

  it('float32 sums lose the mean under cancellation; float64 sums do not', () => {
    // node A holds 500 clients at +1.0001, node B 500 at -1, weight 1000 each: each node's sum
    // is ~5e8 (float32 step 32) while the merged sum is ~5e4, so float32 sums put an error of
    // ~1e-4 of the mean into it: over 1,000x what rounding the mean itself to float32 costs
    const global = new Map([t('w', [1], [0])]);
    const nodes = [1.0001, -1].map((value, n) => {
      const p = new PartialAggregate(global, { round: 1 });
      for (let i = 0; i < 500; i++) p.add(`n${n}-c${i}`, new Map([t('w', [1], [value])]), 1000);
      return p;
    });
    const via = (dtype: 'float32' | 'float64') =>
      PartialAggregate.mergeAll(
        nodes.map((p) => decodePartialAggregate(encodePartialAggregate(p, dtype))),
      ).toMeanInput({ global }).mean[0] as number;
    const exact = PartialAggregate.mergeAll(nodes).toMeanInput({ global }).mean[0] as number;
    expect(via('float64')).toBe(exact);
    expect(Math.abs(via('float32') - exact) / Math.abs(exact)).toBeGreaterThan(1e-5);
  });

  it('every truncation and every corrupted byte is a coded error', () => {
    const bytes = encodePartialAggregate(filled(['a', 'b']));
    for (let n = 0; n < bytes.length; n++) {
      expect(['BAD_MAGIC', 'TRUNCATED_PAYLOAD', 'CHECKSUM_MISMATCH']).toContain(
        codeOf(() => decodePartialAggregate(bytes.subarray(0, n))),
      );
    }
    for (let i = 0; i < bytes.length; i++) {
      const bad = bytes.slice();
      bad[i] = (bad[i] as number) ^ 0x5a;
      expect(codeOf(() => decodePartialAggregate(bad))).toMatch(
        /^(BAD_MAGIC|UNSUPPORTED_FORMAT_VERSION|CHECKSUM_MISMATCH)$/,
      );
      // the same corruption behind a valid checksum: the structure checks must catch or accept it
      const code = codeOf(() => decodePartialAggregate(reseal(bad)));
      expect(code.startsWith('not an EdgefedError')).toBe(false);
    }
  });

  it('refuses structural faults behind a valid checksum with their codes', () => {
    const bytes = encodePartialAggregate(filled(['a', 'b']));
    const edit = (f: (v: DataView) => void): Uint8Array => {
      const b = bytes.slice();
      f(new DataView(b.buffer));
      return reseal(b);
    };
    expect(codeOf(() => decodePartialAggregate(edit((v) => v.setUint8(4, 2))))).toBe(
      'UNSUPPORTED_FORMAT_VERSION',
    );
    expect(codeOf(() => decodePartialAggregate(edit((v) => v.setUint8(5, 9))))).toBe('CORRUPT_PAYLOAD');
    expect(codeOf(() => decodePartialAggregate(edit((v) => v.setUint32(16, 0xffffff, true))))).toBe(
      'TRUNCATED_PAYLOAD',
    );
    expect(codeOf(() => decodePartialAggregate(edit((v) => v.setUint32(20, 8, true))))).toBe(
      'CORRUPT_PAYLOAD',
    );
    const last = bytes.length - 12; // the last float64 of the sums
    expect(codeOf(() => decodePartialAggregate(edit((v) => v.setFloat64(last, Number.NaN, true))))).toBe(
      'NON_FINITE',
    );
    const longer = new Uint8Array(bytes.length + 8);
    longer.set(bytes.subarray(0, bytes.length - 4));
    expect(codeOf(() => decodePartialAggregate(reseal(longer)))).toBe('CORRUPT_PAYLOAD');
    expect(codeOf(() => decodeMaskedPartial(bytes))).toBe('CORRUPT_PAYLOAD');
    expect(codeOf(() => decodePartialAggregate(new TextEncoder().encode('not a partial at all, no')))).toBe(
      'BAD_MAGIC',
    );
  });
});
