import fc from 'fast-check';
import { isClientMessageType, parseMessage, type ErrorMessage } from '@edgefed/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { greet, nextEvent, rawClient, startCoordinator, type Harness } from './harness.js';

/** Event names socket.io itself refuses to emit. */
const RESERVED = new Set([
  'connect',
  'connect_error',
  'disconnect',
  'disconnecting',
  'newListener',
  'removeListener',
]);

let h: Harness;
beforeEach(async () => {
  h = await startCoordinator();
});
afterEach(async () => {
  await h.close();
});

/** Whether the control plane should accept `payload` on `event` (after hello, no listeners). */
function acceptable(event: string, payload: unknown): boolean {
  if (event === 'hello' || !isClientMessageType(event)) return false;
  if (typeof payload !== 'object' || payload === null || (payload as { type?: unknown }).type !== event)
    return false;
  try {
    parseMessage('client-to-server', payload);
    return !['result', 'upload-chunk'].includes(event);
  } catch {
    return false;
  }
}

describe('fuzzing the control plane (seeded)', () => {
  it('answers every invalid message with an error and keeps serving', async () => {
    const events = fc.oneof(
      fc.constantFrom('hello', 'result', 'upload-chunk', 'progress', 'heartbeat', 'error', 'welcome', 'task'),
      fc.string({ maxLength: 12 }).filter((s) => !RESERVED.has(s)),
    );
    const payloads = fc.oneof(
      fc.anything({ maxDepth: 3 }),
      fc.uint8Array({ maxLength: 64 }),
      fc.record({ type: fc.string({ maxLength: 12 }), taskId: fc.string(), step: fc.integer() }),
    );
    const samples = fc.sample(fc.tuple(events, payloads), { seed: 7, numRuns: 150 });
    const socket = await rawClient(h.url);
    await greet(socket);
    const errors: ErrorMessage[] = [];
    const expected = samples.filter(([event, payload]) => !acceptable(event, payload)).length;
    const done = new Promise<void>((resolve) => {
      socket.on('error' as never, (message: ErrorMessage) => {
        errors.push(message);
        if (errors.length === expected) resolve();
      });
    });
    for (const [event, payload] of samples) socket.emit(event, payload);
    await done;
    expect(expected).toBeGreaterThan(140);
    expect(errors.every((e) => typeof e.code === 'string' && typeof e.message === 'string')).toBe(true);
    expect(new Set(errors.map((e) => e.code))).toEqual(
      new Set(['INVALID_MESSAGE', 'UNKNOWN_MESSAGE_TYPE', 'FAILED_PRECONDITION']),
    );
    expect(h.plane.rejections.total).toBe(expected);
    expect(socket.connected).toBe(true);

    // Extra arguments and bare values are rejected too, and the server still greets newcomers.
    const arity = nextEvent<ErrorMessage>(socket, 'error');
    socket.emit('progress', { type: 'progress', taskId: 't', step: 1 }, 'extra');
    expect((await arity).code).toBe('INVALID_MESSAGE');
    const fresh = await rawClient(h.url);
    expect((await greet(fresh)).type).toBe('welcome');
    fresh.disconnect();
    socket.disconnect();
  });
});
