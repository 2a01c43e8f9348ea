/**
 * Sequence models (char-LSTM, GRU, causal char-transformer, sequence cross-entropy) train on
 * onnxruntime-web's native WebGPU provider in headless Chromium (SwiftShader adapter): the
 * placement log must put every node on WebGPU, and the parameters after a few SGD steps
 * must match onnxruntime-node in this process. Needs Chromium (found by tests/support/chromium.ts).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/chromium.js';
import { serveOrtPage, type OrtPageServer } from '../support/ort-page-server.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileSeq, trainSeq, type Plain, type SeqResult } from './seq-steps.js';

const here = dirname(fileURLToPath(import.meta.url));
const STEPS = 3;

let server: OrtPageServer | undefined;
let browser: Browser | undefined;
let origin: string;

beforeAll(async () => {
  server = await serveOrtPage({ entry: join(here, 'webgpu-seq-page.ts'), title: 'edgefed webgpu seq test' });
  origin = server.origin;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function onGpu(name: string, log: string[]): Promise<SeqResult> {
  if (browser === undefined) throw new Error('no browser');
  const page = await browser.newPage();
  page.on('console', (m) => log.push(m.text()));
  await page.goto(origin);
  await page.waitForFunction(() => 'edgefedTrainSeq' in globalThis);
  const r = await page.evaluate(
    ([n, s]) =>
      (
        globalThis as unknown as { edgefedTrainSeq: (n: string, s: number) => Promise<SeqResult> }
      ).edgefedTrainSeq(n, s),
    [name, STEPS] as const,
  );
  await page.close();
  return r;
}

async function onNode(name: string): Promise<SeqResult> {
  const model = compileSeq(name);
  const session = await ort.InferenceSession.create(model.trainStep.onnx, { intraOpNumThreads: 1 });
  return trainSeq(
    model,
    async (feeds) => {
      const f: Record<string, ort.Tensor> = {};
      for (const [k, v] of Object.entries(feeds)) f[k] = new ort.Tensor('float32', v.data, [...v.dims]);
      const out = await session.run(f);
      const res: Record<string, Plain> = {};
      for (const [k, v] of Object.entries(out)) res[k] = { dims: [...v.dims], data: v.data as Float32Array };
      return res;
    },
    STEPS,
  );
}

function maxRelDiff(a: Record<string, number[]>, b: Record<string, number[]>): number {
  let worst = 0;
  for (const [k, x] of Object.entries(a)) {
    const y = b[k];
    if (y?.length !== x.length) return Number.POSITIVE_INFINITY;
    x.forEach((v, i) => {
      worst = Math.max(worst, Math.abs(v - (y[i] ?? Number.NaN)) / Math.max(1e-2, Math.abs(v)));
    });
  }
  return worst;
}

describe('sequence models on WebGPU in headless Chromium', () => {
  it.each(['lstm', 'gru', 'transformer'])(
    '%s: all nodes on WebGPU, parameters match onnxruntime-node',
    async (name) => {
      const log: string[] = [];
      const gpu = await onGpu(name, log);
      const ref = await onNode(name);
      expect(gpu.losses.every(Number.isFinite)).toBe(true);
      expect(maxRelDiff(ref.params, gpu.params)).toBeLessThan(1e-4);
      const placement = log.filter((l) => /placed on \[|Node placements/.test(l));
      expect(placement.some((l) => l.includes('All nodes placed on [WebGpuExecutionProvider]'))).toBe(true);
      expect(placement.filter((l) => l.includes('CPUExecutionProvider'))).toEqual([]);
    },
    300_000,
  );
});
