import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adminTokenMatches, createJoinToken, verifyJoinToken } from './join-token.js';
import { resolveSecrets } from './secrets.js';

const secret = 'x'.repeat(40);
const now = Date.UTC(2026, 0, 1);

describe('join tokens', () => {
  it('round-trips claims and checks the run scope', () => {
    const token = createJoinToken({ secret, run: 'run-1', ttlSeconds: 60, subject: 'u1', now });
    const claims = verifyJoinToken(token, secret, { run: 'run-1', now });
    expect(claims).toMatchObject({ run: 'run-1', sub: 'u1' });
    expect(() => verifyJoinToken(token, secret, { run: 'run-2', now })).toThrow(/not run-2/);
  });

  it('accepts a wildcard token for any run', () => {
    const token = createJoinToken({ secret, run: '*', now });
    expect(verifyJoinToken(token, secret, { run: 'anything', now }).run).toBe('*');
  });

  const cases: [string, (t: string) => string, { now: number; secret?: string }][] = [
    ['expired', (t) => t, { now: now + 61_000 }],
    ['forged signature', (t) => `${t.slice(0, -2)}AA`, { now }],
    ['wrong secret', (t) => t, { now, secret: 'y'.repeat(40) }],
    ['malformed', () => 'garbage', { now }],
    ['tampered payload', (t) => t.replace('.', '.e'), { now }],
  ];
  it.each(cases)('rejects a %s token with UNAUTHORIZED', (_name, mutate, opts) => {
    const token = mutate(createJoinToken({ secret, run: 'r', ttlSeconds: 60, now }));
    expect(() => verifyJoinToken(token, opts.secret ?? secret, { now: opts.now })).toThrow(
      expect.objectContaining({ code: 'UNAUTHORIZED' }) as Error,
    );
  });

  it('rejects bad creation arguments', () => {
    expect(() => createJoinToken({ secret, run: '' })).toThrow(/run id/);
    expect(() => createJoinToken({ secret, run: 'r', ttlSeconds: 0 })).toThrow(/positive/);
  });

  it('compares admin tokens', () => {
    expect(adminTokenMatches('abc', 'abc')).toBe(true);
    expect(adminTokenMatches('abd', 'abc')).toBe(false);
    expect(adminTokenMatches(undefined, 'abc')).toBe(false);
    expect(adminTokenMatches('abcd', 'abc')).toBe(false);
  });
});

describe('secrets', () => {
  it('generates once, saves with mode 0600 and reuses after restart', () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgefed-secrets-'));
    const first = resolveSecrets({}, dir);
    expect(first.generated).toEqual(['adminToken', 'tokenSecret']);
    expect(statSync(join(dir, 'secrets.json')).mode & 0o777).toBe(0o600);
    const second = resolveSecrets({}, dir);
    expect(second).toMatchObject({
      adminToken: first.adminToken,
      tokenSecret: first.tokenSecret,
      generated: [],
    });
    expect(resolveSecrets({ adminToken: 'configured-token-123' }, dir).adminToken).toBe(
      'configured-token-123',
    );
  });
});
