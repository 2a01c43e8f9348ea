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
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../tests/support/chromium.js';
import type { WasmBenchRequest, WasmBenchResult } from './browser/wasm-page.js';
import type { Benchmark } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const ortDist = join(here, '..', 'node_modules', 'onnxruntime-web', 'dist');
const HTML = `<!doctype html><html><head><script type="importmap">
{"imports":{"onnxruntime-web":"/ort/ort.bundle.min.mjs"}}
</script><script type="module" src="/app.js"></script></head><body>edgefed wasm bench</body></html>`;
const ISOLATION = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};

async function bundle(): Promise<string> {
  const r = await build({
    entryPoints: [join(here, 'browser', 'wasm-page.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['@edgefed/source'],
    external: ['onnxruntime-web', 'onnxruntime-web/webgpu', 'onnxruntime-node'],
    write: false,
    logLevel: 'error',
  });
  return r.outputFiles[0]?.text ?? '';
}

function contentType(path: string): string {
  if (path.endsWith('.wasm')) return 'application/wasm';
  return path.endsWith('.html') ? 'text/html' : 'text/javascript';
}

async function serve(app: string): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const send = (type: string, body: string | Buffer): void => {
      res.writeHead(200, { 'content-type': type, ...ISOLATION });
      res.end(body);
    };
    if (path === '/' || path === '/app.js') {
      send(path === '/' ? 'text/html' : 'text/javascript', path === '/' ? HTML : app);
      return;
    }
    const file = normalize(join(ortDist, path.replace(/^\/ort\//, '')));
    if (!path.startsWith('/ort/') || !file.startsWith(ortDist)) return void res.writeHead(404).end();
    readFile(file).then(
      (b) => send(contentType(file), b),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

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
    const { server, origin } = await serve(await bundle());
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
      server.close();
    }
  },
};

export default bench;
