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
