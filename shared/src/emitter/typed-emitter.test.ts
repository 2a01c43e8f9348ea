/** TypedEmitter: subscription, unsubscription, isolation of throwing handlers. */
import { describe, expect, it } from 'vitest';
import { TypedEmitter } from './typed-emitter.js';

interface Events {
  tick: number;
  done: undefined;
}

describe('TypedEmitter', () => {
  it('delivers to each subscription until it unsubscribes', () => {
    const e = new TypedEmitter<Events>();
    const seen: number[] = [];
    const handler = (v: number): void => {
      seen.push(v);
    };
    const off1 = e.on('tick', handler);
    const off2 = e.on('tick', handler);
    expect(e.emit('tick', 1)).toBe(2);
    off1();
    expect(e.emit('tick', 2)).toBe(1);
    off2();
    expect(e.emit('tick', 3)).toBe(0);
    expect(e.emit('done', undefined)).toBe(0);
    expect(seen).toEqual([1, 1, 2]);
  });

  it('keeps calling the others when one throws, and reports the error', () => {
    const errors: unknown[] = [];
    const e = new TypedEmitter<Events>({ onError: (err) => errors.push(err) });
    const seen: number[] = [];
    e.on('tick', () => {
      throw new Error('boom');
    });
    e.on('tick', (v) => {
      seen.push(v);
    });
    e.emit('tick', 7);
    expect(seen).toEqual([7]);
    expect(errors).toHaveLength(1);
    expect(e.listenerCount('tick')).toBe(2);
    e.clear();
    expect(e.listenerCount('tick')).toBe(0);
  });

  it('does not call handlers added during an emit', () => {
    const e = new TypedEmitter<Events>();
    let late = 0;
    e.on('tick', () => {
      e.on('tick', () => {
        late++;
      });
    });
    e.emit('tick', 1);
    expect(late).toBe(0);
  });
});

describe('TypedEmitter.emitAsync', () => {
  it('calls handlers in order, waits for their promises and collects errors', async () => {
    const reported: unknown[] = [];
    const e = new TypedEmitter<Events>({ onError: (err) => reported.push(err) });
    const calls: string[] = [];
    let settled = false;
    e.on('tick', (n) => {
      calls.push(`a${n}`);
    });
    e.on('tick', () => {
      throw new Error('sync');
    });
    e.on('tick', async (n) => {
      await Promise.resolve();
      calls.push(`c${n}`);
      settled = true;
      throw new Error('async');
    });
    const errors = await e.emitAsync('tick', 1);
    expect(settled).toBe(true);
    expect(calls).toEqual(['a1', 'c1']);
    expect(errors.map((x) => (x as Error).message)).toEqual(['sync', 'async']);
    expect(reported).toEqual(errors);
    expect(await e.emitAsync('done', undefined)).toEqual([]);
  });

  it('reports a rejection from a handler of a plain emit', async () => {
    const reported: unknown[] = [];
    const e = new TypedEmitter<Events>({ onError: (err) => reported.push(err) });
    e.on('tick', () => Promise.reject(new Error('late')));
    expect(e.emit('tick', 1)).toBe(1);
    await Promise.resolve();
    await Promise.resolve();
    expect(reported.map((x) => (x as Error).message)).toEqual(['late']);
  });
});
