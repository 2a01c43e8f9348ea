/**
 * Which coordinator errors end a participant's connection, and wire errors rebuilt.
 */
import { describe, expect, it } from 'vitest';
import { endsConnection, wireError } from './connection-wire.js';

describe('connection wire helpers', () => {
  it('decides which coordinator errors end the connection', () => {
    expect(endsConnection('PROTOCOL_VERSION', false)).toBe(true);
    expect(endsConnection('UNAUTHORIZED', false)).toBe(true);
    expect(endsConnection('TIMEOUT', false)).toBe(false);
    expect(endsConnection('CONFLICT', true)).toBe(true);
    expect(endsConnection('INVALID_MESSAGE', true)).toBe(false);
  });

  it('rebuilds wire errors without inventing details', () => {
    expect(wireError({ code: 'STALE_ROUND', message: 'late' }).details).toBeUndefined();
    expect(wireError({ code: 'STALE_ROUND', message: 'late', details: { round: 2 } }).details).toEqual({
      round: 2,
    });
  });
});
