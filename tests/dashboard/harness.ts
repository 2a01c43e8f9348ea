/**
 * Helpers for the dashboard's browser tests: build the page once (Vite) when its bundle
 * is missing, a coordinator on 127.0.0.1 with the memory store and a fixed admin token,
 * participants training on MNIST shards with onnxruntime-node, and headless Chromium
 * (Debian's, through playwright-core).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { launchChromium as launchHeadless } from '../support/chromium.js';
import { createDataSource, createParticipant, createTrainerEngine, type Participant } from '@edgefed/client';
import {
  createCoordinator,
  createJoinToken,
  loadConfig,
  memoryLogger,
  silentLogger,
  type CentralEvaluator,
  type SaliencySampler,
  type Coordinator,
} from '@edgefed/coordinator';
import { partitionIid, type Dataset } from '@edgefed/shared';

/** The coordinator package folder. */
export const COORDINATOR_DIR = fileURLToPath(new URL('../../coordinator/', import.meta.url));
/** Where screenshots go (gitignored). */
export const ARTIFACTS_DIR = fileURLToPath(new URL('../../test-artifacts/dashboard/', import.meta.url));

/** Builds the page with Vite unless `coordinator/dist-web/index.html` exists already. */
export async function ensureWebBuilt(): Promise<void> {
  if (existsSync(`${COORDINATOR_DIR}dist-web/index.html`)) return;
  const { build } = await import('vite');
  await build({ configFile: `${COORDINATOR_DIR}vite.config.ts`, logLevel: 'warn' });
}

/** Options of {@link startCoordinator}. */
export interface StartOptions {
  readonly adminToken: string;
  /** 0 picks a free port; pass the old port to "restart" on it. */
  readonly port?: number;
  readonly centralEvaluator?: CentralEvaluator;
  readonly saliencySampler?: SaliencySampler;
  /** Keeps the coordinator's warnings and errors here (JSON lines) instead of discarding them. */
  readonly logLines?: string[];
}

/** A coordinator listening on 127.0.0.1 with the memory store. */
export async function startCoordinator(o: StartOptions): Promise<Coordinator> {
  const config = loadConfig({
    overrides: {
      server: { port: o.port ?? 0, host: '127.0.0.1' },
      store: { kind: 'memory' },
      auth: { adminToken: o.adminToken },
      log: { level: 'silent' },
    },
  });
  const coordinator = await createCoordinator({
    config,
    logger: o.logLines === undefined ? silentLogger() : memoryLogger(o.logLines),
    ...(o.centralEvaluator === undefined ? {} : { centralEvaluator: o.centralEvaluator }),
    ...(o.saliencySampler === undefined ? {} : { saliencySampler: o.saliencySampler }),
  });
  await coordinator.listen();
  return coordinator;
}

export { centralEvaluator, mnistSubset as mnist } from '../federation/helpers.js';

/** Starts `count` participants on seeded IID shards of `train`. */
export async function startParticipants(
  url: string,
  tokenSecret: string,
  train: Dataset,
  count: number,
): Promise<Participant[]> {
  const token = createJoinToken({ secret: tokenSecret, run: '*' });
  const partition = partitionIid(train.size, { numClients: count, seed: 7 });
  const out: Participant[] = [];
  for (let c = 0; c < count; c++) {
    const indices = partition.indices.subarray(partition.offsets[c], partition.offsets[c + 1]);
    const split = createDataSource(train, { indices }).split(0.1, 7 + c);
    const engine = await createTrainerEngine({ train: split.train, test: split.heldOut });
    out.push(
      await createParticipant({ url, token, engine, transports: ['websocket'], deviceClass: 'virtual' }),
    );
  }
  return out;
}

/** Headless Chromium without WebGPU (the dashboard needs none). */
export function launchChromium(): Promise<Browser> {
  return launchHeadless({ webgpu: false });
}
