import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILD_WEB_COMMAND, DASHBOARD_CSP, dashboardStatic } from './dashboard-static.js';

describe('dashboardStatic', () => {
  let dir = '';
  let url = '';
  let server: Server;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'edgefed-web-'));
    const app = express();
    app.use(dashboardStatic({ dir }));
    app.use((_req, res) => {
      res.status(404).send('nope');
    });
    server = createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('says how to build the page while the bundle is missing', async () => {
    const res = await fetch(`${url}/`);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain(BUILD_WEB_COMMAND);
  });

  it('serves the built page with a strict CSP, and hashed assets as immutable', async () => {
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>x</title>');
    writeFileSync(join(dir, 'assets', 'index-abc.js'), 'console.log(1)');
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(DASHBOARD_CSP);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(await page.text()).toContain('<title>x</title>');
    const js = await fetch(`${url}/assets/index-abc.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${url}/assets/missing.js`)).status).toBe(404);
  });

  it('does not serve files outside the folder', async () => {
    const res = await fetch(`${url}/assets/..%2f..%2fetc%2fpasswd`);
    expect(res.status).toBe(404);
  });
});
