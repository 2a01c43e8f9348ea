/**
 * The browser participant's local state end to end in headless Chromium (the example page,
 * wasm backend): a page trains one round, is reloaded, and comes back with the same client
 * id (the resume token saved in IndexedDB, within the coordinator's grace period) and trains
 * the next run on the model it cached, without downloading it again (GET /models/ counted at
 * the coordinator). Then "forget me" deletes the IndexedDB store: the next start is a new
 * client with a new device id, and it downloads the model again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startExampleStack, type ExampleStack } from '../../examples/browser-mnist/stack.js';
import { consentAndJoin, launchChromium, openUserPage, pageState, type UserPage } from './harness.js';

const STORE = 'edgefed-mnist-0';
let stack: ExampleStack | undefined;
let browser: Browser | undefined;
let user: UserPage | undefined;
const outDir = mkdtempSync(join(tmpdir(), 'edgefed-reload-page-'));
/** Model downloads that reached the coordinator, by hash. */
const downloads: string[] = [];

beforeAll(async () => {
  stack = await startExampleStack({ mode: 'preview', shards: { count: 1, size: 200 }, outDir });
  stack.coordinator.http.on('request', (req: { url?: string }) => {
    const m = /^\/models\/([0-9a-f]+)/.exec(req.url ?? '');
    if (m?.[1] !== undefined) downloads.push(m[1]);
  });
  browser = await launchChromium();
  user = await openUserPage(browser, stack.pageFor(0, { backend: 'wasm' }));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
  rmSync(outDir, { recursive: true, force: true });
});

interface StoredState {
  readonly exists: boolean;
  readonly deviceId?: string;
  readonly lastClientId?: string;
  readonly hasToken: boolean;
  readonly models: number;
}

/** Reads the page's IndexedDB device store without creating it when it is absent. */
function storedState(page: Page): Promise<StoredState> {
  return page.evaluate(async (name) => {
    const dbs = await indexedDB.databases();
    if (!dbs.some((d) => d.name === name)) return { exists: false, hasToken: false, models: 0 };
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const r = indexedDB.open(name);
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(new Error(String(r.error)));
    });
    const get = <T>(store: string, key?: string): Promise<T> =>
      new Promise((resolve, reject) => {
        const os = db.transaction(store, 'readonly').objectStore(store);
        const r = key === undefined ? os.count() : os.get(key);
        r.onsuccess = () => resolve(r.result as T);
        r.onerror = () => reject(new Error(String(r.error)));
      });
    const identity = await get<{ deviceId: string; lastClientId?: string } | undefined>('meta', 'identity');
    const session = await get<{ resumeToken?: string } | undefined>('meta', 'session');
    const models = await get<number>('models');
    db.close();
    return {
      exists: true,
      ...(identity === undefined ? {} : { deviceId: identity.deviceId }),
      ...(identity?.lastClientId === undefined ? {} : { lastClientId: identity.lastClientId }),
      hasToken: typeof session?.resumeToken === 'string',
      models,
    };
  }, STORE);
}

/** Creates a one-round run for one client and waits until it completed. */
async function trainOneRound(name: string): Promise<void> {
  if (stack === undefined) throw new Error('no stack');
  const run = await stack.coordinator.runs.create({
    name,
    config: {
      model: 'tiny-cnn',
      rounds: 1,
      seed: 7, // same seed, same initial model: the same content hash in every run
      strategy: { name: 'fedavg', minFitClients: 1, minAvailableClients: 1, minFitResults: 1 },
      training: { epochs: 1, batchSize: 16, learningRate: 0.1, maxSteps: 3 },
      roundDeadlineMs: 60_000,
    },
  });
  await stack.coordinator.runs.settled(run.id);
  const record = await stack.coordinator.stores.runs.getRun(run.id);
  expect(record.status).toBe('completed');
}

/** Reloads the page and joins again (a fresh page: new worker, new socket). */
async function reloadAndJoin(u: UserPage): Promise<void> {
  await u.page.reload();
  await consentAndJoin(u);
}

describe('browser participant local state (headless Chromium)', () => {
  it('a reload keeps the client id and the cached model; forget() gives a new identity', async () => {
    if (stack === undefined || user === undefined) throw new Error('no stack');
    const u = user;
    const plane = stack.coordinator.plane;
    const joined: string[] = [];
    const resumed: string[] = [];
    plane.onClientJoined((e) => {
      joined.push(e.clientId);
    });
    plane.onClientResumed((e) => {
      resumed.push(e.clientId);
    });

    expect((await storedState(u.page)).exists).toBe(false);
    await consentAndJoin(u);
    const first = await storedState(u.page);
    expect(first).toMatchObject({ exists: true, hasToken: true, models: 0 });
    expect(joined).toEqual([first.lastClientId]);
    await trainOneRound('before-reload');
    // The run settles when the coordinator has the result; the page hears of it just after.
    await expect.poll(async () => (await pageState(u.page)).tasksCompleted, { timeout: 30_000 }).toBe(1);
    expect(downloads).toHaveLength(1);
    expect((await storedState(u.page)).models).toBe(1);

    // Reload: same device, same coordinator identity, model served from IndexedDB.
    await reloadAndJoin(u);
    const after = await storedState(u.page);
    expect(after.deviceId).toBe(first.deviceId);
    expect(after.lastClientId).toBe(first.lastClientId);
    expect(resumed).toEqual([first.lastClientId]);
    expect(joined).toHaveLength(1);
    expect((await pageState(u.page)).cachedModels).toEqual([downloads[0]]);
    await trainOneRound('after-reload');
    // The run settles when the coordinator has the result; the page hears of it just after.
    await expect.poll(async () => (await pageState(u.page)).tasksCompleted, { timeout: 30_000 }).toBe(1);
    expect(downloads).toHaveLength(1);

    // "Forget me": the store is gone; the next start is a new client and downloads again.
    await u.page.click('#forget');
    await u.page.waitForFunction(() => document.getElementById('status')?.textContent.includes('deleted'));
    expect(await storedState(u.page)).toEqual({ exists: false, hasToken: false, models: 0 });
    await reloadAndJoin(u);
    const fresh = await storedState(u.page);
    expect(fresh.deviceId).not.toBe(first.deviceId);
    expect(fresh.lastClientId).not.toBe(first.lastClientId);
    expect(joined).toEqual([first.lastClientId, fresh.lastClientId]);
    expect(resumed).toHaveLength(1);
    expect((await pageState(u.page)).cachedModels).toEqual([]);
    await trainOneRound('after-forget');
    expect(downloads).toEqual([downloads[0], downloads[0]]);
  }, 120_000);
});
