import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EdgefedError } from '../errors.js';
import { parseMessage } from './parse-message.js';
import { PROTOCOL_VERSION } from './version.js';

const hello = {
  type: 'hello',
  protocolVersion: PROTOCOL_VERSION,
  token: 'tok',
  capabilities: {
    runtime: 'node',
    backend: 'node',
    exampleCount: 10,
    deviceClass: 'server',
    eligible: true,
    clientVersion: '0.1.0',
  },
};

function errorOf(fn: () => unknown): EdgefedError {
  try {
    fn();
  } catch (e) {
    if (e instanceof EdgefedError) return e;
    throw e;
  }
  throw new Error('expected a throw');
}

describe('parseMessage', () => {
  it('returns a typed message and strips unknown fields', () => {
    const msg = parseMessage('client-to-server', { ...hello, extra: 1 });
    expect(msg.type).toBe('hello');
    expect(msg).not.toHaveProperty('extra');
  });

  it('reports zod issue paths for malformed messages', () => {
    const err = errorOf(() =>
      parseMessage('client-to-server', {
        ...hello,
        capabilities: { ...hello.capabilities, backend: 'cuda' },
      }),
    );
    expect(err.code).toBe('INVALID_MESSAGE');
    expect(err.details?.type).toBe('hello');
    expect(err.details?.issues).toEqual([expect.objectContaining({ path: 'capabilities.backend' })]);
  });

  it('rejects non-objects and missing types as INVALID_MESSAGE', () => {
    for (const raw of [null, 3, 'hello', [hello], {}, { type: 7 }]) {
      expect(errorOf(() => parseMessage('client-to-server', raw)).code).toBe('INVALID_MESSAGE');
    }
  });

  it('rejects types of the other direction as UNKNOWN_MESSAGE_TYPE', () => {
    expect(errorOf(() => parseMessage('client-to-server', { type: 'welcome' })).code).toBe(
      'UNKNOWN_MESSAGE_TYPE',
    );
    expect(errorOf(() => parseMessage('server-to-client', hello)).code).toBe('UNKNOWN_MESSAGE_TYPE');
    expect(errorOf(() => parseMessage('client-to-server', { type: '__proto__' })).code).toBe(
      'UNKNOWN_MESSAGE_TYPE',
    );
  });

  it('rejects non-finite metrics', () => {
    const result = { type: 'result', taskId: 't', runId: 'r', round: 1, exampleCount: 3 };
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
      const err = errorOf(() => parseMessage('client-to-server', { ...result, metrics: { loss: bad } }));
      expect(err.details?.issues).toEqual([expect.objectContaining({ path: 'metrics.loss' })]);
    }
    expect(parseMessage('client-to-server', { ...result, metrics: { loss: 0.5 } })).toMatchObject({
      round: 1,
    });
  });

  it('accepts upload chunks as Uint8Array or ArrayBuffer and checks index < count', () => {
    const chunk = {
      type: 'upload-chunk',
      taskId: 't',
      payloadId: 'p',
      index: 0,
      count: 2,
      chunkBytes: 4,
      totalBytes: 8,
      checksum: 'crc32c:0000abcd',
      payloadChecksum: 'crc32c:1234abcd',
    };
    const a = parseMessage('client-to-server', { ...chunk, data: new Uint8Array([1, 2, 3]) });
    const b = parseMessage('client-to-server', { ...chunk, data: new Uint8Array([1, 2]).buffer });
    expect(a.type === 'upload-chunk' && a.data.byteLength).toBe(3);
    expect(b.type === 'upload-chunk' && b.data instanceof Uint8Array).toBe(true);
    const err = errorOf(() =>
      parseMessage('client-to-server', { ...chunk, index: 2, data: new Uint8Array(1) }),
    );
    expect(err.details?.issues).toEqual([expect.objectContaining({ path: 'index' })]);
    expect(errorOf(() => parseMessage('client-to-server', { ...chunk, data: [1, 2] })).code).toBe(
      'INVALID_MESSAGE',
    );
  });

  it('reads unknown error codes from newer peers as INTERNAL', () => {
    const msg = parseMessage('server-to-client', { type: 'error', code: 'FROM_THE_FUTURE', message: 'x' });
    expect(msg).toMatchObject({ type: 'error', code: 'INTERNAL' });
  });

  it('never throws anything but an EdgefedError on arbitrary input (seeded)', () => {
    const types = fc.constantFrom(
      'hello',
      'result',
      'upload-chunk',
      'progress',
      'heartbeat',
      'error',
      'task',
      'x',
    );
    const arb = fc.oneof(
      fc.anything(),
      fc.record({ type: types }, { requiredKeys: [] }),
      fc.dictionary(fc.string(), fc.anything()),
    );
    fc.assert(
      fc.property(arb, fc.boolean(), (raw, toServer) => {
        try {
          parseMessage(toServer ? 'client-to-server' : 'server-to-client', raw);
        } catch (e) {
          return (
            e instanceof EdgefedError && (e.code === 'INVALID_MESSAGE' || e.code === 'UNKNOWN_MESSAGE_TYPE')
          );
        }
        return true;
      }),
      { seed: 20261125, numRuns: 300 },
    );
  });
});
