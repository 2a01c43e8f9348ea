/** parseRange and rangeApplies: the single-range subset of RFC 9110 the model route serves. */
import { describe, expect, it } from 'vitest';
import { parseRange, rangeApplies } from './byte-range.js';

describe('parseRange', () => {
  it('reads a-b, a- and -n, clamping to the representation', () => {
    expect(parseRange('bytes=0-9', 100)).toEqual({ kind: 'partial', start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ kind: 'partial', start: 90, end: 99 });
    expect(parseRange('bytes=95-1000', 100)).toEqual({ kind: 'partial', start: 95, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ kind: 'partial', start: 90, end: 99 });
    expect(parseRange('bytes=-1000', 100)).toEqual({ kind: 'partial', start: 0, end: 99 });
    expect(parseRange('Bytes= 5 - 6 ', 100)).toEqual({ kind: 'partial', start: 5, end: 6 });
  });

  it('finds ranges that select no byte unsatisfiable', () => {
    for (const h of ['bytes=100-', 'bytes=100-200', 'bytes=-0']) {
      expect(parseRange(h, 100)).toEqual({ kind: 'unsatisfiable' });
    }
    expect(parseRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-5', 0)).toEqual({ kind: 'unsatisfiable' });
  });

  it('ignores absent, malformed, multi-range and other-unit headers (the whole representation)', () => {
    for (const h of [
      undefined,
      '',
      'bytes=',
      'bytes=-',
      'bytes=9-1',
      'bytes=0-1,5-6',
      'items=0-1',
      'bytes=a-b',
    ]) {
      expect(parseRange(h, 100)).toEqual({ kind: 'full' });
    }
    expect(parseRange(`bytes=0-${'9'.repeat(30)}`, 100)).toEqual({ kind: 'full' });
  });
});

describe('rangeApplies', () => {
  it('honours Range without If-Range or with the current ETag only', () => {
    expect(rangeApplies(undefined, '"sha256:ab"')).toBe(true);
    expect(rangeApplies('"sha256:ab"', '"sha256:ab"')).toBe(true);
    expect(rangeApplies('"sha256:cd"', '"sha256:ab"')).toBe(false);
    expect(rangeApplies('Wed, 21 Oct 2015 07:28:00 GMT', '"sha256:ab"')).toBe(false);
  });
});
