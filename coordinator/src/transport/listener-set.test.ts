import { describe, expect, it } from 'vitest';
import { ListenerSet } from './listener-set.js';

describe('ListenerSet', () => {
  it('calls listeners in order, waits for promises and collects errors', async () => {
    const seen: unknown[] = [];
    const set = new ListenerSet<number>((e) => seen.push(e));
    const calls: string[] = [];
    set.add((n) => {
      calls.push(`a${n}`);
    });
    set.add(() => {
      throw new Error('sync');
    });
    set.add(async (n) => {
      await Promise.resolve();
      calls.push(`c${n}`);
      throw new Error('async');
    });
    const errors = await set.emit(1);
    expect(calls).toEqual(['a1', 'c1']);
    expect(errors.map((e) => (e as Error).message)).toEqual(['sync', 'async']);
    expect(seen).toHaveLength(2);
  });

  it('unsubscribes each subscription independently, idempotently', async () => {
    const set = new ListenerSet<string>();
    let count = 0;
    const listener = (): void => {
      count++;
    };
    const off1 = set.add(listener);
    set.add(listener);
    off1();
    off1();
    expect(set.size).toBe(1);
    expect(await set.emit('x')).toEqual([]);
    expect(count).toBe(1);
  });
});
