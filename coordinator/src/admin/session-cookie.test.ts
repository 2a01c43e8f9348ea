import { describe, expect, it } from 'vitest';
import { readCookie, SESSION_COOKIE, sessionCookie } from './session-cookie.js';

describe('readCookie', () => {
  it('finds a cookie among others', () => {
    expect(readCookie('a=1; edgefed_session=efs1.x.y; b=2', SESSION_COOKIE)).toBe('efs1.x.y');
  });
  it('decodes percent-encoding and quotes; first occurrence wins', () => {
    expect(readCookie('k="a%20b"; k=c', 'k')).toBe('a b');
  });
  it('returns undefined when absent or badly encoded', () => {
    expect(readCookie(undefined, 'k')).toBeUndefined();
    expect(readCookie('', 'k')).toBeUndefined();
    expect(readCookie('kk=1; novalue', 'k')).toBeUndefined();
    expect(readCookie('k=%E0%A4%A', 'k')).toBeUndefined();
  });
});

describe('sessionCookie', () => {
  it('is HttpOnly, SameSite=Strict, whole-site', () => {
    const c = sessionCookie({ value: 'efs1.a.b', maxAgeSeconds: 3600.7, secure: false });
    expect(c).toBe('edgefed_session=efs1.a.b; Path=/; HttpOnly; SameSite=Strict; Max-Age=3600');
  });
  it('adds Secure over HTTPS and clamps a negative age to 0', () => {
    expect(sessionCookie({ value: '', maxAgeSeconds: -5, secure: true })).toBe(
      'edgefed_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure',
    );
  });
});
