import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  csrfTokenFor,
  csrfTokenMatches,
  issueSessionToken,
  SessionRevocations,
  sessionKey,
  verifySessionToken,
} from './session-token.js';

const key = sessionKey('admin-token-0123456789');
const T0 = 1_700_000_000_000;

describe('session tokens', () => {
  it('verifies a fresh token until it expires', () => {
    const { token, claims } = issueSessionToken(key, T0, 60_000);
    expect(verifySessionToken(key, token, T0)).toEqual(claims);
    expect(verifySessionToken(key, token, T0 + 59_999)).toEqual(claims);
    expect(verifySessionToken(key, token, T0 + 60_000)).toBeUndefined();
  });

  it('gives every session a different id', () => {
    const a = issueSessionToken(key, T0).claims.sid;
    const b = issueSessionToken(key, T0).claims.sid;
    expect(a).not.toBe(b);
    expect(a.length).toBeGreaterThanOrEqual(22);
  });

  it('refuses a token signed with another admin token', () => {
    const { token } = issueSessionToken(sessionKey('another-admin-token-xyz'), T0);
    expect(verifySessionToken(key, token, T0)).toBeUndefined();
  });

  it('refuses a token whose payload was changed (longer expiry)', () => {
    const { token } = issueSessionToken(key, T0, 1000);
    const [prefix, payload, sig] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as { exp: number };
    const forged = Buffer.from(JSON.stringify({ ...claims, exp: T0 + 1e9 })).toString('base64url');
    expect(verifySessionToken(key, `${prefix!}.${forged}.${sig!}`, T0 + 5000)).toBeUndefined();
  });

  it.each([undefined, '', 'x', 'efs1.a', 'efs1.a.b.c', 'ef1.a.b', 'efs1..'])('refuses malformed %s', (t) => {
    expect(verifySessionToken(key, t, T0)).toBeUndefined();
  });

  it.each(['"just a string"', '{"sid":"","iat":1,"exp":9e15}', '{"sid":"a","iat":1}', 'not json'])(
    'refuses a correctly signed payload that is not valid claims: %s',
    (text) => {
      const payload = Buffer.from(text).toString('base64url');
      const sig = createHmac('sha256', key).update(`efs1.${payload}`).digest('base64url');
      expect(verifySessionToken(key, `efs1.${payload}.${sig}`, T0)).toBeUndefined();
    },
  );

  it('accepts a correctly signed, hand-made claims payload (the format is what the doc says)', () => {
    const payload = Buffer.from(JSON.stringify({ sid: 'abc', iat: T0, exp: T0 + 1 })).toString('base64url');
    const sig = createHmac('sha256', key).update(`efs1.${payload}`).digest('base64url');
    expect(verifySessionToken(key, `efs1.${payload}.${sig}`, T0)).toEqual({
      sid: 'abc',
      iat: T0,
      exp: T0 + 1,
    });
  });

  it('rejects a non-positive ttl and an empty admin token', () => {
    expect(() => issueSessionToken(key, T0, 0)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => issueSessionToken(key, T0, Number.NaN)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => sessionKey('')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('CSRF tokens', () => {
  it('match only their own session', () => {
    const a = csrfTokenFor(key, 'session-a');
    expect(csrfTokenMatches(key, 'session-a', a)).toBe(true);
    expect(csrfTokenMatches(key, 'session-b', a)).toBe(false);
    expect(csrfTokenMatches(key, 'session-a', undefined)).toBe(false);
    expect(csrfTokenMatches(key, 'session-a', '')).toBe(false);
    expect(csrfTokenMatches(key, 'session-a', `${a}x`)).toBe(false);
  });
});

describe('SessionRevocations', () => {
  it('remembers a revoked id until it would have expired', () => {
    const r = new SessionRevocations();
    r.revoke({ sid: 'a', iat: T0, exp: T0 + 10 }, T0);
    expect(r.isRevoked('a')).toBe(true);
    expect(r.isRevoked('b')).toBe(false);
    r.revoke({ sid: 'b', iat: T0, exp: T0 + 100 }, T0 + 10); // prunes 'a'
    expect(r.isRevoked('a')).toBe(false);
    expect(r.isRevoked('b')).toBe(true);
  });
});
