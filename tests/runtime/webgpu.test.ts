/**
 * The same training steps on WebGPU (headless Chromium, SwiftShader adapter) and wasm in
 * the page, compared with onnxruntime-node in this process; ORT's placement log
 * (logSeverityLevel 0) must show no node of the WebGPU sessions on the CPU provider.
 * Needs Chromium (found by tests/support/chromium.ts); never downloads a browser.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNodeBackend, createTrainer } from '@edgefed/client';
import { MODEL_TINY_CNN, onnxModelSpec } from '@edgefed/shared';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/chromium.js';
import { serveOrtPage, type OrtPageServer } from '../support/ort-page-server.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIT, syntheticMnist, type CaseResult, type PageResult, type SyntheticShape } from './webgpu-page.js';

const here = dirname(fileURLToPath(import.meta.url));

let server: OrtPageServer | undefined;
let browser: Browser | undefined;
let origin: string;

beforeAll(async () => {
  server = await serveOrtPage({ entry: join(here, 'webgpu-page.ts'), title: 'edgefed webgpu test' });
  origin = server.origin;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function inPage(
  backend: 'webgpu' | 'wasm',
  log: string[],
  spec?: unknown,
  shape?: SyntheticShape,
): Promise<PageResult> {
  if (browser === undefined) throw new Error('no browser');
  const page = await browser.newPage();
  page.on('console', (m) => log.push(m.text()));
  await page.goto(origin);
  await page.waitForFunction(() => 'edgefedTrain' in globalThis);
  const r = await page.evaluate(
    ([b, s, sh]) =>
      (
        globalThis as unknown as {
          edgefedTrain: (n: string, s?: unknown, sh?: SyntheticShape) => Promise<PageResult>;
        }
      ).edgefedTrain(b, s, sh),
    [backend, spec, shape] as const,
  );
  await page.close();
  return r;
}

async function reference(
  spec: unknown = MODEL_TINY_CNN,
  shape?: SyntheticShape,
): Promise<Record<string, Float32Array>> {
  const trainer = await createTrainer({
    spec,
    backend: await createNodeBackend({ intraOpNumThreads: 1 }),
    compileOptions: { loss: 'softmax-cross-entropy', optimizer: { type: 'sgd' } },
  });
  for await (const _ of trainer.fit(syntheticMnist(32, shape), FIT)) {
    // train
  }
  return Object.fromEntries([...trainer.getParameters()].map(([k, t]) => [k, t.data as Float32Array]));
}

function maxRelDiff(ref: Record<string, Float32Array>, got: Record<string, number[]>): number {
  let worst = 0;
  for (const [k, a] of Object.entries(ref)) {
    const b = got[k];
    if (b?.length !== a.length) return Number.POSITIVE_INFINITY;
    a.forEach((x, i) => {
      const y = b[i] ?? Number.NaN;
      worst = Math.max(worst, Math.abs(x - y) / Math.max(1e-2, Math.abs(x)));
    });
  }
  return worst;
}

async function conformanceInPage(backend: 'webgpu', only: readonly string[]): Promise<CaseResult[]> {
  if (browser === undefined) throw new Error('no browser');
  const page = await browser.newPage();
  await page.goto(origin);
  await page.waitForFunction(() => 'edgefedConformance' in globalThis);
  const r = await page.evaluate(
    ([b, o]) =>
      (
        globalThis as unknown as {
          edgefedConformance: (n: string, o: readonly string[]) => Promise<CaseResult[]>;
        }
      ).edgefedConformance(b, o),
    [backend, only] as const,
  );
  await page.close();
  return r;
}

describe('training in headless Chromium', () => {
  // The same runner-agnostic cases that node and wasm pass under Vitest
  // (client/src/runtime/backend-conformance.test.ts, participant/engine-conformance.test.ts).
  // A part of the backend suite only: on SwiftShader each of its cases costs 3-8 s (the
  // first run of every fresh session), the whole suite ~35 s; the engine suite is ~5 s.
  it('passes the engine suite and part of the backend suite on WebGPU', async () => {
    const only = ['steps match a float64 reference', 'bad input', 'released session', 'trainer (webgpu)'];
    const results = await conformanceInPage('webgpu', only);
    expect(results.map((r) => r.name)).toEqual(
      expect.arrayContaining([
        'webgpu: 8 steps match a float64 reference (loss and weights)',
        'webgpu: bad input is refused with stable codes',
        'trainer (webgpu): a fit lowers the loss on held-out data and leaves the global model untouched',
      ]),
    );
    expect(results.length).toBe(11);
    expect(results.filter((r) => r.error !== undefined)).toEqual([]);
  });

  it('matches onnxruntime-node on WebGPU and wasm, with no WebGPU node on the CPU', async () => {
    const ref = await reference();
    const gpuLog: string[] = [];
    const gpu = await inPage('webgpu', gpuLog);
    const wasm = await inPage('wasm', []);
    expect(gpu.backend).toBe('webgpu');
    expect(wasm.backend).toBe('wasm');
    expect(gpu.losses.length).toBeGreaterThan(0);
    expect(maxRelDiff(ref, wasm.params)).toBeLessThan(1e-5);
    expect(maxRelDiff(ref, gpu.params)).toBeLessThan(1e-5);
    const placement = gpuLog.filter((l) => /placed on \[|Node placements/.test(l));
    expect(placement.some((l) => l.includes('All nodes placed on [WebGpuExecutionProvider]'))).toBe(true);
    expect(placement.filter((l) => l.includes('CPUExecutionProvider'))).toEqual([]);
  });

  // The imported model in the page on wasm. Not on WebGPU: onnxruntime-web's Conv over 6
  // input channels (this model's conv2) is wrong on SwiftShader (docs/import.md).
  it('trains an imported PyTorch model (LeNet-5, BatchNorm, Dropout) in the page like onnxruntime-node', async () => {
    const onnx = await readFile(join(here, '..', 'fixtures', 'onnx', 'lenet-bn.onnx'));
    const spec = onnxModelSpec(new Uint8Array(onnx));
    const ref = await reference(spec);
    const wasm = await inPage('wasm', [], spec);
    expect(wasm.backend).toBe('wasm');
    expect(Object.keys(wasm.params)).toContain('bn2.running_var');
    expect(maxRelDiff(ref, wasm.params)).toBeLessThan(1e-4);
  });

  // An imported model whose Convs avoid the affected channel counts trains on WebGPU with
  // every node on the WebGPU EP: the depthwise-separable block (stem 3 -> 8, depthwise 8,
  // pointwise 8 -> 16, BatchNorm). (The `ops` fixture differs from onnxruntime-node by up
  // to 6e-4 relative after 4 steps on SwiftShader; not investigated, see docs/import.md.)
  it.each([['dsconv', { featureShape: [3, 9, 9], numClasses: 4 }]] as const)(
    'trains the imported %s fixture on WebGPU like onnxruntime-node',
    async (name, shape) => {
      const onnx = await readFile(join(here, '..', 'fixtures', 'onnx', `${name}.onnx`));
      const spec = onnxModelSpec(new Uint8Array(onnx));
      const ref = await reference(spec, shape);
      const log: string[] = [];
      const gpu = await inPage('webgpu', log, spec, shape);
      expect(gpu.backend).toBe('webgpu');
      expect(maxRelDiff(ref, gpu.params)).toBeLessThan(1e-4);
      const placement = log.filter((l) => /placed on \[|Node placements/.test(l));
      expect(placement.some((l) => l.includes('All nodes placed on [WebGpuExecutionProvider]'))).toBe(true);
      expect(placement.filter((l) => l.includes('CPUExecutionProvider'))).toEqual([]);
    },
  );
});
