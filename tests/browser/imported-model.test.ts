/**
 * The browser example with a model imported from PyTorch, in headless Chromium: the
 * LeNet-5 + BatchNorm fixture is uploaded with `POST /api/models`, a run names it by hash,
 * and an example page opened with `?model=lenet-bn` gets a join token for that run from
 * the example server, receives the imported spec in its task and trains it (wasm: see
 * docs/import.md for onnxruntime-web's WebGPU Conv with 6 input channels). Its upload
 * carries the PyTorch parameter names, BatchNorm running statistics included. A page asking
 * for a model no run trains fails to join with NOT_FOUND.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startExampleStack, type ExampleStack } from '../../examples/browser-mnist/stack.js';
import { consentAndJoin, launchChromium, openUserPage, pageState, type UserPage } from './harness.js';

let stack: ExampleStack | undefined;
let browser: Browser | undefined;
const users: UserPage[] = [];
let runId = '';
let hash = '';

async function api<T>(path: string, init: { method?: string; body?: Uint8Array | string } = {}): Promise<T> {
  if (stack === undefined) throw new Error('no stack');
  const { body, method } = init;
  const res = await fetch(`${stack.coordinatorUrl}${path}`, {
    ...(method === undefined ? {} : { method }),
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : Uint8Array.from(body) }),
    headers: {
      authorization: `Bearer ${stack.coordinator.adminToken}`,
      'content-type': init.body instanceof Uint8Array ? 'application/octet-stream' : 'application/json',
    },
  });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

beforeAll(async () => {
  stack = await startExampleStack({ mode: 'preview', shards: { count: 1, size: 128 } });
  const onnx = readFileSync(new URL('../fixtures/onnx/lenet-bn.onnx', import.meta.url));
  hash = (await api<{ hash: string }>('/api/models?name=lenet-bn', { method: 'POST', body: onnx })).hash;
  const run = await api<{ id: string }>('/api/runs', {
    method: 'POST',
    body: JSON.stringify({
      name: 'imported lenet-bn',
      config: {
        model: { onnx: hash },
        rounds: 1,
        strategy: { name: 'fedavg', minFitClients: 1, minAvailableClients: 1 },
        training: { epochs: 1, batchSize: 32, learningRate: 0.05, maxSteps: 4 },
        roundDeadlineMs: 120_000,
      },
    }),
  });
  runId = run.id;
  stack.offer('lenet-bn', { runId, info: { kind: 'onnx', hash } });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe('browser example with ?model=lenet-bn (imported ONNX)', () => {
  it('refuses a model no run trains', async () => {
    const user = await openUserPage(browser!, stack!.pageFor(0, { model: 'no-such-model', token: '' }));
    await user.page.waitForFunction(() => window.edgefedExample?.status === 'ready');
    await user.page.check('#agree');
    await user.page.click('#join');
    await user.page.waitForFunction(() => window.edgefedExample?.status === 'failed');
    expect((await pageState(user.page)).error).toMatch(/^NOT_FOUND: No run trains model "no-such-model"/);
    await user.context.close();
  });

  it('a page joins the run of the picked model and trains the imported spec', async () => {
    for (const shard of [0]) {
      const user = await openUserPage(
        browser!,
        stack!.pageFor(shard, { model: 'lenet-bn', token: '', backend: 'wasm' }),
      );
      users.push(user);
      await consentAndJoin(user);
    }
    await stack!.coordinator.runs.settled(runId);
    const run = await api<{ status: string; currentRound: number }>(`/api/runs/${runId}`);
    expect(run).toMatchObject({ status: 'completed', currentRound: 1 });
    for (const u of users) {
      const s = await pageState(u.page);
      expect(s.model).toEqual({ model: 'lenet-bn', runId, kind: 'onnx', hash });
      expect(await u.page.textContent('#model')).toContain('lenet-bn (imported ONNX, sha256:');
      expect(s.backend).toBe('wasm');
      expect(s.tasksCompleted).toBe(1);
      const update = s.sent.find((r) => r.tensors !== undefined);
      const names = (update?.tensors ?? []).map((t) => t.name);
      expect(names).toEqual(
        expect.arrayContaining(['conv1.weight', 'conv2.weight', 'bn1.running_mean', 'fc2.weight']),
      );
    }
  });
});
