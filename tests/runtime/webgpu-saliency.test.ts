/**
 * The saliency graphs (plain/SmoothGrad input gradients and integrated gradients of
 * a small CNN) and the attention graph of a small causal transformer on onnxruntime-web's
 * native WebGPU provider in headless Chromium (SwiftShader): the placement log must put every
 * node on WebGPU, and the outputs must match onnxruntime-node in this process. Needs Chromium (tests/support/chromium.ts).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.js';
import { serveOrtPage, type OrtPageServer } from '../support/ort-page-server.js';
import { saliencyCases } from './saliency-feeds.js';

const here = dirname(fileURLToPath(import.meta.url));

let server: OrtPageServer | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  server = await serveOrtPage({
    entry: join(here, 'webgpu-saliency-page.ts'),
    title: 'edgefed saliency test',
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function onGpu(names: string[], log: string[]): Promise<Record<string, number[]>[]> {
  if (browser === undefined || server === undefined) throw new Error('no browser');
  const page = await browser.newPage();
  page.on('console', (m) => log.push(m.text()));
  await page.goto(server.origin);
  await page.waitForFunction(() => 'edgefedSaliency' in globalThis);
  const r = await page.evaluate(async (ns) => {
    const run = (
      globalThis as unknown as { edgefedSaliency: (n: string) => Promise<Record<string, number[]>> }
    ).edgefedSaliency;
    const out: Record<string, number[]>[] = [];
    for (const n of ns) out.push(await run(n));
    return out;
  }, names);
  await page.close();
  return r;
}
async function onNode(name: string): Promise<Record<string, Float32Array>> {
  const c = saliencyCases()[name];
  if (c === undefined) throw new Error(`no case ${name}`);
  const session = await ort.InferenceSession.create(c.onnx, { intraOpNumThreads: 1 });
  const feeds: Record<string, ort.Tensor> = {};
  for (const [k, v] of Object.entries(c.feeds)) feeds[k] = new ort.Tensor('float32', v.data, [...v.dims]);
  const out = await session.run(feeds);
  await session.release();
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data as Float32Array]));
}

describe('interpretability graphs on WebGPU', () => {
  it('saliency, integrated gradients, attention: every node on WebGPU, outputs as onnxruntime-node', async () => {
    // one page for all graphs: starting onnxruntime-web's WebGPU provider dominates the time
    const log: string[] = [];
    const names = ['saliency', 'integrated-gradients', 'attention'];
    const gpu = await onGpu(names, log);
    for (const [i, name] of names.entries()) {
      const cpu = await onNode(name);
      for (const [k, ref] of Object.entries(cpu)) {
        const got = gpu[i]?.[k] ?? [];
        expect(got).toHaveLength(ref.length);
        const scale = Math.max(...ref.map((v) => Math.abs(v)));
        expect(scale).toBeGreaterThan(1e-6); // a non-trivial map
        const worst = Math.max(...ref.map((v, j) => Math.abs(v - (got[j] ?? NaN))));
        expect(worst / scale).toBeLessThan(1e-4);
      }
    }
    const placement = log.filter((l) => /placed on \[|Node placements/.test(l));
    expect(placement.filter((l) => l.includes('All nodes placed on [WebGpuExecutionProvider]'))).toHaveLength(
      3,
    );
    expect(placement.filter((l) => l.includes('CPUExecutionProvider'))).toEqual([]);
  });
});
