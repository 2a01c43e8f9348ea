import { describe, expect, it } from 'vitest';
import { isEdgefedError } from '../errors.js';
import { checkProtocolVersion, MIN_PROTOCOL_VERSION, parseSemVer, PROTOCOL_VERSION } from './version.js';

describe('parseSemVer', () => {
  it('parses plain and pre-release versions', () => {
    expect(parseSemVer('1.2.3')).toEqual({ major: 1, minor: 2, patch: 3 });
    expect(parseSemVer('2.0.0-beta.1+build.5')).toEqual({
      major: 2,
      minor: 0,
      patch: 0,
      prerelease: 'beta.1',
    });
  });

  it.each(['1.0', '01.0.0', 'v1.0.0', '', '1.0.0.0', ' 1.0.0', '1.0.x'])('rejects %j', (v) => {
    expect(parseSemVer(v)).toBeUndefined();
  });

  it('rejects non-strings', () => {
    expect(parseSemVer(1)).toBeUndefined();
    expect(parseSemVer(undefined)).toBeUndefined();
  });
});

describe('checkProtocolVersion', () => {
  it('accepts the same version exactly', () => {
    const compat = checkProtocolVersion(PROTOCOL_VERSION);
    expect(compat.exact).toBe(true);
    expect(compat.remoteIsNewer).toBe(false);
  });

  it('accepts a newer or older minor of the same major', () => {
    expect(checkProtocolVersion('1.4.0', '1.0.0')).toMatchObject({ exact: false, remoteIsNewer: true });
    expect(checkProtocolVersion('1.0.0', '1.4.0')).toMatchObject({ exact: false, remoteIsNewer: false });
  });

  it('rejects another major with PROTOCOL_VERSION and details', () => {
    let caught: unknown;
    try {
      checkProtocolVersion('2.0.0', '1.0.0');
    } catch (e) {
      caught = e;
    }
    expect(isEdgefedError(caught, 'PROTOCOL_VERSION')).toBe(true);
    expect((caught as { details: unknown }).details).toEqual({
      expected: '1.0.0',
      supportedMajor: 1,
      received: '2.0.0',
    });
  });

  it('refuses a peer below the minimum version with PROTOCOL_VERSION, and accepts newer ones', () => {
    expect(MIN_PROTOCOL_VERSION).toBe('1.2.0');
    let caught: unknown;
    try {
      checkProtocolVersion('1.1.0', PROTOCOL_VERSION, MIN_PROTOCOL_VERSION);
    } catch (e) {
      caught = e;
    }
    expect(isEdgefedError(caught, 'PROTOCOL_VERSION')).toBe(true);
    expect((caught as { details: unknown }).details).toMatchObject({ received: '1.1.0', minimum: '1.2.0' });
    expect(checkProtocolVersion('1.2.0', PROTOCOL_VERSION, MIN_PROTOCOL_VERSION).exact).toBe(false);
    expect(checkProtocolVersion('1.3.1', PROTOCOL_VERSION, MIN_PROTOCOL_VERSION).remoteIsNewer).toBe(true);
  });

  it('rejects garbage versions with PROTOCOL_VERSION', () => {
    expect(() => checkProtocolVersion('latest')).toThrow(/not semver/);
    expect(() => checkProtocolVersion(42)).toThrow(expect.objectContaining({ code: 'PROTOCOL_VERSION' }));
  });

  it('refuses a malformed local version as a programming error', () => {
    expect(() => checkProtocolVersion('1.0.0', 'one')).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });
});
