/**
 * Sequence models (char-LSTM, GRU, causal char-transformer, sequence cross-entropy) train on
 * onnxruntime-web's native WebGPU provider in headless Chromium (SwiftShader adapter): the
 * placement log must put every node on WebGPU, and the parameters after a few SGD steps
 * must match onnxruntime-node in this process. Needs /usr/bin/chromium (Debian `chromium`).
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import * as ort from 'onnxruntime-node';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileSeq, trainSeq, type Plain, type SeqResult } from './seq-steps.js';

const here = dirname(fileURLToPath(import.meta.url));
const ortDist = join(here, '..', '..', 'node_modules', 'onnxruntime-web', 'dist');
const STEPS = 3;

const HTML = `<!doctype html><html><head><script type="importmap">
{"imports":{"onnxruntime-web/webgpu":"/ort/ort.webgpu.bundle.min.mjs"}}
</script><script type="module" src="/app.js"></script></head><body>edgefed webgpu seq test</body></html>`;

let server: Server | undefined;
let browser: Browser | undefined;
let origin: string;

beforeAll(async () => {
  const r = await build({
    entryPoints: [join(here, 'webgpu-seq-page.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['@edgefed/source'],
    external: ['onnxruntime-web/webgpu'],
    write: false,
    logLevel: 'error',
  });
  const app = r.outputFiles[0]?.text ?? '';
  const srv = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (type: string, body: string | Buffer): void => {
      res.writeHead(200, { 'content-type': type });
      res.end(body);
    };
    if (url.pathname === '/') {
      send('text/html', HTML);
      return;
    }
    if (url.pathname === '/app.js') {
      send('text/javascript', app);
      return;
    }
    const file = normalize(join(ortDist, url.pathname.replace(/^\/ort\//, '')));
    if (!url.pathname.startsWith('/ort/') || !file.startsWith(ortDist)) {
      res.writeHead(404).end();
      return;
    }
    readFile(file).then(
      (b) => {
        send(file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript', b);
      },
      () => res.writeHead(404).end(),
    );
  });
  server = srv;
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--enable-unsafe-webgpu', '--no-sandbox', '--disable-background-networking', '--no-first-run'],
  });
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => {
    if (server === undefined) resolve();
    else server.close(() => resolve());
  });
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
