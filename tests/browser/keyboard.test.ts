/**
 * The keyboard example end to end in headless Chromium: three users' pages (two training on
 * WebGPU, one forced to wasm), each seeded with a different president's State of the Union
 * addresses, type distinctive text into the keyboard, join, and train the tiny keyboard model
 * for two rounds. The central next-character accuracy on every user's held-out text rises,
 * the pages' suggestions (computed in the page from each new global model) get better at
 * putting the right key in the top three, and no websocket frame or request from any page
 * or worker carries the typed text — while the page's own IndexedDB holds it. Under the
 * suggestions, each page highlights the typed characters by the attention weight the
 * prediction gave them (the attention graph's output, computed in the page): one weight per
 * character of the context window, summing to 1.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startKeyboardStack, type KeyboardStack } from '../../examples/browser-keyboard/stack.js';
import {
  encodeText,
  KEYBOARD_CONTEXT,
  normalizeText,
} from '../../examples/browser-keyboard/src/keyboard-model.js';
import { consentAndJoin, launchChromium, openUserPage, pageState, type UserPage } from './harness.js';

const ROUNDS = 2;
/** Where the test leaves its screenshot (copied to docs/images/keyboard.png by hand). */
const ARTIFACTS_DIR = fileURLToPath(new URL('../../test-artifacts/keyboard/', import.meta.url));
/** What each user types: distinctive phrases that are in no address. */
const TYPED = [
  'my quixotic zebra named waldorf juggles kumquats',
  'the pelican banjo orchestra meets on wednesdays',
  'grandma ximena bakes jalapeno fudge for yodelers',
];

let stack: KeyboardStack | undefined;
let browser: Browser | undefined;
const users: UserPage[] = [];

interface KeyboardPageState {
  typedChars: number;
  trainedOnTypedChars: number;
  sessions: { clientId: string; resumedIdentity: boolean; typedChars: number }[];
  models: { round: number; hash: string; heldOutTop3: number }[];
  suggestions?: {
    context: string;
    words: string[];
    nextChars: string[];
    attention: { chars: string[]; weights: number[] };
  };
}

async function keyboardState(u: UserPage): Promise<KeyboardPageState> {
  const s = await u.page.evaluate(() => JSON.stringify(window.edgefedExample ?? null));
  return JSON.parse(s) as KeyboardPageState;
}

beforeAll(async () => {
  stack = await startKeyboardStack({
    mode: 'preview',
    seeds: { users: 3, chars: 6000 },
    model: 'tiny',
    rounds: ROUNDS,
  });
  browser = await launchChromium();
  const s = stack;
  const b = browser;
  users.push(
    ...(await Promise.all([
      openUserPage(b, s.pageFor(0)),
      openUserPage(b, s.pageFor(1)),
      openUserPage(b, s.pageFor(2, { backend: 'wasm' })),
    ])),
  );
  await Promise.all(
    users.map(async (u, i) => {
      await u.page.waitForFunction(() => window.edgefedExample?.status === 'ready', undefined, {
        timeout: 120_000,
      });
      await u.page.fill('#typed', TYPED[i] ?? '');
      await consentAndJoin(u, 120_000);
    }),
  );
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

async function api<T>(path: string): Promise<T> {
  if (stack === undefined) throw new Error('no stack');
  const res = await fetch(`${stack.coordinatorUrl}${path}`, {
    headers: { authorization: `Bearer ${stack.coordinator.adminToken}` },
  });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Byte patterns of a typed phrase: UTF-8, UTF-16 and its token ids as float32 / int32. */
function probes(phrase: string): Buffer[] {
  const words = phrase.split(' ').filter((w) => w.length >= 6);
  const ids = encodeText(phrase);
  return [
    Buffer.from(phrase),
    ...words.map((w) => Buffer.from(w)),
    Buffer.from(phrase, 'utf16le'),
    Buffer.from(Float32Array.from(ids.subarray(0, 12)).buffer),
    Buffer.from(Int32Array.from(ids.subarray(0, 12)).buffer),
  ];
}

describe('keyboard example (headless Chromium)', () => {
  it('three pages train the keyboard model; accuracy and suggestions improve; typed text never leaves', async () => {
    if (stack === undefined) throw new Error('no stack');
    const states = await Promise.all(users.map((u) => pageState(u.page)));
    expect(states.map((s) => s.backend)).toEqual(['webgpu', 'webgpu', 'wasm']);
    for (const [i, u] of users.entries())
      expect((await keyboardState(u)).trainedOnTypedChars).toBe(normalizeText(TYPED[i] ?? '').length);

    const run = await stack.coordinator.runs.create({
      name: 'keyboard-e2e',
      config: stack.runConfig({ rounds: ROUNDS, clients: 3, maxSteps: 6, batchSize: 8 }),
    });
    await stack.coordinator.runs.settled(run.id);
    const record = await api<{ status: string; currentRound: number }>(`/api/runs/${run.id}`);
    expect(record).toMatchObject({ status: 'completed', currentRound: ROUNDS });

    // Central next-character accuracy on every user's held-out tail rises round by round.
    const metrics = await api<{ metrics: { round: number; name: string; value: number; scope: string }[] }>(
      `/api/runs/${run.id}/metrics`,
    );
    const central = (name: string): number[] =>
      metrics.metrics.filter((m) => m.scope === 'central' && m.name === name).map((m) => m.value);
    const accuracy = central('accuracy');
    expect(accuracy).toHaveLength(ROUNDS);
    expect(accuracy[0]!).toBeGreaterThan(0.1); // an untrained model is at ~1/36
    expect(accuracy[ROUNDS - 1]!).toBeGreaterThan(accuracy[0]!);

    // The last global model the pages trained from (version ROUNDS - 1), by content hash.
    const { checkpoints } = await api<{ checkpoints: { version: number; hash: string }[] }>(
      `/api/runs/${run.id}/checkpoints`,
    );
    const lastHash = checkpoints.find((c) => c.version === ROUNDS - 1)?.hash;
    expect(lastHash).toMatch(/^[0-9a-f]{64}$/);

    for (const [i, u] of users.entries()) {
      // Each page suggests from the global models it receives, and the suggestions got better.
      await u.page.waitForFunction(
        (h) =>
          (window.edgefedExample as { models?: { hash: string }[] } | undefined)?.models?.at(-1)?.hash === h,
        lastHash,
        { timeout: 30_000 },
      );
      const k = await keyboardState(u);
      expect(k.models.length).toBeGreaterThanOrEqual(2);
      expect(new Set(k.models.map((m) => m.hash)).size).toBe(k.models.length);
      expect(k.models.at(-1)!.heldOutTop3).toBeGreaterThan(k.models[0]!.heldOutTop3);
      expect(k.suggestions?.nextChars).toHaveLength(3);
      // What the suggestion attended to: the context window's characters, weights summing to 1.
      const att = k.suggestions?.attention;
      expect(att?.chars.join('')).toBe(normalizeText(k.suggestions?.context ?? '').slice(-KEYBOARD_CONTEXT));
      expect(att?.weights).toHaveLength(KEYBOARD_CONTEXT);
      expect(att?.weights.every((w) => w >= 0)).toBe(true);
      expect(att?.weights.reduce((a, w) => a + w, 0)).toBeCloseTo(1, 4);
      expect(Math.max(...(att?.weights ?? []))).toBeGreaterThan(Math.min(...(att?.weights ?? [])));
      const shown = await u.page.$$eval('#attention span', (spans) =>
        spans.map((e) => Number((e as HTMLElement).dataset.weight)),
      );
      expect(shown).toEqual(att?.weights);
      const s = await pageState(u.page);
      expect(s.tasksCompleted).toBe(ROUNDS);
      expect(s.evaluations).toHaveLength(ROUNDS);
      expect(s.sent.filter((r) => r.type === 'upload-chunk+result')).toHaveLength(ROUNDS);

      // The typed text is on the device (the detector finds it there) ...
      const stored = await u.page.evaluate(
        (name) =>
          new Promise<string>((resolve, reject) => {
            const open = indexedDB.open(name);
            open.onerror = () => reject(new Error('open failed'));
            open.onsuccess = () => {
              const get = open.result.transaction('typed').objectStore('typed').get('text');
              get.onsuccess = () => resolve(String(get.result));
            };
          }),
        `edgefed-keyboard-${i}-typed`,
      );
      expect(stored).toBe(TYPED[i]);
      // ... and in no frame (page or worker) or request body of any page.
      for (const other of users) {
        const payloads = [
          ...other.frames.map((f) => f.bytes ?? Buffer.from(f.text ?? '')),
          ...other.requests.flatMap((r) => [Buffer.from(r.url), ...(r.body === undefined ? [] : [r.body])]),
        ];
        expect(payloads.length).toBeGreaterThan(0);
        for (const probe of probes(TYPED[i] ?? ''))
          for (const p of payloads) expect(p.includes(probe)).toBe(false);
      }
      expect(u.requests.every((r) => r.method === 'GET')).toBe(true);
      expect(u.frames.some((f) => f.bytes !== undefined)).toBe(true); // updates did go out
    }
    await users[0]!.page.setViewportSize({ width: 1100, height: 900 });
    await users[0]!.page.screenshot({ path: `${ARTIFACTS_DIR}keyboard.png`, fullPage: true });
  }, 480_000);

  it('text typed after joining is trained on by a new participant with the same client id', async () => {
    const u = users[2]!;
    const before = await keyboardState(u);
    expect(before.sessions).toHaveLength(1);
    const more = `${TYPED[2] ?? ''} and quokkas`;
    await u.page.fill('#typed', more);
    await u.page.waitForFunction(
      () => (window.edgefedExample as { sessions?: unknown[] } | undefined)?.sessions?.length === 2,
      undefined,
      { timeout: 60_000 },
    );
    const after = await keyboardState(u);
    expect(after.trainedOnTypedChars).toBe(normalizeText(more).length);
    expect(after.sessions[1]).toMatchObject({
      clientId: before.sessions[0]!.clientId,
      resumedIdentity: true,
    });
    for (const probe of probes(more))
      for (const f of u.frames) expect((f.bytes ?? Buffer.from(f.text ?? '')).includes(probe)).toBe(false);
  }, 120_000);
});
