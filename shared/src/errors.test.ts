import { describe, expect, it } from 'vitest';
import { EdgefedError, fromWireError, isEdgefedError, toEdgefedError } from './errors.js';

describe('EdgefedError', () => {
  it('keeps code, message and details through the wire form', () => {
    const err = new EdgefedError('SHAPE_MISMATCH', 'bad shape', { details: { expected: [2, 3] } });
    const back = fromWireError(JSON.parse(JSON.stringify(err.toWire())) as never);
    expect(back.code).toBe('SHAPE_MISMATCH');
    expect(back.message).toBe('bad shape');
    expect(back.details).toEqual({ expected: [2, 3] });
  });

  it('maps unknown wire codes to INTERNAL', () => {
    expect(fromWireError({ code: 'NOPE', message: 'x' }).code).toBe('INTERNAL');
  });

  it('converts any thrown value', () => {
    const e = new EdgefedError('UNAUTHORIZED', 'no');
    expect(toEdgefedError(e)).toBe(e);
    expect(toEdgefedError(new Error('boom')).code).toBe('INTERNAL');
    expect(toEdgefedError('str').message).toBe('str');
    const abort = new Error('aborted');
    abort.name = 'AbortError';
    expect(toEdgefedError(abort).code).toBe('ABORTED');
    expect(isEdgefedError(toEdgefedError(42), 'INTERNAL')).toBe(true);
  });
});
