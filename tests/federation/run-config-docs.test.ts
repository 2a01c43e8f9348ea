/**
 * The run configs the documentation shows are accepted by the real REST API
 * (`POST /api/runs` on a coordinator listening on port 0, SQLite in a temp dir): the
 * example in docs/api.md, the README's curl body and the privacy example in
 * docs/privacy.md, and the README's secure-aggregation run config, read from the files themselves so the docs cannot drift. The
 * compression forms the docs used to show are refused.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Coordinator } from '@edgefed/coordinator';
import { adminApi, startCoordinator } from './helpers.js';

const ROOT = new URL('../../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, ROOT), 'utf8');

/** The first ```json block after `heading` in a markdown file. */
function jsonBlockAfter(markdown: string, heading: string): Record<string, unknown> {
  const from = markdown.indexOf(heading);
  expect(from, heading).toBeGreaterThanOrEqual(0);
  const match = /```json\n([\s\S]*?)\n```/.exec(markdown.slice(from));
  expect(match, `json block after ${heading}`).not.toBeNull();
  return JSON.parse(match![1]!) as Record<string, unknown>;
}

let coordinator: Coordinator;

beforeAll(async () => {
  coordinator = await startCoordinator();
});

afterAll(async () => {
  await coordinator.close();
});

interface RunBody {
  id: string;
  status: string;
  config: Record<string, unknown>;
}

async function post(body: Record<string, unknown>): Promise<{ status: number; body: RunBody }> {
  return adminApi<RunBody>(coordinator, '/api/runs', { method: 'POST', body: JSON.stringify(body) });
}

describe('documented run configs', () => {
  it('docs/api.md: the POST /api/runs example is accepted as documented', async () => {
    const example = jsonBlockAfter(read('docs/api.md'), '### `POST /api/runs`');
    const created = await post(example);
    expect(created.status).toBe(201);
    expect(created.body.status).toBe('created');
    const stored = await adminApi<RunBody>(coordinator, `/api/runs/${created.body.id}`);
    expect(stored.body.config).toEqual(example.config);
    expect(stored.body.config.compression).toEqual({ method: 'topk', fraction: 0.01 });
  });

  it('README: the secure aggregation example is accepted', async () => {
    const config = jsonBlockAfter(read('README.md'), '## Secure aggregation');
    const created = await post({ name: 'secure', config });
    expect(created.status).toBe(201);
    expect(created.body.config.secureAggregation).toEqual(config.secureAggregation);
  });

  it("README: the curl example's body is accepted", async () => {
    const readme = read('README.md');
    const body = /-d '(\{[\s\S]*?\})'/.exec(
      readme.slice(readme.indexOf('POST http://127.0.0.1:8080/api/runs')),
    );
    expect(body).not.toBeNull();
    const parsed = JSON.parse(body![1]!) as Record<string, unknown>;
    const created = await post({ ...parsed, start: false });
    expect(created.status).toBe(201);
    expect(created.body.config).toEqual(parsed.config);
  });

  it('docs/privacy.md: the privacy example is accepted', async () => {
    const config = jsonBlockAfter(read('docs/privacy.md'), '# Differential privacy');
    const created = await post({ config, start: false });
    expect(created.status).toBe(201);
  });

  it('refuses the compression forms the docs used to show', async () => {
    for (const compression of ['fp16', { kind: 'topk', fraction: 0.1 }, { method: 'topk' }]) {
      const r = await post({ config: { model: '2nn', rounds: 1, compression }, start: false });
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ error: { code: 'INVALID_CONFIG' } });
    }
  });
});
