/**
 * The dashboard's evaluation section end to end in headless Chromium: a real coordinator
 * (memory store) with central evaluation and three MNIST participants (onnxruntime-node).
 * While the run trains, the page must show — live, without a reload — the central
 * confusion matrix, per-class precision/recall/accuracy and the federated per-client
 * distribution; the test reads them from the page and compares them with the REST API.
 * The round slider must switch the matrix to an earlier round. Screenshots land in
 * test-artifacts/dashboard/ (the ones in docs/images come from here).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Participant } from '@edgefed/client';
import { createSaliencySampler, type Coordinator } from '@edgefed/coordinator';
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

const ADMIN = 'dashboard-eval-admin-token-0123456789';
const ROUNDS = 4;

interface Central {
  round: number;
  report: { counts: number[]; perClass: { precision: number; recall: number; accuracy: number }[] };
}
interface Federated {
  round: number;
  report: { accuracy: { p10: number; worst10Mean: number; std: number; clients: number } };
}

let coordinator: Coordinator;
let browser: Browser;
let page: Page;
let participants: Participant[] = [];
let runId = '';

async function rest<T>(path: string): Promise<T> {
  const res = await fetch(`${coordinator.url}${path}`, { headers: { authorization: `Bearer ${ADMIN}` } });
  return (await res.json()) as T;
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  await ensureWebBuilt();
  const { train, test } = await mnist(1500, 300);
  coordinator = await startCoordinator({
    adminToken: ADMIN,
    centralEvaluator: centralEvaluator(MODEL_2NN, test),
    saliencySampler: createSaliencySampler({ test, count: 6 }),
  });
  participants = await startParticipants(coordinator.url, coordinator.tokenSecret, train, 3);
  browser = await launchChromium();
  page = await (
    await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true })
  ).newPage();
  await page.goto(coordinator.url);
  await page.getByLabel('Admin token').fill(ADMIN);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Runs' }).waitFor();
});

afterAll(async () => {
  await Promise.all(participants.map((p) => p.stop()));
  await (browser as Browser | undefined)?.close();
  await (coordinator as Coordinator | undefined)?.close();
});

describe('dashboard evaluation view', () => {
  it('shows the confusion matrix, per-class metrics and client distribution live', async () => {
    const run = await coordinator.runs.create({
      name: 'evaluation view',
      config: {
        model: '2nn',
        rounds: ROUNDS,
        strategy: { name: 'fedavg', minFitClients: 3, minAvailableClients: 3, minEvaluateClients: 3 },
        training: { epochs: 1, batchSize: 32, learningRate: 0.1 },
        evaluateEvery: 1,
        roundDeadlineMs: 60_000,
      },
    });
    runId = run.id;
    await page.goto(`${coordinator.url}/#/runs/${encodeURIComponent(runId)}`);
    await page.getByTestId('evaluation-panel').waitFor();
    await page.evaluate(() => {
      (window as unknown as { noReload: boolean }).noReload = true;
    });
    await coordinator.runs.start(runId);
    await page.waitForFunction(
      (n) =>
        Number(document.querySelector('[data-testid="confusion-matrix"]')?.getAttribute('data-round')) >= n,
      2,
      { timeout: 90_000 },
    );
    expect(await page.evaluate(() => (window as unknown as { noReload?: boolean }).noReload)).toBe(true);
    await coordinator.runs.settled(runId);
    await page.waitForFunction(
      (n) =>
        Number(document.querySelector('[data-testid="confusion-matrix"]')?.getAttribute('data-round')) ===
          n &&
        Number(document.querySelector('[data-testid="client-distribution"]')?.getAttribute('data-round')) ===
          n,
      ROUNDS,
      { timeout: 30_000 },
    );
    await page.getByTestId('evaluation-panel').screenshot({ path: `${ARTIFACTS_DIR}evaluation-view.png` });
    await page.screenshot({ path: `${ARTIFACTS_DIR}evaluation-run-view.png`, fullPage: true });
  });

  it('reads the same confusion matrix and per-class metrics as the REST API', async () => {
    const { reports } = await rest<{ reports: Central[] }>(`/api/runs/${runId}/evaluations?kind=central`);
    expect(reports.map((r) => r.round)).toEqual([1, 2, 3, 4]);
    const last = reports[ROUNDS - 1]!.report;
    const cells = await page
      .getByTestId('confusion-matrix')
      .locator('td')
      .evaluateAll((tds) =>
        tds.map((td) => [Number(td.dataset.true), Number(td.dataset.pred), Number(td.textContent)]),
      );
    expect(cells).toHaveLength(100);
    for (const [t, p, n] of cells) expect(n).toBe(last.counts[t! * 10 + p!]);
    const rows = await page
      .getByTestId('per-class-table')
      .locator('tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) =>
          ['precision', 'recall', 'accuracy'].map((m) =>
            Number.parseFloat(tr.querySelector(`[data-metric="${m}"]`)?.textContent ?? 'NaN'),
          ),
        ),
      );
    expect(rows).toHaveLength(10);
    rows.forEach((r, c) => {
      const want = last.perClass[c]!;
      expect(r[0]).toBeCloseTo(want.precision * 100, 1);
      expect(r[1]).toBeCloseTo(want.recall * 100, 1);
      expect(r[2]).toBeCloseTo(want.accuracy * 100, 1);
    });
    expect(Number(await page.getByTestId('class-accuracy-chart').getAttribute('data-points'))).toBe(40);
  });

  it('moves the matrix to an earlier round with the slider', async () => {
    const { reports } = await rest<{ reports: Central[] }>(
      `/api/runs/${runId}/evaluations?kind=central&round=1`,
    );
    const slider = page.getByTestId('confusion-round');
    await slider.focus();
    await page.keyboard.press('Home');
    await page.waitForFunction(
      () => document.querySelector('[data-testid="confusion-matrix"]')?.getAttribute('data-round') === '1',
    );
    const first = await page
      .getByTestId('confusion-matrix')
      .locator('td')
      .evaluateAll((tds) => tds.map((td) => Number(td.textContent)));
    expect(first).toEqual(reports[0]!.report.counts);
  });

  it('reads the per-client distribution of the REST API', async () => {
    const { reports } = await rest<{ reports: Federated[] }>(`/api/runs/${runId}/evaluations?kind=federated`);
    expect(reports).toHaveLength(ROUNDS);
    const d = reports[ROUNDS - 1]!.report.accuracy;
    const shown = async (id: string) => Number.parseFloat((await page.getByTestId(id).textContent()) ?? '');
    expect(await shown('client-count')).toBe(3);
    expect(await shown('client-p10')).toBeCloseTo(d.p10 * 100, 1);
    expect(await shown('client-worst10')).toBeCloseTo(d.worst10Mean * 100, 1);
    expect(await shown('client-std')).toBeCloseTo(d.std * 100, 1);
    const counts = (await page.getByTestId('client-histogram').getAttribute('data-counts')) ?? '';
    expect(
      counts
        .split(',')
        .map(Number)
        .reduce((a, b) => a + b, 0),
    ).toBe(3);
    expect(Number(await page.getByTestId('client-fairness-chart').getAttribute('data-points'))).toBe(
      3 * ROUNDS,
    );
  });

  it('downloads the model card of a version from the model list, matching the run', async () => {
    const downloading = page.waitForEvent('download');
    await page.getByTestId(`card-json-v${String(ROUNDS)}`).click();
    const file = await (await downloading).path();
    const card = JSON.parse(readFileSync(file, 'utf8')) as {
      modelDetails: { version: number; parameterCount: number };
      training: { roundsCompleted: number; participation: { distinctClients: number } };
      evaluation: { central: { round: number; perClass: { accuracy: number }[] } };
    };
    const { reports } = await rest<{ reports: Central[] }>(
      `/api/runs/${runId}/evaluations?kind=central&round=${String(ROUNDS)}`,
    );
    expect(card.modelDetails).toMatchObject({ version: ROUNDS, parameterCount: 199_210 });
    expect(card.training).toMatchObject({ roundsCompleted: ROUNDS, participation: { distinctClients: 3 } });
    expect(card.evaluation.central.round).toBe(ROUNDS);
    expect(card.evaluation.central.perClass.map((p) => p.accuracy)).toEqual(
      reports[0]!.report.perClass.map((p) => p.accuracy),
    );
    const md = page.waitForEvent('download');
    await page.getByTestId(`card-md-v${String(ROUNDS)}`).click();
    const text = readFileSync(await (await md).path(), 'utf8');
    expect(text).toContain(`# Model card: evaluation view v${String(ROUNDS)}`);
  });

  it('shows saliency maps of the coordinator’s own test images for the current version', async () => {
    const grid = page.getByTestId('saliency-grid');
    await grid.waitFor();
    expect(await grid.getAttribute('data-version')).toBe(String(ROUNDS));
    const shown = await grid
      .locator('figure')
      .evaluateAll((fs) => fs.map((f) => [Number(f.dataset.label), Number(f.dataset.predicted)]));
    const fromApi = await rest<{ samples: { label: number; predicted: number; saliency: number[] }[] }>(
      `/api/runs/${runId}/saliency?version=${String(ROUNDS)}`,
    );
    expect(shown).toEqual(fromApi.samples.map((s) => [s.label, s.predicted]));
    expect(shown).toHaveLength(6);
    expect(fromApi.samples.every((s) => s.saliency.length === 784 && s.saliency.some((v) => v !== 0))).toBe(
      true,
    );
    expect(await grid.locator('canvas').count()).toBe(12);
    await page.getByTestId('saliency-panel').screenshot({ path: `${ARTIFACTS_DIR}saliency-view.png` });
  });
});
