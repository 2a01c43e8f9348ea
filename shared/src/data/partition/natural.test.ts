import { describe, expect, it } from 'vitest';
import { partitionNatural } from './natural.js';
import { clientIndices } from './partition.js';

const code = (c: string) => expect.objectContaining({ code: c }) as unknown;

describe('partitionNatural', () => {
  it('makes one client per key, in order of first appearance, indices in dataset order', () => {
    const p = partitionNatural(['lincoln', 'adams', 'lincoln', 1, 'adams', '1']);
    expect(p.keys).toEqual(['lincoln', 'adams', 1, '1']);
    expect([0, 1, 2, 3].map((c) => [...clientIndices(p, c)])).toEqual([[0, 2], [1, 4], [3], [5]]);
  });

  it('rejects empty input and keys that are not strings or finite numbers', () => {
    expect(() => partitionNatural([])).toThrow(code('INVALID_ARGUMENT'));
    expect(() => partitionNatural(['a', Number.NaN])).toThrow(code('INVALID_ARGUMENT'));
    expect(() => partitionNatural(['a', undefined] as unknown as string[])).toThrow(code('INVALID_ARGUMENT'));
  });
});
