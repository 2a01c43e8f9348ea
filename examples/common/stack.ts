/**
 * A browser example's whole stack on one machine: a coordinator (its model links pointing at
 * the page's origin) and a Vite server for the page that proxies the coordinator and serves
 * the simulated users' shards. Shared by the MNIST and keyboard examples (`npm run
 * example:browser`, `npm run example:keyboard`: dev server) and the browser tests (built
 * page + preview server).
 */
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, createServer, preview } from 'vite';
import {
  createCoordinator,
  createJoinToken,
  loadConfig,
  silentLogger,
  createLogger,
  type CentralEvaluator,
  type Coordinator,
} from '@edgefed/coordinator';
import { exampleConfig } from './vite-config.js';

/** Options of {@link startStack}. */
export interface StackOptions {
  /** `dev`: Vite dev server (edit and reload); `preview`: build once, serve the build. */
  readonly mode: 'dev' | 'preview';
  /** The example's folder (holds `index.html`). */
  readonly root: string;
  /** Vite plugin name. */
  readonly name: string;
  /** Each simulated user's local data, served at `/shards/<n>.bin`. */
  readonly shards: readonly Uint8Array[];
  /** Extra query parameters of every {@link ExampleStack.pageFor} URL (e.g. a model size). */
  readonly pageParams?: Readonly<Record<string, string>>;
  /** Page port (default: a free one). */
  readonly port?: number;
  /** SQLite data directory (default: a fresh temp dir). */
  readonly dataDir?: string;
  readonly centralEvaluator?: CentralEvaluator;
  /** Coordinator log level (default silent). */
  readonly logLevel?: 'silent' | 'info' | 'debug';
  /** Skip `vite build` in preview mode when the build exists (tests run it once). */
  readonly outDir?: string;
}

/** A model a page can ask for with `?model=NAME` (see {@link ExampleStack.offer}). */
export interface OfferedModel {
  /** The run that trains it. */
  readonly runId: string;
  /** What the page shows, e.g. `{ kind: 'onnx', hash: 'sha256:...' }`. */
  readonly info?: Readonly<Record<string, unknown>>;
}

/** A running stack. */
export interface ExampleStack {
  readonly coordinator: Coordinator;
  /** The coordinator's own address (REST API, admin). */
  readonly coordinatorUrl: string;
  /** The page's origin. */
  readonly pageUrl: string;
  /** A join token for any run. */
  readonly token: string;
  readonly shards: readonly Uint8Array[];
  /** The page URL for shard `n` (with the token). */
  pageFor(shard: number, extra?: Record<string, string>): string;
  /**
   * Lets pages ask for `model` (`?model=NAME`): `/example/join?model=NAME` then answers a
   * join token scoped to the run that trains it, with `info`.
   */
  offer(model: string, offered: OfferedModel): void;
  close(): Promise<void>;
}

/** A port that was free a moment ago (the page's port must be known before the coordinator starts). */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function startPageServer(
  mode: StackOptions['mode'],
  config: ReturnType<typeof exampleConfig>,
): Promise<{ close: () => Promise<void> }> {
  if (mode === 'dev') {
    const server = await createServer(config);
    await server.listen();
    return { close: () => server.close() };
  }
  await build(config);
  const server = await preview(config);
  return { close: () => server.close() };
}

/** Starts the coordinator and the page server. */
export async function startStack(o: StackOptions): Promise<ExampleStack> {
  const port = o.port ?? (await freePort());
  const pageUrl = `http://127.0.0.1:${port}`;
  const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'edgefed-browser-'));
  const level = o.logLevel ?? 'silent';
  const config = loadConfig({
    overrides: {
      server: { port: 0, host: '127.0.0.1', publicUrl: pageUrl },
      store: { kind: 'sqlite', dataDir },
      log: { level },
    },
  });
  const coordinator = await createCoordinator({
    config,
    logger: level === 'silent' ? silentLogger() : createLogger(level),
    ...(o.centralEvaluator === undefined ? {} : { centralEvaluator: o.centralEvaluator }),
  });
  await coordinator.listen();
  const coordinatorUrl = `http://127.0.0.1:${(coordinator.http.address() as AddressInfo).port}`;
  const shards = o.shards;
  const offered = new Map<string, OfferedModel>();
  const joinFor = (model: string): Record<string, unknown> | undefined => {
    const m = offered.get(model);
    if (m === undefined) return undefined;
    const token = createJoinToken({ secret: coordinator.tokenSecret, run: m.runId });
    return { model, runId: m.runId, token, ...m.info };
  };
  const page = await startPageServer(
    o.mode,
    exampleConfig({
      root: o.root,
      name: o.name,
      coordinatorUrl,
      shards,
      port,
      join: joinFor,
      ...(o.outDir === undefined ? {} : { outDir: o.outDir }),
    }),
  );
  const token = createJoinToken({ secret: coordinator.tokenSecret, run: '*' });
  return {
    coordinator,
    coordinatorUrl,
    pageUrl,
    token,
    shards,
    offer: (model, m) => {
      offered.set(model, m);
    },
    pageFor: (shard, extra = {}) =>
      `${pageUrl}/?${new URLSearchParams({ shard: String(shard), token, ...o.pageParams, ...extra }).toString()}`,
    async close() {
      await page.close();
      await coordinator.close();
    },
  };
}
