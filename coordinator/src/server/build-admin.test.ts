/**
 * buildAdmin alone: the REST API needs the admin token, lists runs with it, and the
 * dashboard page is served at `/`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, expect, it } from 'vitest';
import { loadConfig } from '../config/load.js';
import { errorHandler } from '../http/errors.js';
import { silentLogger } from '../observability/logger.js';
import { createMetrics } from '../observability/metrics.js';
import { buildAdmin } from './build-admin.js';
import { buildRuns } from './build-runs.js';
import { buildTransport } from './build-transport.js';
import { openStores } from './open-stores.js';

const ADMIN = 'admin-token-for-tests-0123456789';
const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

it('guards the API with the admin token and lists runs', async () => {
  const config = loadConfig({ overrides: { store: { kind: 'memory' } } });
  const stores = await openStores(config.store);
  closers.push(() => stores.close());
  const metrics = createMetrics();
  const logger = silentLogger();
  const app = express();
  const http = createServer(app);
  const tokenSecret = 'token-secret-for-tests-0123456789';
  const transport = buildTransport({ http, config, tokenSecret, store: stores.runs, logger, metrics });
  closers.push(() => transport.close());
  const runs = buildRuns({ ...transport, config, stores, logger, metrics, baseUrl: () => '' });
  closers.push(() => runs.close());
  const admin = buildAdmin({
    ...transport,
    adminToken: ADMIN,
    tokenSecret,
    corsOrigins: [],
    stores,
    runs: runs.runs,
    taskOf: () => undefined,
    onRunEvent: runs.onRunEvent,
  });
  closers.push(() => admin.close());
  app.use(admin.router);
  app.use(errorHandler(logger));
  await new Promise<void>((ok) => http.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  await runs.runs.create({ name: 'one', config: { model: '2nn', rounds: 1 }, start: false });
  expect((await fetch(`${url}/api/runs`)).status).toBe(401);
  const res = await fetch(`${url}/api/runs`, { headers: { authorization: `Bearer ${ADMIN}` } });
  expect(res.status).toBe(200);
  expect(JSON.stringify(await res.json())).toContain('"one"');
  expect((await fetch(`${url}/`)).headers.get('content-type')).toContain('text/html');
});
