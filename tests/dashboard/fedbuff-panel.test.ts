/**
 * The dashboard's FedBuff panel in headless Chromium: a real coordinator (memory store) with
 * participants training a `mode: fedbuff` run to completion; the run page shows the staleness
 * histogram, updates per minute and the model version timeline from `GET /api/runs/:id/fedbuff`.
 * A screenshot lands in test-artifacts/dashboard/.
 */
import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Participant } from '@edgefed/client';
import type { Coordinator } from '@edgefed/coordinator';
import { MODEL_2NN } from '@edgefed/shared';
import {
  ARTIFACTS_DIR,
  centralEvaluator,
  ensureWebBuilt,
  launchChromium,
  mnist,
  startCoordinator,
  startParticipants,
} from './harness.js';

const ADMIN = 'dashboard-fedbuff-admin-token-0123456789';
let coordinator: Coordinator;
let browser: Browser;
let participants: Participant[] = [];

beforeAll(async () => {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  await ensureWebBuilt();
  const { train, test } = await mnist(900, 300);
  coordinator = await startCoordinator({
    adminToken: ADMIN,
    centralEvaluator: centralEvaluator(MODEL_2NN, test),
  });
  participants = await startParticipants(coordinator.url, coordinator.tokenSecret, train, 3);
  browser = await launchChromium();
});

afterAll(async () => {
  await Promise.all(participants.map((p) => p.stop()));
  await (browser as Browser | undefined)?.close();
  await (coordinator as Coordinator | undefined)?.close();
});

describe('dashboard FedBuff panel', () => {
  it('shows the version timeline, staleness histogram and updates per minute', async () => {
    const run = await coordinator.runs.create({
      name: 'fedbuff panel',
      config: {
        model: '2nn',
        mode: 'fedbuff',
        rounds: 4,
        training: { batchSize: 16, learningRate: 0.05, maxSteps: 4 },
        fedbuff: { bufferSize: 2, concurrency: 3, maxStaleness: 10 },
      },
    });
    await coordinator.runs.settled(run.id);
    expect((await coordinator.stores.runs.getRun(run.id)).status).toBe('completed');
    const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
    await page.goto(coordinator.url);
    await page.getByLabel('Admin token').fill(ADMIN);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Runs' }).waitFor();
    await page.goto(`${coordinator.url}/#/runs/${encodeURIComponent(run.id)}`);
    const panel = page.getByTestId('fedbuff-panel');
    await panel.waitFor();
    const versions = panel.getByTestId('fedbuff-versions').locator('tbody tr');
    expect(await versions.count()).toBe(4);
    expect(await versions.first().locator('th').textContent()).toBe('v4');
    const histogram = page.getByRole('table', { name: 'staleness histogram' });
    const total = await histogram.locator('.num').allTextContents();
    expect(total.reduce((a, t) => a + Number(t), 0)).toBe(8); // 4 versions x 2 updates
    const perMinute = await page
      .getByRole('table', { name: 'updates per minute' })
      .locator('.num')
      .allTextContents();
    expect(perMinute.reduce((a, t) => a + Number(t), 0)).toBe(8);
    await page.screenshot({ path: `${ARTIFACTS_DIR}fedbuff-panel.png`, fullPage: true });
    await page.close();
  }, 120_000);
});
