/**
 * The admin dashboard end to end, in headless Chromium against a real coordinator (memory
 * store, port 0) with participants training MNIST on onnxruntime-node: sign in, create a
 * run (a refused one first), watch it advance live, pause and resume, download a model
 * and decode it, survive a coordinator restart, sign out. Screenshots land in
 * test-artifacts/dashboard/.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Participant } from '@edgefed/client';
import type { Coordinator } from '@edgefed/coordinator';
import { MODEL_2NN, decodeTensorMap } from '@edgefed/shared';
import {
  ARTIFACTS_DIR,
  centralEvaluator,
  ensureWebBuilt,
  launchChromium,
  mnist,
  startCoordinator,
  startParticipants,
} from './harness.js';

const ADMIN = 'dashboard-e2e-admin-token-0123456789';

let coordinator: Coordinator;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let participants: Participant[] = [];
let runId = '';
/** The coordinator's warnings and errors, printed when a test fails. */
const logLines: string[] = [];

const roundShown = async (): Promise<number> =>
  Number.parseInt((await page.getByTestId('run-round').textContent()) ?? '', 10);

/** Waits until the run view shows a round number of at least `n`. */
async function waitForRound(n: number): Promise<void> {
  await page.waitForFunction(
    (min) =>
      Number.parseInt(document.querySelector('[data-testid="run-round"]')?.textContent ?? '', 10) >= min,
    n,
    { timeout: 90_000 },
  );
}

async function apiStatus(path: string): Promise<number> {
  return page.evaluate((p) => fetch(p).then((r) => r.status), path);
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  await ensureWebBuilt();
  const { train, test } = await mnist(1200, 300);
  coordinator = await startCoordinator({
    adminToken: ADMIN,
    centralEvaluator: centralEvaluator(MODEL_2NN, test),
    logLines,
  });
  participants = await startParticipants(coordinator.url, coordinator.tokenSecret, train, 3);
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  page = await context.newPage();
});

afterAll(async () => {
  await Promise.all(participants.map((p) => p.stop()));
  await (browser as Browser | undefined)?.close();
  await (coordinator as Coordinator | undefined)?.close();
});

/** What a failed test leaves behind: the run as the store has it, its last rounds, the logs, a screenshot. */
async function diagnose(name: string): Promise<void> {
  const lines = [`--- ${name}: diagnostics`];
  if (runId !== '') {
    const run = await coordinator.stores.runs.getRun(runId).catch((e: unknown) => String(e));
    lines.push(`run: ${JSON.stringify(run, (k, v: unknown) => (k === 'config' ? undefined : v))}`);
    const rounds = await coordinator.stores.runs.listRounds(runId).catch(() => []);
    for (const r of rounds.slice(-5)) lines.push(`round ${JSON.stringify(r)}`);
  }
  lines.push(...logLines.slice(-30));
  await page
    .screenshot({ path: `${ARTIFACTS_DIR}failed-${name.replace(/\W+/g, '-')}.png`, fullPage: true })
    .catch(() => undefined);
  console.error(lines.join('\n'));
}

beforeEach(({ task, onTestFailed }) => {
  onTestFailed(() => diagnose(task.name));
});

describe('admin dashboard', () => {
  it('shows only the sign-in form and refuses data without a session', async () => {
    await page.goto(coordinator.url);
    await page.getByLabel('Admin token').waitFor();
    expect(await apiStatus('/api/runs')).toBe(401);
    await page.getByLabel('Admin token').fill('not-the-admin-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'UNAUTHORIZED' }).waitFor();
  });

  it('signs in with the keyboard and the admin token (HttpOnly cookie) and lists no runs', async () => {
    await page.getByLabel('Admin token').fill('');
    await page.getByLabel('Admin token').focus();
    await page.keyboard.type(ADMIN);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Runs' }).waitFor();
    await page.getByText('No runs yet').waitFor();
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: 'edgefed_session', httpOnly: true, sameSite: 'Strict' });
    expect(await page.evaluate(() => document.cookie)).toBe('');
    await page.getByTestId('live-state').filter({ hasText: 'Live' }).waitFor();
    // Keyboard: Tab reaches the main navigation first, Enter follows a link.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Runs');
  });

  it('shows the API validation error for a bad run, then creates a good one', async () => {
    await page.getByRole('link', { name: 'New run' }).first().click();
    await page.getByLabel('Name', { exact: true }).fill('dashboard e2e');
    await page.getByLabel('Model', { exact: true }).selectOption('2nn');
    await page.getByLabel('Rounds', { exact: true }).fill('0');
    await page.getByRole('button', { name: 'Create run' }).click();
    const error = page.getByTestId('form-error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/INVALID_CONFIG.*rounds/s);
    await page.screenshot({ path: `${ARTIFACTS_DIR}new-run-refused.png`, fullPage: true });
    // Enough rounds, each long enough, that the run is still running when the last tests
    // stop it: 500 one-epoch rounds could all finish on a fast machine while a loaded
    // renderer took its screenshots.
    await page.getByLabel('Rounds', { exact: true }).fill('5000');
    await page.getByLabel('Epochs', { exact: true }).fill('5');
    await page.getByLabel('Evaluate every N rounds').fill('0');
    await page.getByLabel('Learning rate').fill('0.1');
    await page.getByLabel('Round deadline (s)').fill('30');
    await page.getByRole('button', { name: 'Create run' }).click();
    await page.waitForURL(/#\/runs\//);
    runId = decodeURIComponent(page.url().split('#/runs/')[1] ?? '');
    await page.getByRole('heading', { name: 'dashboard e2e' }).waitFor();
    expect(await page.getByTestId('run-status').textContent()).toBe('running');
  });

  it('advances live: the round number and the charts update without a reload', async () => {
    await page.evaluate(() => {
      (window as unknown as { noReload: boolean }).noReload = true;
    });
    await waitForRound(2);
    const first = await roundShown();
    await waitForRound(first + 1);
    await page.waitForFunction(
      () =>
        Number(document.querySelector('[data-testid="accuracy-chart"]')?.getAttribute('data-points')) >= 2,
    );
    expect(await page.evaluate(() => (window as unknown as { noReload?: boolean }).noReload)).toBe(true);
    await page.getByTestId('clients-table').getByText('virtual').first().waitFor();
    await page.screenshot({ path: `${ARTIFACTS_DIR}run-view.png`, fullPage: true });
    // a single coordinator: no Cluster page link, no leader in the run summary
    expect(await page.getByRole('link', { name: 'Cluster' }).count()).toBe(0);
    expect(await page.getByTestId('run-leader').count()).toBe(0);
  });

  it('pauses and resumes the run', async () => {
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByTestId('run-status').filter({ hasText: 'paused' }).waitFor();
    const paused = await roundShown();
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByTestId('run-status').filter({ hasText: 'running' }).waitFor();
    await waitForRound(paused + 1);
  });

  it('downloads a model version whose bytes decode as a tensor map', async () => {
    const link = page.locator('[data-testid^="weights-v"]').first();
    const downloading = page.waitForEvent('download');
    await link.click();
    const file = await (await downloading).path();
    const map = decodeTensorMap(new Uint8Array(readFileSync(file)));
    const names = [...map.keys()];
    expect(names.length).toBeGreaterThan(0);
    const total = [...map.values()].reduce((n, t) => n + t.data.length, 0);
    expect(total).toBe(199_210);
  });

  it('lists the run with its progress, at desktop and phone width', async () => {
    await page.getByRole('link', { name: '← All runs' }).click();
    const row = page.getByTestId('runs-table').getByRole('row', { name: /dashboard e2e/ });
    await row.waitFor();
    expect(await row.textContent()).toMatch(/running.*fedavg/s);
    await page.screenshot({ path: `${ARTIFACTS_DIR}runs-list.png`, fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: `${ARTIFACTS_DIR}runs-list-phone.png`, fullPage: true });
    await row.getByRole('link').click();
    await page.getByTestId('run-round').waitFor();
    await page.screenshot({ path: `${ARTIFACTS_DIR}run-view-phone.png` });
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('stops the run', async () => {
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.getByTestId('run-status').filter({ hasText: 'stopped' }).waitFor();
    expect((await coordinator.stores.runs.getRun(runId)).status).toBe('stopped');
  });

  it('reconnects by itself after the coordinator restarts', async () => {
    await Promise.all(participants.map((p) => p.stop()));
    participants = [];
    const port = Number(new URL(coordinator.url).port);
    await coordinator.close();
    await page.getByTestId('live-state').filter({ hasText: 'Reconnecting' }).waitFor();
    coordinator = await startCoordinator({ adminToken: ADMIN, port });
    await page.getByTestId('live-state').filter({ hasText: 'Live' }).waitFor({ timeout: 30_000 });
    expect(await apiStatus('/api/runs')).toBe(200);
  });

  it('signs out; the old cookie and the page are refused afterwards', async () => {
    const [cookie] = await context.cookies();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Admin token').waitFor();
    expect(await context.cookies()).toEqual([]);
    expect(await apiStatus('/api/runs')).toBe(401);
    const replay = await fetch(`${coordinator.url}/api/runs`, {
      headers: { cookie: `${cookie!.name}=${cookie!.value}` },
    });
    expect(replay.status).toBe(401);
    await page.reload();
    await page.getByLabel('Admin token').waitFor();
  });
});
