import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDashboardBuilt } from './dashboard-build.js';

describe('ensureDashboardBuilt', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgefed-web-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('builds the page into an empty folder once, then finds it present', async () => {
    const out = join(dir, 'web');
    const lines: string[] = [];
    const first = ensureDashboardBuilt({ dir: out, log: (l) => lines.push(l) });
    expect(first).toEqual({ status: 'built', dir: out });
    expect(lines).toEqual(['edgefed: building the dashboard once (vite build) ...']);
    expect(await readFile(join(out, 'index.html'), 'utf8')).toMatch(/src="\/assets\/index-[\w-]+\.js"/);
    expect(existsSync(join(out, 'assets'))).toBe(true);
    expect(ensureDashboardBuilt({ dir: out, log: (l) => lines.push(l) })).toEqual({
      status: 'present',
      dir: out,
    });
    expect(lines).toHaveLength(1);
  }, 60_000);
});
