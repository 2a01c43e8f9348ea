/**
 * The dashboard's cluster view in headless Chromium, against two real coordinator nodes on
 * one real redis-server and one real PostgreSQL database (each node with its own data
 * directory, as on two machines). Signed in on node B: the Cluster page shows that the page
 * is on node B, both nodes and node A as the leader (epoch 1) of a run created on A; the run
 * view shows the leader, pauses the run from B (forwarded to A, the status changes), resumes
 * it (B leads it now, epoch 2); closing node A removes it from the page without a reload;
 * Redis killed, the page shows the 503 and keeps the last view. One Chromium launch; TTLs of
 * 2 s. Screenshots land in test-artifacts/dashboard/.
 */
import { mkdirSync, rmSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Coordinator } from '@edgefed/coordinator';
import { ARTIFACTS_DIR, ensureWebBuilt, launchChromium } from '../dashboard/harness.js';
import { startPostgres, type PostgresServer } from '../support/postgres.js';
import { CLUSTER_TTL_MS, startTestNode } from './cluster-harness.js';
import { startRedis, type TestRedis } from '../support/redis.js';

const ADMIN_TOKEN = 'dashboard-cluster-test-admin-token-0123456789';
const TOKEN_SECRET = 'dashboard-cluster-test-token-secret-0123456789abcdef';

let redis: TestRedis;
let postgres: PostgresServer;
let databaseUrl = '';
const dataDirs: string[] = [];
let nodeA: Coordinator;
let nodeB: Coordinator;
let browser: Browser;
let page: Page;
let runId = '';
/** Console errors about the Content-Security-Policy (the page must need no inline code). */
const cspViolations: string[] = [];

function startNode(nodeId: string): Promise<Coordinator> {
  return startTestNode({
    databaseUrl,
    adminToken: ADMIN_TOKEN,
    tokenSecret: TOKEN_SECRET,
    dataDirs,
    cluster: { redis: redis.url, nodeId },
    server: { host: '127.0.0.1' },
  });
}

async function rest<T>(url: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${path}: ${String(res.status)} ${await res.text()}`);
  return (await res.json()) as T;
}

const nodesTable = () => page.getByRole('table', { name: 'Nodes' });
const leadersTable = () => page.getByRole('table', { name: 'Runs and their leaders' });
const shot = (name: string) => page.screenshot({ path: `${ARTIFACTS_DIR}${name}.png`, fullPage: true });

beforeAll(async () => {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const built = ensureWebBuilt();
  [redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
  databaseUrl = await postgres.createDatabase();
  nodeA = await startNode('node-a');
  nodeB = await startNode('node-b');
  // created and started on A, so A leads it; no participant joins, so it stays running
  const run = await rest<{ id: string }>(nodeA.url, '/api/runs', {
    name: 'cluster view',
    start: true,
    config: {
      model: '2nn',
      rounds: 2,
      strategy: { name: 'fedavg', minFitClients: 1, minAvailableClients: 1 },
    },
  });
  runId = run.id;
  expect(nodeA.runs.leases()).toEqual([{ runId, epoch: 1 }]);
  await built;
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content.Security.Policy/i.test(m.text())) cspViolations.push(m.text());
  });
});

afterAll(async () => {
  await (browser as Browser | undefined)?.close();
  await (nodeB as Coordinator | undefined)?.close();
  await (nodeA as Coordinator | undefined)?.close(); // idempotent
  await Promise.all([redis.stop(), postgres.stop()]);
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

beforeEach(({ task, onTestFailed }) => {
  onTestFailed(async () => {
    await shot(`failed-cluster-${task.name.replace(/\W+/g, '-')}`).catch(() => undefined);
  });
});

describe('the dashboard in a cluster', () => {
  it('signed in on node B, shows both nodes and node A leading the run created there', async () => {
    await page.goto(nodeB.url);
    await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Runs' }).waitFor();
    // the Cluster link appears (cluster mode) and works from the keyboard
    const link = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Cluster' });
    await link.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Cluster' }).waitFor();
    expect(await link.getAttribute('aria-current')).toBe('page');
    expect(await page.getByTestId('this-node').textContent()).toBe('node-b');

    const view = await rest<{ nodes: { nodeId: string; url: string }[] }>(nodeB.url, '/api/cluster');
    for (const id of ['node-a', 'node-b']) {
      const row = nodesTable().getByRole('row', { name: new RegExp(id) });
      await row.waitFor();
      const cells = await row.getByRole('cell').allTextContents();
      expect(cells[0]).toBe(view.nodes.find((n) => n.nodeId === id)?.url);
      expect(cells[1]).toBe('0'); // participants
      expect(Number.parseInt(cells[2] ?? '', 10)).toBeLessThanOrEqual(CLUSTER_TTL_MS / 1000); // s since heartbeat
    }
    expect(
      await nodesTable()
        .getByRole('row', { name: /node-b/ })
        .textContent(),
    ).toContain('this node');

    const runRow = leadersTable().getByRole('row', { name: /cluster view/ });
    expect(await runRow.getByRole('cell').allTextContents()).toEqual(['running', 'node-a', '1']);
    await shot('cluster');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot('cluster-phone');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it("pauses the run from node B's run view (forwarded to node A), resumes it there", async () => {
    await leadersTable().getByRole('link', { name: 'cluster view' }).click();
    await page.getByRole('heading', { name: 'cluster view' }).waitFor();
    const leader = page.getByTestId('run-leader');
    const epoch = page.getByTestId('run-leader-epoch');
    await leader.filter({ hasText: 'node-a' }).waitFor();
    expect(await epoch.textContent()).toBe('lease epoch 1');

    const pauseAnswer = page.waitForResponse((r) => r.url().endsWith(`/api/runs/${runId}/pause`));
    await page.getByRole('button', { name: 'Pause' }).click();
    expect((await pauseAnswer).headers()['x-edgefed-answered-by']).toBe('node-a');
    await page.getByTestId('run-status').filter({ hasText: 'paused' }).waitFor();
    expect((await rest<{ status: string }>(nodeA.url, `/api/runs/${runId}`)).status).toBe('paused');
    await leader.filter({ hasText: /^none$/ }).waitFor(); // a paused run has no leader
    expect(await epoch.count()).toBe(0);

    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByTestId('run-status').filter({ hasText: 'running' }).waitFor();
    await leader.filter({ hasText: 'node-b' }).waitFor(); // resumed on B: B leads it
    expect(await epoch.textContent()).toBe('lease epoch 2');
    expect(nodeB.runs.leases()).toEqual([{ runId, epoch: 2 }]);
    await shot('run-view-cluster');
    expect(cspViolations).toEqual([]);
  });

  it('drops a node that left from the page by itself (no reload)', async () => {
    await page.getByRole('link', { name: 'Cluster' }).click();
    await nodesTable()
      .getByRole('row', { name: /node-a/ })
      .waitFor();
    const runRow = leadersTable().getByRole('row', { name: /cluster view/ });
    expect(await runRow.getByRole('cell').allTextContents()).toEqual(['running', 'node-b', '2']);
    await page.evaluate(() => {
      (window as unknown as { noReload: boolean }).noReload = true;
    });
    await nodeA.close();
    await nodesTable()
      .getByRole('row', { name: /node-a/ })
      .waitFor({ state: 'detached', timeout: 20_000 });
    await nodesTable()
      .getByRole('row', { name: /node-b/ })
      .waitFor();
    expect(await page.evaluate(() => (window as unknown as { noReload?: boolean }).noReload)).toBe(true);
  });

  it('shows Redis unavailable (503) and keeps the last view', async () => {
    await redis.kill();
    const alert = page.getByRole('alert').filter({ hasText: 'UNAVAILABLE' });
    await alert.waitFor({ timeout: 10_000 });
    expect(await alert.textContent()).toContain('Showing the last view read.');
    await nodesTable()
      .getByRole('row', { name: /node-b/ })
      .waitFor();
    expect(await page.getByTestId('this-node').textContent()).toBe('node-b');
    await shot('cluster-redis-down');
  });
});
