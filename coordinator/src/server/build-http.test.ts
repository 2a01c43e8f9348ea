/**
 * buildHttp alone: health, Prometheus metrics, and the model data plane reporting each
 * finished download with the task its URL names.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, expect, it } from 'vitest';
import { errorHandler } from '../http/errors.js';
import { silentLogger } from '../observability/logger.js';
import { createMetrics } from '../observability/metrics.js';
import { createMemoryBlobStore } from '../store/memory-blob-store.js';
import { buildHttp } from './build-http.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

it('serves health, metrics and models, reporting downloads by task', async () => {
  const blobs = createMemoryBlobStore();
  const { hash, size } = await blobs.put(new Uint8Array([1, 2, 3, 4, 5]));
  const served: [number, string | undefined][] = [];
  const app = express();
  app.use(
    buildHttp({
      blobs,
      adminToken: 'admin-token-for-tests',
      tokenSecret: 'token-secret-for-tests-0123456789',
      metrics: createMetrics(),
      onModelServed: (bytes, taskId) => served.push([bytes, taskId]),
    }),
  );
  app.use(errorHandler(silentLogger()));
  const http = createServer(app);
  await new Promise<void>((ok) => http.listen(0, '127.0.0.1', ok));
  closers.push(() => new Promise((ok) => http.close(() => ok())));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  expect(await (await fetch(`${url}/healthz`)).json()).toMatchObject({ status: 'ok' });
  expect(await (await fetch(`${url}/metrics`)).text()).toContain('edgefed_bytes_out_total');
  const auth = { authorization: 'Bearer admin-token-for-tests' };
  expect((await fetch(`${url}/models/${hash}?task=t-1`)).status).toBe(401);
  const res = await fetch(`${url}/models/${hash}?task=t-1`, { headers: auth });
  expect(new Uint8Array(await res.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3, 4, 5]));
  await (await fetch(`${url}/models/${hash}?task=${'%20'.repeat(3)}`, { headers: auth })).arrayBuffer();
  await (await fetch(`${url}/models/${hash}`, { headers: auth })).arrayBuffer();
  await expect.poll(() => served.length).toBe(3);
  expect(served).toEqual([
    [size, 't-1'],
    [size, undefined],
    [size, undefined],
  ]);
});
