/**
 * A one-page HTTP server for tests and benchmarks that run edgefed code in headless
 * Chromium: it bundles a browser entry with esbuild (edgefed packages from source,
 * onnxruntime-web left to the page's import map), serves it at `/app.js` behind a minimal
 * `index.html`, and serves onnxruntime-web's own files from `node_modules` at `/ort/`.
 * Optionally cross-origin isolated (COOP/COEP), which wasm threads need. Loopback only.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** onnxruntime-web's dist folder. */
export const ORT_DIST = fileURLToPath(new URL('../../node_modules/onnxruntime-web/dist/', import.meta.url));

const IMPORT_MAP = {
  imports: {
    'onnxruntime-web': '/ort/ort.bundle.min.mjs',
    'onnxruntime-web/webgpu': '/ort/ort.webgpu.bundle.min.mjs',
  },
};

const ISOLATION = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};

/** Options of {@link serveOrtPage}. */
export interface OrtPageOptions {
  /** Absolute path of the TypeScript entry bundled into `/app.js`. */
  readonly entry: string;
  /** Page title (shows in failures). */
  readonly title: string;
  /** Send COOP/COEP headers on every response (default false). */
  readonly crossOriginIsolated?: boolean;
}

/** A running page server. */
export interface OrtPageServer {
  readonly origin: string;
  close(): Promise<void>;
}

async function bundle(entry: string): Promise<string> {
  const r = await build({
    entryPoints: [entry],
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

/** Bundles `entry` and serves the page on 127.0.0.1 (a free port). */
export async function serveOrtPage(o: OrtPageOptions): Promise<OrtPageServer> {
  const app = await bundle(o.entry);
  const html =
    `<!doctype html><html><head><title>${o.title}</title><script type="importmap">` +
    `${JSON.stringify(IMPORT_MAP)}</script><script type="module" src="/app.js"></script></head>` +
    `<body>${o.title}</body></html>`;
  const extra = o.crossOriginIsolated === true ? ISOLATION : {};
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const send = (type: string, body: string | Buffer): void => {
      res.writeHead(200, { 'content-type': type, ...extra });
      res.end(body);
    };
    if (path === '/' || path === '/app.js') {
      send(contentType(path === '/' ? '.html' : '.js'), path === '/' ? html : app);
      return;
    }
    const file = normalize(join(ORT_DIST, path.replace(/^\/ort\//, '')));
    if (!path.startsWith('/ort/') || !file.startsWith(ORT_DIST)) {
      res.writeHead(404).end();
      return;
    }
    readFile(file).then(
      (b) => {
        send(contentType(file), b);
      },
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
