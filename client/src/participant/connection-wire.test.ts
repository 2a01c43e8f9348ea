import { describe, expect, it } from 'vitest';
import { endsConnection, validateInbound, wireError } from './connection-wire.js';

describe('connection wire helpers', () => {
  it('decides which coordinator errors end the connection', () => {
    expect(endsConnection('PROTOCOL_VERSION', false)).toBe(true);
    expect(endsConnection('UNAUTHORIZED', false)).toBe(true);
    expect(endsConnection('TIMEOUT', false)).toBe(false);
    expect(endsConnection('CONFLICT', true)).toBe(true);
    expect(endsConnection('INVALID_MESSAGE', true)).toBe(false);
  });

  it('validates inbound events: known type, one argument, matching type', () => {
    expect(validateInbound('heartbeat', [{ type: 'heartbeat', sentAt: 5 }])).toEqual({
      type: 'heartbeat',
      sentAt: 5,
    });
    expect(() => validateInbound('hello', [{ type: 'hello' }])).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_MESSAGE_TYPE' }),
    );
    expect(() => validateInbound('cancel', [{ type: 'task' }])).toThrow(
      expect.objectContaining({ code: 'INVALID_MESSAGE' }),
    );
    expect(() => validateInbound('cancel', [{ type: 'cancel', taskId: 't', reason: 'r' }, 2])).toThrow(
      expect.objectContaining({ code: 'INVALID_MESSAGE' }),
    );
    let caught: unknown;
    try {
      validateInbound('cancel', [{ type: 'cancel', taskId: 't' }]);
    } catch (e) {
      caught = e;
    }
    expect(caught).toMatchObject({ code: 'INVALID_MESSAGE', details: { type: 'cancel' } });
  });

  it('rebuilds wire errors without inventing details', () => {
    expect(wireError({ code: 'STALE_ROUND', message: 'late' }).details).toBeUndefined();
    expect(wireError({ code: 'STALE_ROUND', message: 'late', details: { round: 2 } }).details).toEqual({
      round: 2,
    });
  });
});
