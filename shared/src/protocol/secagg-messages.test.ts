/**
 * The secure-aggregation messages of protocol 1.3.0: each parses in its direction only, binary
 * fields arrive as Uint8Array (ArrayBuffer accepted), oversized or empty keys are refused, the
 * participant's three messages are acknowledged, and only a 1.3+ hello that claims the
 * capability counts as able to take part.
 */
import { describe, expect, it } from 'vitest';
import { isEdgefedError } from '../errors.js';
import { isAckedMessageType } from './messages.js';
import { parseMessage } from './parse-message.js';
import { helloSupportsSecureAggregation, MAX_SECAGG_KEY_BYTES } from './secagg-messages.js';
import { taskSchema } from './server-messages.js';

const key = (n = 32): Uint8Array => new Uint8Array(n).fill(7);

function refused(direction: 'client-to-server' | 'server-to-client', raw: unknown): unknown {
  try {
    parseMessage(direction, raw);
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('secure-aggregation messages', () => {
  it('parses the participant messages, binary as Uint8Array', () => {
    const ad = parseMessage('client-to-server', {
      type: 'secagg-advertise',
      taskId: 't1',
      cPublicKey: key().buffer,
      sPublicKey: key(),
    });
    expect(ad.type === 'secagg-advertise' && ad.cPublicKey).toBeInstanceOf(Uint8Array);
    const shares = parseMessage('client-to-server', {
      type: 'secagg-shares',
      taskId: 't1',
      shares: [{ to: 'c2', ciphertext: key(100) }],
    });
    expect(shares.type).toBe('secagg-shares');
    const unmask = parseMessage('client-to-server', {
      type: 'secagg-unmask',
      taskId: 't1',
      selfMaskShares: [{ of: 'c2', share: key(35) }],
      keyShares: [],
    });
    expect(unmask.type).toBe('secagg-unmask');
  });

  it('parses the coordinator messages', () => {
    const roster = parseMessage('server-to-client', {
      type: 'secagg-roster',
      taskId: 't1',
      round: 3,
      seed: key(),
      params: { neighbours: 2, threshold: 2, clipRange: 1, maxWeight: 100, maxClients: 10 },
      clients: [{ clientId: 'c1', cPublicKey: key(), sPublicKey: key() }],
      deadline: 1,
    });
    expect(roster.type).toBe('secagg-roster');
    const req = parseMessage('server-to-client', {
      type: 'secagg-unmask-request',
      taskId: 't1',
      survivors: ['c1'],
      dropped: ['c2'],
      deadline: 5,
    });
    expect(req.type).toBe('secagg-unmask-request');
  });

  it('refuses empty and oversized keys, and messages sent in the wrong direction', () => {
    const bad = (cPublicKey: Uint8Array): unknown =>
      refused('client-to-server', { type: 'secagg-advertise', taskId: 't', cPublicKey, sPublicKey: key() });
    expect(isEdgefedError(bad(key(0)), 'INVALID_MESSAGE')).toBe(true);
    expect(isEdgefedError(bad(key(MAX_SECAGG_KEY_BYTES + 1)), 'INVALID_MESSAGE')).toBe(true);
    expect(isEdgefedError(bad(key(MAX_SECAGG_KEY_BYTES)), 'INVALID_MESSAGE')).toBe(false);
    const wrongWay = refused('server-to-client', {
      type: 'secagg-shares',
      taskId: 't',
      shares: [],
    });
    expect(isEdgefedError(wrongWay, 'UNKNOWN_MESSAGE_TYPE')).toBe(true);
  });

  it('acknowledges the participant messages', () => {
    for (const t of ['secagg-advertise', 'secagg-shares', 'secagg-unmask']) {
      expect(isAckedMessageType(t)).toBe(true);
    }
    expect(isAckedMessageType('secagg-roster')).toBe(false);
  });

  it('types task.secureAggregation', () => {
    const base = {
      type: 'task',
      runId: 'r',
      round: 1,
      taskId: 't',
      kind: 'fit',
      modelVersion: 0,
      modelHash: 'sha256:00000000',
      modelUrl: '/m',
      hyperParameters: {},
      deadline: 1,
      modelSpec: '{}',
      config: {},
    };
    const ok = taskSchema.parse({
      ...base,
      secureAggregation: {
        neighbours: 'auto',
        threshold: 3,
        clipRange: 2,
        maxWeight: 100,
        maxClients: 50,
        weighting: 'uniform',
        advertiseDeadline: 2,
      },
    });
    expect(ok.secureAggregation?.weighting).toBe('uniform');
    expect(taskSchema.safeParse({ ...base, secureAggregation: { weighting: 'x' } }).success).toBe(false);
  });

  it('counts a secure-aggregation claim only from protocol 1.3 or newer', () => {
    const hello = (protocolVersion: string, secureAggregation?: boolean) => ({
      protocolVersion,
      capabilities: secureAggregation === undefined ? {} : { secureAggregation },
    });
    expect(helloSupportsSecureAggregation(hello('1.3.0', true))).toBe(true);
    expect(helloSupportsSecureAggregation(hello('1.4.2', true))).toBe(true);
    expect(helloSupportsSecureAggregation(hello('1.2.0', true))).toBe(false);
    expect(helloSupportsSecureAggregation(hello('2.0.0', true))).toBe(false);
    expect(helloSupportsSecureAggregation(hello('1.3.0', false))).toBe(false);
    expect(helloSupportsSecureAggregation(hello('1.3.0'))).toBe(false);
  });
});
