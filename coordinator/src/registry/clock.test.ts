import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';

describe('ManualClock', () => {
  it('fires due timers in time order, then creation order, at their due time', () => {
    const clock = new ManualClock(1_000);
    const fired: string[] = [];
    clock.setTimer(() => fired.push(`b@${clock.now()}`), 20);
    clock.setTimer(() => fired.push(`a@${clock.now()}`), 10);
    clock.setTimer(() => fired.push(`c@${clock.now()}`), 20);
    clock.advance(15);
    expect(fired).toEqual(['a@1010']);
    clock.advance(5);
    expect(fired).toEqual(['a@1010', 'b@1020', 'c@1020']);
    expect(clock.now()).toBe(1_020);
  });

  it('runs timers scheduled by timers within the same advance, and cancels', () => {
    const clock = new ManualClock(0);
    const fired: number[] = [];
    clock.setTimer(() => {
      fired.push(clock.now());
      clock.setTimer(() => fired.push(clock.now()), 5);
    }, 5);
    const cancel = clock.setTimer(() => fired.push(-1), 7);
    cancel();
    clock.advance(10);
    expect(fired).toEqual([5, 10]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('rejects moving backwards', () => {
    expect(() => {
      new ManualClock().advance(-1);
    }).toThrow(RangeError);
  });
});
