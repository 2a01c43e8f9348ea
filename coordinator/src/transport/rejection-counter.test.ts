import { describe, expect, it } from 'vitest';
import { InMemoryRejectionCounter } from './rejection-counter.js';

describe('InMemoryRejectionCounter', () => {
  it('counts by code', () => {
    const c = new InMemoryRejectionCounter();
    c.increment('INVALID_MESSAGE');
    c.increment('INVALID_MESSAGE');
    c.increment('UNAUTHORIZED');
    expect(c.get('INVALID_MESSAGE')).toBe(2);
    expect(c.get('TIMEOUT')).toBe(0);
    expect(c.total).toBe(3);
    expect(c.snapshot()).toEqual({ INVALID_MESSAGE: 2, UNAUTHORIZED: 1 });
  });
});
