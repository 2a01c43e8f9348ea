import { describe, expect, it } from 'vitest';
import { backoffDelay, resolveBackoff } from './connection-backoff.js';

/** A small seeded PRNG (mulberry32) so jitter is reproducible. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('backoffDelay', () => {
  it('grows exponentially up to the cap without jitter', () => {
    const b = resolveBackoff({ initialDelayMs: 100, maxDelayMs: 1_000, multiplier: 2, jitter: 0 });
    expect([0, 1, 2, 3, 4, 10].map((n) => backoffDelay(n, b, () => 0.5))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });

  it('keeps jittered delays within ±jitter and the cap, and spreads them out', () => {
    const b = resolveBackoff({ initialDelayMs: 1_000, maxDelayMs: 60_000, jitter: 0.5 });
    const random = seeded(42);
    const delays = Array.from({ length: 200 }, () => backoffDelay(2, b, random));
    for (const d of delays) {
      expect(d).toBeGreaterThanOrEqual(2_000);
      expect(d).toBeLessThanOrEqual(6_000);
    }
    expect(new Set(delays).size).toBeGreaterThan(100);
    expect(backoffDelay(20, b, () => 0.999)).toBeLessThanOrEqual(60_000);
  });

  it('rejects invalid options', () => {
    expect(() => resolveBackoff({ jitter: 2 })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => resolveBackoff({ multiplier: 0.5 })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => resolveBackoff({ initialDelayMs: 10, maxDelayMs: 5 })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => resolveBackoff({ maxAttempts: 0 })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });
});
