/** `edgefed serve` flag parsing: the store flags (`--store`, `--postgres`, `--blob-dir`). */
import { describe, expect, it } from 'vitest';
import { serveConfig } from './serve.js';

const URL = 'postgres://edgefed:pw@db:5432/edgefed';

describe('serveConfig store flags', () => {
  it('keeps SQLite the default and selects PostgreSQL with --postgres', () => {
    expect(serveConfig([], {})).toMatchObject({ store: { kind: 'sqlite', dataDir: './data' } });
    const config = serveConfig(['--postgres', URL, '--data-dir', '/srv/node1'], {});
    expect(config).toMatchObject({ store: { kind: 'postgres', url: URL, dataDir: '/srv/node1' } });
    expect(serveConfig(['--postgres', URL, '--blob-dir', '/mnt/blobs'], {})).toMatchObject({
      store: { kind: 'postgres', url: URL, blobs: { dir: '/mnt/blobs' } },
    });
    expect(serveConfig([], { EDGEFED_POSTGRES_URL: URL })).toMatchObject({
      store: { kind: 'postgres', url: URL },
    });
  });

  it('refuses a bad URL, a URL with another store, and --postgres without its value', () => {
    const refusal = (argv: string[]): unknown => {
      try {
        serveConfig(argv, {});
      } catch (error) {
        return error;
      }
      return 'accepted';
    };
    expect(refusal(['--postgres', 'mysql://db/x'])).toMatchObject({ code: 'INVALID_CONFIG' });
    expect(String(refusal(['--postgres', 'mysql://db/x']))).toContain('store.url: must be a postgres');
    expect(String(refusal(['--store', 'sqlite', '--postgres', URL]))).toContain('store.url: only applies');
    expect(() => serveConfig(['--blob-dir', '/mnt/blobs'], {})).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG' }),
    );
    expect(() => serveConfig(['--postgres'], {})).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });
});
