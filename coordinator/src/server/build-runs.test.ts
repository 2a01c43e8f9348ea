/**
 * buildRuns alone (over a real transport): runs are created through its RunManager, model
 * URLs name their task under the base URL read at task time, served downloads are counted
 * by the ledger and the bytes-out metric, and run events reach subscribers.
 */
import { createServer } from 'node:http';
import { afterEach, expect, it } from 'vitest';
import { loadConfig } from '../config/load.js';
import { silentLogger } from '../observability/logger.js';
import { createMetrics } from '../observability/metrics.js';
import type { RunEvent } from '../rounds/run-events.js';
import { buildRuns } from './build-runs.js';
import { buildTransport } from './build-transport.js';
import { openStores } from './open-stores.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

it('builds run services, a run manager and the run-event fan-out', async () => {
  const config = loadConfig({ overrides: { store: { kind: 'memory' } } });
  const stores = await openStores(config.store);
  closers.push(() => stores.close());
  const metrics = createMetrics();
  const logger = silentLogger();
  const transport = buildTransport({
    http: createServer(),
    config,
    tokenSecret: 'token-secret-for-tests-0123456789',
    store: stores.runs,
    logger,
    metrics,
  });
  closers.push(() => transport.close());
  let base = 'http://first';
  const runs = buildRuns({ ...transport, config, stores, logger, metrics, baseUrl: () => base });
  closers.push(() => runs.close());
  base = 'http://later:1';
  expect(runs.services.models.url('ab'.repeat(32), 'task-1')).toBe(
    `http://later:1/models/${'ab'.repeat(32)}?task=task-1`,
  );
  const run = await runs.runs.create({ config: { model: '2nn', rounds: 1 }, start: false });
  expect(run.status).toBe('created');
  runs.services.downloads.register({ runId: run.id, round: 1, attempt: 1 }, ['task-1']);
  runs.modelServed(100, 'task-1');
  runs.modelServed(7, undefined);
  expect(runs.services.downloads.bytesFor({ runId: run.id, round: 1, attempt: 1 })).toBe(100);
  expect(runs.services.downloads.unattributed).toBe(7);
  expect((await metrics.bytesOut.get()).values[0]?.value).toBe(107);
  const seen: RunEvent[] = [];
  const off = runs.onRunEvent((e) => {
    seen.push(e);
  });
  runs.services.telemetry.emit({ type: 'phase', runId: run.id, round: 0, phase: 'idle' });
  off();
  runs.services.telemetry.emit({ type: 'phase', runId: run.id, round: 0, phase: 'idle' });
  expect(seen).toHaveLength(1);
});
