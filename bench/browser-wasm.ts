/**
 * onnxruntime-web wasm training in headless Chromium with 1 and N threads: the Trainer's
 * samples/s for the FedAvg `2nn` and `cnn` on a page that is cross-origin isolated
 * (COOP/COEP headers, so SharedArrayBuffer and wasm threads are available), one fresh
 * page per thread count (ORT applies the first thread count a page sets). The 1-thread run
 * in the same browser is the baseline of every N-thread figure.
 *
 * `npm run bench -- browser-wasm [--models 2nn,cnn] [--batches 10,32] [--threads 1,2]
 * [--seconds 3]`. Chromium is found as the tests find it (EDGEFED_CHROMIUM, usual paths).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../tests/support/chromium.js';
import { serveOrtPage } from '../tests/support/ort-page-server.js';
import type { WasmBenchRequest, WasmBenchResult } from './browser/wasm-page.js';
import type { Benchmark } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));

async function inPage(browser: Browser, origin: string, r: WasmBenchRequest): Promise<WasmBenchResult> {
  const page = await browser.newPage();
  try {
    await page.goto(origin);
    await page.waitForFunction(() => 'edgefedWasmBench' in globalThis);
    return await page.evaluate(
      (req) =>
        (
          globalThis as unknown as { edgefedWasmBench: (x: WasmBenchRequest) => Promise<WasmBenchResult> }
        ).edgefedWasmBench(req),
      r,
    );
  } finally {
    await page.close();
  }
}

const list = (v: string | undefined, d: string): string[] => (v ?? d).split(',').filter((s) => s !== '');

const bench: Benchmark = {
  description: 'browser wasm training samples/s with 1 and N threads (cross-origin isolated page)',
  async run(ctx) {
    const models = list(ctx.args.models, '2nn,cnn');
    const batches = list(ctx.args.batches, '10,32').map(Number);
    const threads = list(ctx.args.threads, '1,2').map(Number);
    const seconds = Number(ctx.args.seconds ?? 3);
    const server = await serveOrtPage({
      entry: join(here, 'browser', 'wasm-page.ts'),
      title: 'edgefed wasm bench',
      crossOriginIsolated: true,
    });
    const { origin } = server;
    const browser = await launchChromium({ webgpu: false });
    try {
      for (const model of models) {
        for (const batchSize of batches) {
          for (const t of threads) {
            const r = await inPage(browser, origin, { model, batchSize, threads: t, seconds });
            if (!r.crossOriginIsolated) throw new Error('the bench page is not cross-origin isolated');
            ctx.report({
              name: `browser-wasm/${model}/B=${String(batchSize)}/threads=${String(t)}`,
              value: r.samplesPerSecond,
              unit: 'samples/s',
              steps: r.steps,
              ...(t === 1 ? {} : { baseline: `browser-wasm/${model}/B=${String(batchSize)}/threads=1` }),
            });
          }
        }
      }
    } finally {
      await browser.close();
      await server.close();
    }
  },
};

export default bench;
