/**
 * SecAgg+ in a real browser: the shared core (X25519, HKDF, AES-GCM, AES-CTR through Chromium's
 * Web Crypto, PKCS#8 import and JWK export of X25519 keys included) runs a whole round with
 * dropouts in a page, and its sum equals the plain quantized sum. Node runs the same code in the
 * unit tests, so this pins down that browsers and Node agree on every primitive.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.js';

const entry = fileURLToPath(new URL('./secagg-browser-entry.ts', import.meta.url));

let browser: Browser | undefined;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

describe('SecAgg+ in Chromium', () => {
  it('runs a round with drops in every phase and unmasks the exact sum', async () => {
    const bundle = await build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      format: 'iife',
      platform: 'browser',
      target: 'es2022',
      conditions: ['@edgefed/source'],
      logLevel: 'error',
    });
    const script = bundle.outputFiles[0]?.text ?? '';
    // Web Crypto's subtle exists only in secure contexts: serve the page from http://localhost
    const server = createServer((req, res) => {
      const isScript = req.url === '/secagg.js';
      res.writeHead(200, { 'content-type': isScript ? 'text/javascript' : 'text/html' });
      res.end(isScript ? script : '<!doctype html><title>secagg</title><script src="/secagg.js"></script>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const page = await (browser as Browser).newPage();
    await page.goto(`http://localhost:${(server.address() as AddressInfo).port}/`);
    const result = await page.evaluate(() =>
      (
        globalThis as unknown as {
          secaggRound: () => Promise<{ equal: boolean; survivors: number; dropped: number }>;
        }
      ).secaggRound(),
    );
    await page.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(result).toEqual({ equal: true, survivors: 16, dropped: 2 });
  });
});
