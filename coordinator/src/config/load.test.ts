import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './load.js';

const dir = mkdtempSync(join(tmpdir(), 'edgefed-config-'));

describe('loadConfig', () => {
  it('gives complete defaults with no input', () => {
    const c = loadConfig();
    expect(c.server.port).toBe(8080);
    expect(c.store).toEqual({ kind: 'sqlite', dataDir: './data' });
    expect(c.limits.maxChunkBytes).toBe(1024 * 1024);
  });

  it('layers file < env < flags, YAML and JSON', () => {
    const yaml = join(dir, 'c.yaml');
    writeFileSync(yaml, 'server:\n  port: 9000\n  host: 0.0.0.0\nlog:\n  level: debug\n');
    const c = loadConfig({
      file: yaml,
      env: { EDGEFED_PORT: '9100', EDGEFED_CORS_ORIGINS: 'http://a, http://b' },
      overrides: { log: { level: 'warn' } },
    });
    expect(c.server).toMatchObject({ port: 9100, host: '0.0.0.0', corsOrigins: ['http://a', 'http://b'] });
    expect(c.log.level).toBe('warn');
    const json = join(dir, 'c.json');
    writeFileSync(json, JSON.stringify({ store: { kind: 'memory' } }));
    expect(loadConfig({ file: json }).store.kind).toBe('memory');
  });

  it('reports every bad value with its path', () => {
    let caught: unknown;
    try {
      loadConfig({ overrides: { server: { port: 70000 }, store: { kind: 'mongodb' }, bogus: 1 } });
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ code: 'INVALID_CONFIG' });
    const msg = (caught as Error).message;
    expect(msg).toContain('server.port');
    expect(msg).toContain('store.kind');
    expect(msg).toMatch(/bogus/);
  });

  it('selects PostgreSQL with a URL and refuses postgres settings that cannot apply', () => {
    const url = 'postgres://edgefed@db:5432/edgefed';
    expect(loadConfig({ env: { EDGEFED_POSTGRES_URL: url } }).store).toMatchObject({ kind: 'postgres', url });
    const blobs = { kind: 'postgres', url, blobs: { dir: '/mnt/shared' }, schema: 'fl' };
    expect(loadConfig({ overrides: { store: blobs } }).store).toMatchObject(blobs);
    const problems = (input: unknown): string => {
      try {
        loadConfig({ overrides: { store: input } });
      } catch (err) {
        expect(err).toMatchObject({ code: 'INVALID_CONFIG' });
        return (err as Error).message;
      }
      return 'accepted';
    };
    expect(problems({ kind: 'postgres' })).toMatch(/store\.url: required/);
    expect(problems({ kind: 'postgres', url: 'mysql://x' })).toMatch(/store\.url: must be a postgres/);
    expect(problems({ kind: 'sqlite', url })).toMatch(/store\.url: only applies/);
    expect(problems({ kind: 'postgres', url, schema: 'Bad' })).toMatch(/store\.schema/);
  });

  it('rejects unreadable or malformed files and non-numeric env values', () => {
    expect(() => loadConfig({ file: join(dir, 'missing.yaml') })).toThrow(/Cannot read/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{nope');
    expect(() => loadConfig({ file: bad })).toThrow(/not valid/);
    expect(() => loadConfig({ env: { EDGEFED_PORT: 'abc' } })).toThrow(/server\.port/);
  });
});
