/**
 * Live task progress through a real coordinator: participants' `progress` messages reach
 * the gateway (`/api/clients` shows them as `task`) and come out as `task-progress` run
 * events; progress about a task that is not the sender's own is ignored. The dashboard
 * (headless Chromium) shows it in the client table's "current task" column, live.
 */
import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJoinToken, type Coordinator, type RunEvent } from '@edgefed/coordinator';
import { ADMIN_TOKEN, TOKEN_SECRET, api, createRun, startInProcess } from '../faults/harness.js';
import { rawParticipant, type RawParticipant } from '../faults/raw-participant.js';
import { ARTIFACTS_DIR, ensureWebBuilt, launchChromium } from './harness.js';

type ProgressEvent = Extract<RunEvent, { type: 'task-progress' }>;

const token = createJoinToken({ secret: TOKEN_SECRET, run: '*' });
let coordinator: Coordinator;
let browser: Browser | undefined;
const raws: RawParticipant[] = [];

beforeAll(async () => {
  coordinator = await startInProcess();
});

afterAll(async () => {
  await browser?.close();
  await Promise.all(raws.map((r) => r.close()));
  await coordinator.close();
});

describe('task progress', () => {
  it('is a task-progress run event and the client’s current task, for its own task only', async () => {
    const progress: ProgressEvent[] = [];
    const wake = new Set<() => void>();
    coordinator.onRunEvent((e) => {
      if (e.type !== 'task-progress') return;
      progress.push(e);
      for (const w of [...wake]) w();
    });
    const until = (n: number): Promise<void> =>
      new Promise((ok) => {
        const check = (): void => {
          if (progress.length < n) return;
          wake.delete(check);
          ok();
        };
        wake.add(check);
        check();
      });
    const joined = await Promise.all([0, 1].map(() => rawParticipant(coordinator.url, token)));
    raws.push(...joined);
    const [a, b] = joined as [RawParticipant, RawParticipant];
    const runId = await createRun(coordinator.url, {
      model: '2nn',
      rounds: 1,
      strategy: { name: 'fedavg', minFitClients: 2, minAvailableClients: 2 },
      roundDeadlineMs: 60_000,
    });
    const [ta, tb] = await Promise.all([a.nextTask(), b.nextTask()]);

    // b reports on a's task (ignored), then a and b on their own.
    await b.conn.send({ type: 'progress', taskId: ta.taskId, step: 999 });
    await a.conn.send({ type: 'progress', taskId: ta.taskId, step: 120, totalSteps: 375, loss: 0.31 });
    await b.conn.send({ type: 'progress', taskId: tb.taskId, step: 3 });
    await until(2);
    // Each socket's messages arrive in order (b's stray report before its own), not across
    // sockets: compare in step order.
    expect([...progress].sort((x, y) => y.step - x.step)).toEqual([
      {
        type: 'task-progress',
        runId,
        round: 1,
        clientId: a.conn.clientId,
        taskId: ta.taskId,
        kind: 'fit',
        step: 120,
        totalSteps: 375,
        loss: 0.31,
      },
      {
        type: 'task-progress',
        runId,
        round: 1,
        clientId: b.conn.clientId,
        taskId: tb.taskId,
        kind: 'fit',
        step: 3,
      },
    ]);

    const clients = await api<{ clients: { clientId: string; task: Record<string, unknown> | null }[] }>(
      coordinator.url,
      '/api/clients',
    );
    const taskOfA = clients.body.clients.find((c) => c.clientId === a.conn.clientId)?.task;
    expect(taskOfA).toMatchObject({
      taskId: ta.taskId,
      runId,
      round: 1,
      step: 120,
      totalSteps: 375,
      loss: 0.31,
    });
    await api(coordinator.url, `/api/runs/${runId}/stop`, { method: 'POST' });
    await Promise.all(joined.map((r) => r.close()));
  });

  it('shows in the dashboard client table, updating live', async () => {
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    await ensureWebBuilt();
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(coordinator.url);
    await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('live-state').filter({ hasText: 'Live' }).waitFor();

    const p = await rawParticipant(coordinator.url, token);
    raws.push(p);
    const runId = await createRun(coordinator.url, {
      model: '2nn',
      rounds: 1,
      strategy: { name: 'fedavg', minFitClients: 1, minAvailableClients: 1 },
      roundDeadlineMs: 60_000,
    });
    const task = await p.nextTask();
    await p.conn.send({ type: 'progress', taskId: task.taskId, step: 120, totalSteps: 375, loss: 0.3127 });
    await page.goto(`${coordinator.url}/#/runs/${encodeURIComponent(runId)}`);
    const table = page.getByTestId('clients-table');
    // Loaded from /api/clients, or live: either way the latest progress.
    await table.getByText('round 1: training, step 120/375, loss 0.31').waitFor();
    await page.evaluate(() => {
      (window as unknown as { noReload: boolean }).noReload = true;
    });
    await p.conn.send({ type: 'progress', taskId: task.taskId, step: 200, totalSteps: 375, loss: 0.25 });
    await table.getByText('round 1: training, step 200/375, loss 0.25').waitFor();
    expect(await page.evaluate(() => (window as unknown as { noReload?: boolean }).noReload)).toBe(true);
    await page.screenshot({ path: `${ARTIFACTS_DIR}task-progress.png`, fullPage: true });
    await api(coordinator.url, `/api/runs/${runId}/stop`, { method: 'POST' });
  });
});
