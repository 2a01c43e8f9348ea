/**
 * Helpers for the browser participant's end-to-end tests: headless Debian Chromium with
 * WebGPU (SwiftShader), one browser context per simulated user (its own IndexedDB), the
 * example page joined through its consent UI, and a record of everything the page (and
 * its worker) sent: websocket frames (CDP `Network.webSocketFrameSent` on the page and on
 * every worker target) and HTTP requests (interception).
 */
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';

export { launchChromium } from '../support/chromium.js';

/** A sent websocket frame: text (opcode 1) or binary (opcode 2, decoded from base64). */
export interface SentFrame {
  readonly opcode: number;
  readonly text?: string;
  readonly bytes?: Buffer;
}

/** One user's page and what it sent. */
export interface UserPage {
  readonly context: BrowserContext;
  readonly page: Page;
  readonly frames: SentFrame[];
  readonly requests: { url: string; method: string; body?: Buffer }[];
  readonly console: string[];
}

interface FrameEvent {
  readonly response: { readonly opcode: number; readonly payloadData: string };
}

function pushFrame(frames: SentFrame[], e: FrameEvent): void {
  const { opcode, payloadData } = e.response;
  frames.push(
    opcode === 2 ? { opcode, bytes: Buffer.from(payloadData, 'base64') } : { opcode, text: payloadData },
  );
}

function recordFrames(session: CDPSession, frames: SentFrame[]): void {
  session.on('Network.webSocketFrameSent', (e: FrameEvent) => {
    pushFrame(frames, e);
  });
}

interface AttachedEvent {
  readonly sessionId: string;
  readonly targetInfo: { readonly type: string };
}

interface ChildMessage {
  readonly sessionId: string;
  readonly message: string;
}

/**
 * Dedicated workers are separate CDP targets: auto-attach to them through the page's
 * session (non-flattened, so their messages arrive on this session), enable Network in each
 * and record their `webSocketFrameSent` events too.
 */
async function attachToWorkers(cdp: CDPSession, user: UserPage): Promise<void> {
  cdp.on('Target.attachedToTarget', (e: AttachedEvent) => {
    const send = (id: number, method: string): Promise<unknown> =>
      cdp.send('Target.sendMessageToTarget', {
        sessionId: e.sessionId,
        message: JSON.stringify({ id, method }),
      });
    void send(1, 'Network.enable')
      .then(() => send(2, 'Runtime.runIfWaitingForDebugger'))
      .catch((err: unknown) => user.console.push(`worker cdp: ${String(err)}`));
  });
  cdp.on('Target.receivedMessageFromTarget', (e: ChildMessage) => {
    const m = JSON.parse(e.message) as { method?: string; params?: FrameEvent };
    if (m.method === 'Network.webSocketFrameSent' && m.params !== undefined) pushFrame(user.frames, m.params);
  });
  await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: true, flatten: false });
}

/** Opens the page for `url` in a fresh context, recording frames (page and workers) and requests. */
export async function openUserPage(browser: Browser, url: string): Promise<UserPage> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const user: UserPage = { context, page, frames: [], requests: [], console: [] };
  page.on('console', (m) => user.console.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => user.console.push(`pageerror: ${e.message}`));
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  recordFrames(cdp, user.frames);
  await attachToWorkers(cdp, user);
  await context.route('**/*', async (route) => {
    const req = route.request();
    const body = req.postDataBuffer();
    user.requests.push({ url: req.url(), method: req.method(), ...(body === null ? {} : { body }) });
    await route.continue();
  });
  await page.goto(url);
  return user;
}

/** Ticks "I agree", clicks Join and waits until the page reports `joined`. */
export async function consentAndJoin(user: UserPage, timeoutMs = 60_000): Promise<void> {
  await user.page.waitForFunction(() => window.edgefedExample?.status === 'ready', undefined, {
    timeout: timeoutMs,
  });
  await user.page.check('#agree');
  await user.page.click('#join');
  await user.page.waitForFunction(
    () => ['joined', 'failed'].includes(window.edgefedExample?.status ?? ''),
    undefined,
    { timeout: timeoutMs },
  );
  const state = await pageState(user.page);
  if (state.status !== 'joined')
    throw new Error(`page failed to join: ${state.error ?? '?'}\n${user.console.join('\n')}`);
}

/** The example page's state (see examples/browser-mnist/src/main.ts). */
export interface PageState {
  status: string;
  error?: string;
  backend?: string;
  backendReason?: string;
  currentTask?: { taskId: string; round: number; kind: string; step: number };
  tasksCompleted: number;
  tasksFailed: { taskId: string; code: string }[];
  evaluations: { before: { accuracy: number }; after: { accuracy: number }; exampleCount: number }[];
  sent: {
    type: string;
    bytes: number;
    note?: string;
    taskId?: string;
    tensors?: { name: string; shape: number[] }[];
  }[];
  bytesSent: number;
  cachedModels: string[];
  model?: { model: string; runId: string; kind?: string; hash?: string };
  localModelVersion?: number;
  explanation?: {
    status: string;
    error?: string;
    modelVersion?: number;
    backend?: string;
    predicted?: number;
    probabilities?: number[];
    input?: number[];
    saliency?: number[];
    insideInk?: { inside: number; area: number };
    ms?: number;
  };
}

declare global {
  interface Window {
    edgefedExample?: PageState;
  }
}

/** Reads the page's state. */
export async function pageState(page: Page): Promise<PageState> {
  const s = await page.evaluate(() => JSON.stringify(window.edgefedExample ?? null));
  return JSON.parse(s) as PageState;
}

/** Makes the page hidden, as a switched-away tab would be, and fires `visibilitychange`. */
export async function hidePage(page: Page): Promise<void> {
  await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
    document.dispatchEvent(new Event('visibilitychange'));
  });
}

/** Undoes {@link hidePage}: the page is visible again (and says so with `visibilitychange`). */
export async function showPage(page: Page): Promise<void> {
  await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => false });
    document.dispatchEvent(new Event('visibilitychange'));
  });
}
