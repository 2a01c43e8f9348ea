import { describe, expect, it } from 'vitest';
import { ManualClock } from '../registry/clock.js';
import { TokenBucket } from './token-bucket.js';

describe('TokenBucket', () => {
  it('allows a burst, then refills at the rate and says how long to wait', () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket({ ratePerSecond: 4, burst: 2, now: () => clock.now() });
    expect([bucket.take(), bucket.take()]).toEqual([0, 0]);
    expect(bucket.take()).toBe(250);
    clock.advance(100);
    expect(bucket.take()).toBe(150);
    clock.advance(150);
    expect(bucket.take()).toBe(0);
    clock.advance(10_000);
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([0, 0, 250]);
  });

  it('refuses bad settings', () => {
    expect(() => new TokenBucket({ ratePerSecond: 0, burst: 1, now: () => 0 })).toThrow(/ratePerSecond/);
    expect(() => new TokenBucket({ ratePerSecond: 1, burst: 0.5, now: () => 0 })).toThrow(/burst/);
  });
});
