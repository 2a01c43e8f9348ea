import { describe, expect, it } from 'vitest';
import { ConnectionEmitter } from './connection-emitter.js';

interface Events {
  task: string;
  cancel: string;
}

describe('ConnectionEmitter.emitOrHold', () => {
  it('holds values sent before anyone listens and delivers them in order once a handler subscribes', async () => {
    const emitter = new ConnectionEmitter<Events>(() => undefined);
    emitter.emitOrHold('task', 't1');
    emitter.emitOrHold('cancel', 'c1');
    emitter.emitOrHold('task', 't2');
    const seen: string[] = [];
    emitter.on('task', (v) => seen.push(v));
    emitter.on('cancel', (v) => seen.push(v));
    expect(seen).toEqual([]); // delivered in a microtask, after the caller finished subscribing
    await Promise.resolve();
    expect(seen).toEqual(['t1', 'c1', 't2']);
    emitter.emitOrHold('task', 't3');
    expect(seen).toEqual(['t1', 'c1', 't2', 't3']);
  });

  it('drops held values on clear', async () => {
    const emitter = new ConnectionEmitter<Events>(() => undefined);
    emitter.emitOrHold('task', 't1');
    emitter.clear();
    const seen: string[] = [];
    emitter.on('task', (v) => seen.push(v));
    await Promise.resolve();
    expect(seen).toEqual([]);
  });
});
