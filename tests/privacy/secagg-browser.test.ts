/**
 * SecAgg+ in a real browser: the shared core (X25519, HKDF, AES-GCM, AES-CTR through Chromium's
 * Web Crypto, PKCS#8 import and JWK export of X25519 keys included) runs a whole round with
 * dropouts in a page, and its sum equals the plain quantized sum. Node runs the same code in the
 * unit tests, so this pins down that browsers and Node agree on every primitive; and a mask
 * expanded in the page (Web Crypto) is byte-identical to the same mask from Node's node:crypto
 * keystream engine, across both engines' chunk boundaries.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandMask, nodeKeystream } from '@edgefed/shared';
import { launchChromium } from '../support/chromium.js';

const entry = fileURLToPath(new URL('./secagg-browser-entry.ts', import.meta.url));

let browser: Browser | undefined;
let server: Server | undefined;
let origin = '';

beforeAll(async () => {
  browser = await launchChromium();
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
  const http = createServer((req, res) => {
    const isScript = req.url === '/secagg.js';
    res.writeHead(200, { 'content-type': isScript ? 'text/javascript' : 'text/html' });
    res.end(isScript ? script : '<!doctype html><title>secagg</title><script src="/secagg.js"></script>');
  });
  server = http;
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  origin = `http://localhost:${(http.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
});

describe('SecAgg+ in Chromium', () => {
  it('runs a round with drops in every phase and unmasks the exact sum', async () => {
    const page = await (browser as Browser).newPage();
    await page.goto(origin);
    const result = await page.evaluate(() =>
      (
        globalThis as unknown as {
          secaggRound: () => Promise<{ equal: boolean; survivors: number; dropped: number }>;
        }
      ).secaggRound(),
    );
    await page.close();
    expect(result).toEqual({ equal: true, survivors: 16, dropped: 2 });
  });

  it("expands a mask byte-identical to Node's node:crypto keystream engine", async () => {
    const seed = Array.from({ length: 32 }, (_, i) => (i * 53 + 7) % 256);
    const length = 600_001; // 2.4 MB: past two 1 MiB chunk boundaries
    const page = await (browser as Browser).newPage();
    await page.goto(origin);
    const inPage = await page.evaluate(
      ([s, n]) =>
        (
          globalThis as unknown as {
            secaggMask: (seed: number[], length: number) => Promise<{ engine: string; sha256: string }>;
          }
        ).secaggMask(s, n),
      [seed, length] as const,
    );
    await page.close();
    const inNode = await expandMask(Uint8Array.from(seed), length, nodeKeystream());
    const sha256 = createHash('sha256').update(inNode).digest('hex');
    expect(inPage).toEqual({ engine: 'webcrypto', sha256 });
  });
});
