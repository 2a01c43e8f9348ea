/**
 * The new-run form with uploaded ONNX models, in headless Chromium against a real
 * coordinator: the picker lists a model uploaded over REST, an upload from the page's file
 * input is validated (an unsupported model shows `UNSUPPORTED_OP` with its nodes) and
 * selected, and the run it creates names the model by hash with the FedBN option; one
 * participant then trains a round of it.
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Participant } from '@edgefed/client';
import type { Coordinator } from '@edgefed/coordinator';
import { ensureWebBuilt, launchChromium, mnist, startCoordinator, startParticipants } from './harness.js';

const ADMIN = 'dashboard-onnx-admin-token-0123456789';
const FIXTURES = fileURLToPath(new URL('../fixtures/onnx/', import.meta.url));
const sha = (file: string): string =>
  `sha256:${createHash('sha256')
    .update(readFileSync(`${FIXTURES}${file}`))
    .digest('hex')}`;

let coordinator: Coordinator;
let browser: Browser;
let page: Page;
let participants: Participant[] = [];

beforeAll(async () => {
  await ensureWebBuilt();
  coordinator = await startCoordinator({ adminToken: ADMIN });
  const res = await fetch(`${coordinator.url}/api/models?name=mlp`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/octet-stream' },
    body: readFileSync(`${FIXTURES}mlp.onnx`),
  });
  expect(res.status).toBe(201);
  browser = await launchChromium();
  page = await browser.newPage();
});

afterAll(async () => {
  await Promise.all(participants.map((p) => p.stop()));
  await (browser as Browser | undefined)?.close();
  await (coordinator as Coordinator | undefined)?.close();
});

describe('new-run form with uploaded ONNX models', () => {
  it('lists the uploaded model, uploads another from the page, and refuses an unsupported one', async () => {
    await page.goto(coordinator.url);
    await page.getByLabel('Admin token').fill(ADMIN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Runs' }).waitFor();
    await page.getByRole('link', { name: 'New run' }).first().click();
    await page.getByLabel('Model', { exact: true }).selectOption('onnx');
    const picker = page.getByLabel('Uploaded model');
    await picker.locator('option', { hasText: 'mlp' }).waitFor({ state: 'attached' });
    expect(await picker.inputValue()).toBe(sha('mlp.onnx'));

    await page.getByLabel('Upload an ONNX model').setInputFiles(`${FIXTURES}unsupported.onnx`);
    const refused = page.getByTestId('onnx-message');
    await refused.filter({ hasText: 'UNSUPPORTED_OP' }).waitFor();
    expect(await refused.textContent()).toContain('CumSum');

    await page.getByLabel('Upload an ONNX model').setInputFiles(`${FIXTURES}lenet-bn.onnx`);
    await page.getByTestId('onnx-message').filter({ hasText: 'Uploaded lenet-bn' }).waitFor();
    expect(await picker.inputValue()).toBe(sha('lenet-bn.onnx'));
    const options = await picker.locator('option').allTextContents();
    expect(options).toHaveLength(2);
    expect(options[1]).toMatch(/^lenet-bn — sha256:/);
    expect(await page.getByTestId('onnx-summary').textContent()).toContain('BatchNormalization');
  });

  it('creates a run that names the picked model with FedBN, and it trains', async () => {
    await page.getByLabel('FedBN: keep BatchNorm tensors on each client').check();
    await page.getByLabel('Name', { exact: true }).fill('onnx run');
    await page.getByLabel('Rounds', { exact: true }).fill('1');
    await page.getByLabel('Minimum clients').fill('1');
    await page.getByLabel('Evaluate every N rounds').fill('0');
    await page.getByRole('button', { name: 'Create run' }).click();
    await page.waitForURL(/#\/runs\//);
    const runId = decodeURIComponent(page.url().split('#/runs/')[1] ?? '');
    const run = (await (
      await fetch(`${coordinator.url}/api/runs/${runId}`, { headers: { authorization: `Bearer ${ADMIN}` } })
    ).json()) as { config: { model: unknown } };
    expect(run.config.model).toEqual({ onnx: sha('lenet-bn.onnx'), localBn: true });
    const { train } = await mnist(320, 10);
    participants = await startParticipants(coordinator.url, coordinator.tokenSecret, train, 1);
    await coordinator.runs.settled(runId);
    await page.getByTestId('run-status').filter({ hasText: 'completed' }).waitFor();
  });
});
