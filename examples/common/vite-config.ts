/**
 * Vite configuration shared by the browser examples (MNIST, keyboard), as a function so the
 * `example:*` scripts and the browser tests build the same thing. What it sets up:
 * - the page and its Web Worker as ES modules (`worker.format: 'es'`), the edgefed
 *   packages from source (`@edgefed/source` condition);
 * - onnxruntime-web's `.wasm`/`.mjs` files served from `node_modules/onnxruntime-web/dist`
 *   at `/ort/` (the page sets `wasmPaths: '/ort/'`), and onnxruntime-web kept out of
 *   Vite's dependency pre-bundling;
 * - cross-origin isolation headers (COOP/COEP) so wasm can use threads;
 * - `/socket.io` (websocket) and `/models` proxied to the coordinator: one origin, no CORS;
 * - `/shards/<n>.bin`: simulated users' local data (a real app never downloads this): an
 *   MNIST shard, or a keyboard user's earlier text;
 * - `/example/join?model=NAME` (when `join` is given): a join token for the run that trains
 *   that model — what an app's own backend would hand its pages.
 */
import { createReadStream, existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultClientConditions, type InlineConfig, type Plugin } from 'vite';

/** Folder of onnxruntime-web's runtime files. */
export const ORT_DIST = fileURLToPath(new URL('../../node_modules/onnxruntime-web/dist/', import.meta.url));

/** Headers that make the page cross-origin isolated (SharedArrayBuffer, wasm threads). */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
} as const;

/** Options of {@link exampleConfig}. */
export interface ExampleConfigOptions {
  /** The example's folder (holds `index.html`). */
  readonly root: string;
  /** Vite plugin name (for Vite's diagnostics). */
  readonly name: string;
  /** Where the coordinator listens (its own address, not its publicUrl). */
  readonly coordinatorUrl: string;
  /** Encoded shards, served at `/shards/<index>.bin`. */
  readonly shards: readonly Uint8Array[];
  /** Dev/preview port (default 5173). */
  readonly port?: number;
  /** Build output folder (default `<root>/dist`). */
  readonly outDir?: string;
  /** Answers `/example/join?model=NAME`: JSON for the page, or undefined (404) for no such model. */
  readonly join?: (model: string) => Readonly<Record<string, unknown>> | undefined;
}

type Next = (err?: unknown) => void;

function json(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Cache-Control', 'no-store');
  res.end(JSON.stringify(body));
}

function middleware(shards: readonly Uint8Array[], join: ExampleConfigOptions['join']) {
  return (req: IncomingMessage, res: ServerResponse, next: Next): void => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/example/join' && join !== undefined) {
      const model = url.searchParams.get('model') ?? '';
      const answer = join(model);
      if (answer === undefined)
        json(res, 404, { error: { code: 'NOT_FOUND', message: `No run trains model "${model}" here` } });
      else json(res, 200, answer);
      return;
    }
    const shard = /^\/shards\/(\d+)\.bin$/.exec(url.pathname);
    if (shard !== null) {
      const bytes = shards[Number(shard[1])];
      if (bytes === undefined) {
        res.statusCode = 404;
        res.end('no such shard');
        return;
      }
      res.setHeader('Content-Type', 'application/octet-stream');
      res.setHeader('Cache-Control', 'no-store');
      res.end(bytes);
      return;
    }
    const ort = /^\/ort\/([\w.-]+\.(?:wasm|mjs))$/.exec(url.pathname);
    if (ort?.[1] !== undefined && existsSync(ORT_DIST + ort[1])) {
      res.setHeader('Content-Type', ort[1].endsWith('.wasm') ? 'application/wasm' : 'text/javascript');
      for (const [k, v] of Object.entries(ISOLATION_HEADERS)) res.setHeader(k, v);
      res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
      createReadStream(ORT_DIST + ort[1]).pipe(res);
      return;
    }
    next();
  };
}

function examplePlugin(o: ExampleConfigOptions): Plugin {
  return {
    name: o.name,
    configureServer(server) {
      server.middlewares.use(middleware(o.shards, o.join));
    },
    configurePreviewServer(server) {
      server.middlewares.use(middleware(o.shards, o.join));
    },
  };
}

/** The Vite config for dev (`createServer`), `build` and `preview`. */
export function exampleConfig(o: ExampleConfigOptions): InlineConfig {
  const proxy = {
    '/socket.io': { target: o.coordinatorUrl, ws: true },
    '/models': { target: o.coordinatorUrl },
  };
  const port = o.port ?? 5173;
  return {
    configFile: false,
    root: o.root,
    base: '/',
    publicDir: false,
    logLevel: 'warn',
    resolve: { conditions: ['@edgefed/source', ...defaultClientConditions] },
    optimizeDeps: { exclude: ['onnxruntime-web'] },
    worker: { format: 'es' },
    plugins: [examplePlugin(o)],
    build: {
      outDir: o.outDir ?? join(o.root, 'dist'),
      emptyOutDir: true,
      target: 'es2022',
      sourcemap: true,
      chunkSizeWarningLimit: 2000,
    },
    server: { host: '127.0.0.1', port, strictPort: true, headers: ISOLATION_HEADERS, proxy },
    preview: { host: '127.0.0.1', port, strictPort: true, headers: ISOLATION_HEADERS, proxy },
  };
}
