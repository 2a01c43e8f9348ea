/**
 * The browser participant end to end in headless Chromium: the example page (built with
 * Vite, served with the coordinator proxied) in three browser contexts — two training on
 * WebGPU (SwiftShader), one forced to wasm — completes three rounds of tiny-cnn on MNIST
 * shards and the central accuracy improves. The coordinator checks every update's tensor
 * names and shapes; the pages' network logs show no training example ever left. Then one
 * page is hidden mid-task: its participant fails the task cleanly (NOT_ELIGIBLE) and the
 * round completes with the other two. In between, the user of a WebGPU page draws a 7 on
 * the page's pad (synthetic pointer events): the page predicts it with the newest global
 * model and computes its SmoothGrad saliency map on the device with WebGPU; both match
 * onnxruntime-node on the same model and input, the map's energy lies mostly inside the
 * strokes' bounding box, and no frame or request carries the map.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { MODEL_TINY_CNN, decodeTensorMap, decompressUpdate, type TensorMap } from '@edgefed/shared';
import { computeSaliency, createNodeBackend } from '@edgefed/client';
import { loadDataset } from '@edgefed/coordinator';
import { startExampleStack, type ExampleStack } from '../../examples/browser-mnist/stack.js';
import { SMOOTH_GRAD } from '../../examples/browser-mnist/src/explainer.js';
import { saliencyInsideInk } from '../../examples/browser-mnist/src/mnist-input.js';
import { shardPixels } from '../../examples/browser-mnist/src/shard-format.js';
import { centralEvaluator } from '../federation/helpers.js';
import { mnistEngines, startParticipants } from '../faults/harness.js';
import {
  consentAndJoin,
  hidePage,
  launchChromium,
  openUserPage,
  pageState,
  showPage,
  type UserPage,
} from './harness.js';

let stack: ExampleStack | undefined;
let browser: Browser | undefined;
const users: UserPage[] = [];
const uploads = new Map<string, Map<number, Uint8Array>>();
let trainedRun = '';
/** Task ids whose `secagg-shares` the coordinator received, and waiters for more. */
const sharesSeen = new Set<string>();
const sharesIn = new Map<string, () => void>();
/** Task ids whose `secagg-unmask` answer the coordinator received. */
const unmaskedTasks = new Set<string>();
let evaluate: ReturnType<typeof centralEvaluator> | undefined;
/** Where the drawing test leaves its screenshot (copied to docs/images/explain-digit.png by hand). */
const ARTIFACTS_DIR = fileURLToPath(new URL('../../test-artifacts/browser/', import.meta.url));

beforeAll(async () => {
  const test = await loadDataset('mnist', 'test', { limit: 1000 });
  evaluate = centralEvaluator(MODEL_TINY_CNN, test);
  stack = await startExampleStack({
    mode: 'preview',
    shards: { count: 3, size: 300 },
    centralEvaluator: evaluate,
  });
  stack.coordinator.plane.onMessage('secagg-shares', ({ message }) => {
    sharesSeen.add(message.taskId);
    sharesIn.get(message.taskId)?.();
  });
  stack.coordinator.plane.onMessage('secagg-unmask', ({ message }) => {
    unmaskedTasks.add(message.taskId);
  });
  stack.coordinator.plane.onMessage('upload-chunk', ({ message }) => {
    const chunks = uploads.get(message.payloadId) ?? new Map<number, Uint8Array>();
    chunks.set(message.index, message.data.slice());
    uploads.set(message.payloadId, chunks);
  });
  browser = await launchChromium();
  const s = stack;
  const b = browser;
  const pages = await Promise.all([
    openUserPage(b, s.pageFor(0)),
    openUserPage(b, s.pageFor(1)),
    openUserPage(b, s.pageFor(2, { backend: 'wasm' })),
  ]);
  users.push(...pages);
  for (const u of users) await consentAndJoin(u);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

async function api<T>(path: string, init: { method?: string; body?: string } = {}): Promise<T> {
  if (stack === undefined) throw new Error('no stack');
  const res = await fetch(`${stack.coordinatorUrl}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${stack.coordinator.adminToken}`, 'content-type': 'application/json' },
  });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function modelAt(runId: string, version: number): Promise<TensorMap> {
  if (stack === undefined) throw new Error('no stack');
  const res = await fetch(`${stack.coordinatorUrl}/api/runs/${runId}/model?version=${version}`, {
    headers: { authorization: `Bearer ${stack.coordinator.adminToken}` },
  });
  return decodeTensorMap(new Uint8Array(await res.arrayBuffer()));
}

function assemble(chunks: Map<number, Uint8Array>): Uint8Array {
  const parts = [...chunks.entries()].sort((a, b) => a[0] - b[0]).map(([, c]) => c);
  return Buffer.concat(parts);
}

/** Probes per image: its middle row as raw bytes, and 8 of its pixels as float32 features. */
function probes(shard: Uint8Array): Buffer[] {
  const pixels = shardPixels(shard);
  const out: Buffer[] = [];
  for (let i = 0; i < pixels.length / 784; i++) {
    const row = pixels.subarray(i * 784 + 14 * 28, i * 784 + 15 * 28);
    const start = row.findIndex((v) => v > 0);
    if (start < 0 || row.filter((v) => v > 0).length < 6) continue;
    out.push(Buffer.from(row));
    const floats = Float32Array.from(row.subarray(start, start + 8), (v) => v / 255);
    out.push(Buffer.from(floats.buffer));
  }
  return out;
}

const PROTOCOL_EVENTS = new Set(['hello', 'progress', 'upload-chunk', 'result', 'error', 'heartbeat']);

describe('browser participants (headless Chromium)', () => {
  it('two WebGPU pages and one wasm page train tiny-cnn for three rounds; nothing but updates leaves', async () => {
    if (stack === undefined) throw new Error('no stack');
    const states = await Promise.all(users.map((u) => pageState(u.page)));
    expect(states.map((s) => s.backend)).toEqual(['webgpu', 'webgpu', 'wasm']);
    expect(states[0]?.backendReason).toMatch(/WebGPU adapter/);
    expect(states[2]?.backendReason).toMatch(/wasm forced/);

    const run = await stack.coordinator.runs.create({
      name: 'browser-e2e',
      config: {
        model: 'tiny-cnn',
        rounds: 3,
        strategy: { name: 'fedavg', minFitClients: 3, minAvailableClients: 3, minFitResults: 3 },
        training: { epochs: 1, batchSize: 16, learningRate: 0.1, maxSteps: 6 },
        roundDeadlineMs: 90_000,
      },
    });
    await stack.coordinator.runs.settled(run.id);
    trainedRun = run.id;
    const record = await api<{ status: string; currentRound: number }>(`/api/runs/${run.id}`);
    expect(record).toMatchObject({ status: 'completed', currentRound: 3 });

    const metrics = await api<{ metrics: { round: number; name: string; value: number; scope: string }[] }>(
      `/api/runs/${run.id}/metrics`,
    );
    const accuracy = metrics.metrics.filter((m) => m.scope === 'central' && m.name === 'accuracy');
    expect(accuracy.map((m) => m.round)).toEqual([1, 2, 3]);
    expect(accuracy[2]!.value).toBeGreaterThan(accuracy[0]!.value);

    // Every update the coordinator received is a tensor map shaped exactly like the model.
    const initial = await modelAt(run.id, 0);
    const expected = [...initial].map(([name, t]) => [name, [...t.shape]]);
    expect(uploads.size).toBe(9);
    const wireShapes = new Set<string>();
    for (const chunks of uploads.values()) {
      const wire = decodeTensorMap(assemble(chunks));
      wireShapes.add(JSON.stringify([...wire].map(([name, t]) => [name, [...t.shape]])));
      const update = decompressUpdate(wire);
      expect([...update].map(([name, t]) => [name, [...t.shape]])).toEqual(expected);
    }
    expect(wireShapes.size).toBe(1);

    // Pages: three fits each, local accuracy before/after, a transparency record per upload.
    for (const u of users) {
      const s = await pageState(u.page);
      expect(s.tasksCompleted).toBe(3);
      expect(s.evaluations).toHaveLength(3);
      const ups = s.sent.filter((r) => r.type === 'upload-chunk+result');
      expect(ups).toHaveLength(3);
      // The log lists exactly the tensors on the wire (the model's, plus the codec's header).
      for (const r of ups)
        expect(JSON.stringify(r.tensors?.map((t) => [t.name, t.shape]))).toBe([...wireShapes][0]);
    }

    // Network logs: only protocol messages and update chunks; no run of any shard's pixels.
    for (const [i, u] of users.entries()) {
      const texts = u.frames.filter((f) => f.text !== undefined).map((f) => f.text ?? '');
      const binary = u.frames.filter((f) => f.bytes !== undefined).map((f) => f.bytes ?? Buffer.alloc(0));
      expect(texts.length, u.console.join('\n')).toBeGreaterThan(0);
      // socket.io packets: 4 (message) 2|5 (event|binary event) [attachments-][ack id] [name, ...]
      const events = texts
        .filter((t) => /^4[25]/.test(t))
        .map((t) => (JSON.parse(t.replace(/^4[25](\d+-)?(\/[^,]*,)?\d*/, '')) as unknown[])[0]);
      for (const e of events) expect(PROTOCOL_EVENTS.has(String(e))).toBe(true);
      expect(events.filter((e) => e === 'upload-chunk').length).toBeGreaterThanOrEqual(3);
      const payloads = [
        ...binary,
        ...texts.map((t) => Buffer.from(t)),
        ...u.requests.flatMap((r) => r.body ?? []),
      ];
      const shardProbes = probes(stack.shards[i]!);
      // The detector finds the data where it is: in the shard itself.
      expect(shardProbes.length).toBeGreaterThan(100);
      expect(Buffer.from(stack.shards[i]!).includes(shardProbes[0]!)).toBe(true);
      for (const probe of shardProbes) {
        for (const p of payloads) expect(p.includes(probe)).toBe(false);
      }
      expect(u.requests.every((r) => r.method === 'GET')).toBe(true);
    }
  }, 240_000);

  it('a drawn digit is predicted and explained on the device (WebGPU); the map is never sent', async () => {
    const u = users[0]!;
    const { page } = u;
    const framesBefore = u.frames.length;
    const requestsBefore = u.requests.length;
    // The page has the global model of the run's last task (version 2 of 3).
    expect((await pageState(page)).localModelVersion).toBe(2);
    // Draw a 7 in one stroke: pad coordinates are 0-280, shown at the canvas's CSS size.
    const box = await page.locator('#pad').boundingBox();
    if (box === null) throw new Error('no pad');
    const at = (x: number, y: number): [number, number] => [
      box.x + (x * box.width) / 280,
      box.y + (y * box.height) / 280,
    ];
    await page.mouse.move(...at(80, 60));
    await page.mouse.down();
    await page.mouse.move(...at(200, 60), { steps: 8 });
    await page.mouse.move(...at(120, 230), { steps: 12 });
    await page.mouse.up();
    await page.waitForFunction(
      () => ['done', 'failed'].includes(window.edgefedExample?.explanation?.status ?? ''),
      undefined,
      { timeout: 60_000 },
    );
    const e = (await pageState(page)).explanation;
    expect(e?.status, e?.error).toBe('done');
    if (e?.input === undefined || e.saliency === undefined || e.probabilities === undefined)
      throw new Error('no map');
    expect(e).toMatchObject({ backend: 'webgpu', modelVersion: 2 });
    expect(await page.locator('#prediction').textContent()).toContain(`Looks like a ${e.predicted}`);
    expect(await page.locator('#probabilities meter').count()).toBe(10);
    // The drawing became an MNIST-style digit: about 20 px tall, inside the 28x28 frame.
    const inked = e.input.flatMap((v, i) => (v > 0.05 ? [Math.floor(i / 28)] : []));
    expect(inked.length).toBeGreaterThan(40);
    expect(Math.max(...inked) - Math.min(...inked)).toBeGreaterThanOrEqual(18);
    // Same prediction and map as onnxruntime-node on the coordinator's copy of the model.
    const node = await createNodeBackend({ intraOpNumThreads: 1 });
    const [ref] = await computeSaliency({
      backend: node,
      spec: MODEL_TINY_CNN,
      parameters: await modelAt(trainedRun, 2),
      inputs: Float32Array.from(e.input),
      smoothGrad: SMOOTH_GRAD,
    });
    expect(e.predicted).toBe(ref?.predicted);
    e.probabilities.forEach((p, c) => expect(p).toBeCloseTo(ref?.probabilities[c] ?? NaN, 4));
    const scale = Math.max(...e.saliency.map(Math.abs));
    expect(scale).toBeGreaterThan(0);
    e.saliency.forEach((v, i) => expect(Math.abs(v - (ref?.saliency[i] ?? NaN))).toBeLessThan(1e-3 * scale));
    // Non-trivial and on the strokes: most of the energy inside the ink's bounding box
    // (an untrained tiny-cnn's map of this 7 spreads out: 0.41 inside, on onnxruntime-node).
    const spread = new Set(e.saliency.map((v) => v.toFixed(6))).size;
    expect(spread).toBeGreaterThan(100);
    const ink = saliencyInsideInk(e.input, e.saliency);
    expect(ink).toEqual(e.insideInk);
    expect(ink.inside).toBeGreaterThan(0.5);
    expect(ink.inside).toBeGreaterThan(ink.area);
    // Computed locally, never sent: nothing but heartbeats/pings went out meanwhile, no
    // frame or request body anywhere holds the map's largest values (float32 or text).
    const sal = e.saliency;
    const top = sal
      .map((v, i) => [Math.abs(v), i] as const)
      .sort((a, b) => b[0] - a[0])
      .slice(0, 3)
      .map(([, i]) => i);
    const probesOf = top.flatMap((i) => [
      Buffer.from(Float32Array.of(...sal.slice(i, i + 2)).buffer),
      Buffer.from(String(sal[i])),
    ]);
    for (const f of u.frames.slice(framesBefore)) expect(f.text ?? '').toMatch(/^(2|3|42\["heartbeat")/);
    expect(u.requests.slice(requestsBefore).every((r) => r.method === 'GET' && r.body === undefined)).toBe(
      true,
    );
    const payloads = [
      ...u.frames.map((f) => f.bytes ?? Buffer.from(f.text ?? '')),
      ...u.requests.flatMap((r) => r.body ?? []),
    ];
    for (const probe of probesOf) for (const p of payloads) expect(p.includes(probe)).toBe(false);
    await page.locator('#explain').screenshot({ path: `${ARTIFACTS_DIR}explain-digit.png` });
  }, 120_000);

  it('a page hidden mid-task fails its task cleanly and the round completes with the others', async () => {
    if (stack === undefined) throw new Error('no stack');
    const hidden = users[1]!;
    const before = await pageState(hidden.page);
    const run = await stack.coordinator.runs.create({
      name: 'browser-hidden',
      config: {
        model: 'tiny-cnn',
        rounds: 1,
        strategy: { name: 'fedavg', minFitClients: 3, minAvailableClients: 3, minFitResults: 2 },
        training: { epochs: 1, batchSize: 16, learningRate: 0.1, maxSteps: 40 },
        roundDeadlineMs: 90_000,
      },
    });
    // Wait until the page is training this run's task (a step reported), then hide it.
    await hidden.page.waitForFunction(
      (done) => {
        const s = window.edgefedExample;
        return s?.currentTask !== undefined && s.tasksCompleted === done && s.currentTask.step > 0;
      },
      before.tasksCompleted,
      { timeout: 60_000 },
    );
    await hidePage(hidden.page);
    await stack.coordinator.runs.settled(run.id);

    const record = await api<{ status: string; currentRound: number }>(`/api/runs/${run.id}`);
    expect(record).toMatchObject({ status: 'completed', currentRound: 1 });
    const rounds = await api<{ rounds: { state: string; completedCount: number }[] }>(
      `/api/runs/${run.id}/rounds`,
    );
    expect(rounds.rounds).toHaveLength(1);
    expect(rounds.rounds[0]).toMatchObject({ state: 'completed', completedCount: 2 });

    const s = await pageState(hidden.page);
    const failed = s.tasksFailed.find((f) => f.taskId === s.currentTask?.taskId);
    expect(failed?.code).toBe('NOT_ELIGIBLE');
    expect(s.tasksCompleted).toBe(before.tasksCompleted);
    // The coordinator was told (an `error` for the task), and the page's log says so.
    await hidden.page.waitForFunction(
      (id) => window.edgefedExample?.sent.some((r) => r.type === 'error' && r.taskId === id) === true,
      s.currentTask?.taskId,
      { timeout: 10_000 },
    );
    const errorFrames = hidden.frames.filter((f) => f.text?.includes('"NOT_ELIGIBLE"') === true);
    expect(errorFrames.length).toBe(1);
  }, 150_000);
  it('a secure (SecAgg+) round completes after a page closes mid-round, its masks rebuilt', async () => {
    if (stack === undefined || evaluate === undefined) throw new Error('no stack');
    // SecAgg+ needs at least 3 masked inputs, and with 3 clients (k = 2, t = 2) one leaving
    // would leave each survivor's self-mask one share short: a Node participant (real
    // training on its own MNIST shard) makes the fourth, so the three pages + it give k = 3,
    // t = 2, and one page closing leaves 3 survivors that can rebuild everything.
    const [first, shown, wasm] = users;
    const closing = first!;
    await showPage(shown!.page); // hidden by the previous test
    const node = await startParticipants(stack.coordinatorUrl, stack.token, await mnistEngines(1, 300));
    try {
      const before = await pageState(closing.page);
      const run = await stack.coordinator.runs.create({
        name: 'browser-secure',
        config: {
          model: 'tiny-cnn',
          rounds: 1,
          maxRoundAttempts: 1,
          // all four selected, three uploads close the masked-upload phase
          strategy: {
            name: 'fedavg',
            fractionFit: 0.75,
            overSelection: 1.34,
            minFitClients: 3,
            minAvailableClients: 4,
            minFitResults: 3,
          },
          training: { epochs: 1, batchSize: 16, learningRate: 0.1, maxSteps: 12 },
          secureAggregation: { maxClients: 10 },
          roundDeadlineMs: 90_000,
        },
      });
      // close the page right after the coordinator has its encrypted shares: it is then in
      // everyone's masks, and the unmasking must rebuild its pairwise masks from key shares
      // (currentTask keeps the last task after it ends: wait for a new one)
      await closing.page.waitForFunction(
        (last) => {
          const t = window.edgefedExample?.currentTask;
          return t !== undefined && t.taskId !== last && t.kind === 'fit';
        },
        before.currentTask?.taskId ?? '',
        { timeout: 60_000, polling: 100 },
      );
      const taskId = (await pageState(closing.page)).currentTask?.taskId ?? '';
      await new Promise<void>((ok, fail) => {
        if (sharesSeen.has(taskId)) ok();
        else sharesIn.set(taskId, ok);
        setTimeout(() => fail(new Error(`no secagg-shares for ${taskId} in 60 s`)), 60_000).unref();
      });
      // CDP reports the page's (worker's) frames asynchronously: wait until the shares frame is
      // in the page's own log too, so closing the page cannot cut its report short
      const sentByClosing = (): string[] => [
        ...closing.frames.flatMap((f) => (f.text === undefined ? [] : [f.text])),
        ...closing.requests.flatMap((r) => (r.body === undefined ? [] : [r.body.toString('utf8')])),
      ];
      const sharesSent = (): boolean =>
        sentByClosing().some((t) => t.includes('"secagg-shares"') && t.includes(taskId));
      for (let waited = 0; !sharesSent() && waited < 15_000; waited += 100) {
        await new Promise((r) => setTimeout(r, 100));
      }
      await closing.page.close();
      await stack.coordinator.runs.settled(run.id);

      const record = await api<{ status: string }>(`/api/runs/${run.id}`);
      const rounds = await api<{
        rounds: {
          state: string;
          selectedCount: number;
          completedCount: number;
          droppedCount: number;
          trainMetrics: Record<string, number>;
        }[];
      }>(`/api/runs/${run.id}/rounds`);
      const pages = await Promise.all([shown!, wasm!].map((u) => pageState(u.page)));
      const why = JSON.stringify({ rounds, failed: pages.map((p) => p.tasksFailed) });
      expect(record.status, why).toBe('completed');
      expect(rounds.rounds).toHaveLength(1);
      expect(rounds.rounds[0]).toMatchObject({ state: 'completed', selectedCount: 4, completedCount: 3 });
      // the closed page shared its keys (so it is "dropped" in the unmasking), never uploaded
      expect(rounds.rounds[0]?.trainMetrics).toMatchObject({
        secureAggregation: 1,
        secaggSurvivors: 3,
        secaggDropped: 1,
      });
      const sent = sentByClosing();
      expect(sharesSent()).toBe(true);
      expect(sent.some((t) => t.includes('"result"') && t.includes(taskId))).toBe(false);
      // Both remaining pages (WebGPU and wasm) masked their update and answered the unmasking.
      for (const u of [shown!, wasm!]) {
        const ups = (await pageState(u.page)).sent.filter((r) => r.type === 'upload-chunk+result');
        expect(unmaskedTasks.has(ups.at(-1)?.taskId ?? '')).toBe(true);
      }
      // The new model is the global plus the unmasked weighted mean of the three survivors'
      // updates. Their individual updates never leave the pages in the clear, so the check is
      // what a leftover mask would break: every coordinate of the mean inside the clip range
      // (a mask left in spreads coordinates over about +-10^4), and the model learned.
      const g0 = await modelAt(run.id, 0);
      const g1 = await modelAt(run.id, 1);
      let maxChange = 0;
      for (const [name, t] of g0) {
        const next = g1.get(name)?.data ?? new Float32Array(0);
        t.data.forEach((v, i) => (maxChange = Math.max(maxChange, Math.abs((next[i] ?? NaN) - v))));
      }
      expect(maxChange).toBeGreaterThan(0);
      expect(maxChange).toBeLessThanOrEqual(2);
      const accuracyOf = async (m: TensorMap): Promise<number> => {
        const r = await evaluate!(m, 1, AbortSignal.timeout(60_000));
        const metrics = (r as { metrics?: Record<string, number> }).metrics ?? (r as Record<string, number>);
        return metrics.accuracy ?? NaN;
      };
      const [a0, a1] = [await accuracyOf(g0), await accuracyOf(g1)];
      expect(a1).toBeGreaterThan(a0 + 0.05);
    } finally {
      await Promise.all(node.map((p) => p.stop()));
    }
  }, 150_000);
});
