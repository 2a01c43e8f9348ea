/**
 * createBrowserParticipant: the page-side API of a browser participant. It returns the same
 * `Participant` handle as `createParticipant` (clientId, backend, transparency log, events,
 * stop, done) while the training, the socket and the device store live in a Web Worker (by
 * default) so the page stays responsive. The page watches the participation policy's
 * conditions and tells the worker; training stops cleanly when they stop holding.
 */
import { EdgefedError, type Dataset } from '@edgefed/shared';
import type { Participant } from '../participant/participant.js';
import { TransparencyLog } from '../participant/transparency-log.js';
import { checkBackendPreference, type BackendPreference } from './backend-choice.js';
import { DEFAULT_STORE_NAME, forgetDevice, type DeviceIdentity } from './device-store.js';
import { watchDeviceConditions, type ConditionsWatcher } from './device-conditions.js';
import {
  checkPolicy,
  evaluatePolicy,
  type DeviceConditions,
  type ParticipationPolicy,
  type PolicyVerdict,
} from './policy.js';
import { BrowserEvents, type BrowserParticipantEventMap } from './browser-events.js';
import { hostParticipant } from './participant-host.js';
import {
  fromWire,
  type FromHost,
  type HostReady,
  type MessageEndpoint,
  type ToHost,
} from './worker-protocol.js';

/** Options of {@link createBrowserParticipant}. */
export interface BrowserParticipantOptions {
  readonly url: string;
  readonly token: string;
  /** The user's local data; it is copied into the worker and never sent anywhere. */
  readonly train: Dataset;
  /** Held-out local data (federated evaluation; local accuracy before/after). */
  readonly test?: Dataset;
  /** Consent and conditions. Without consent `createBrowserParticipant` throws NOT_ELIGIBLE. */
  readonly policy: ParticipationPolicy;
  /** `auto` (default: WebGPU if an adapter works, else wasm), or force one. */
  readonly backend?: BackendPreference;
  /** onnxruntime-web asset folder (`ort.env.wasm.wasmPaths`), e.g. `/ort/`. */
  readonly wasmPaths?: string;
  readonly wasmThreads?: number;
  /** IndexedDB database for models and identity (default `edgefed`); `false`: keep nothing. */
  readonly store?: string | false;
  /**
   * `true` (default): train in a module Web Worker started from this package;
   * `false`: train on the page's thread; or a function returning a Worker that runs
   * `@edgefed/client/browser/worker` (for bundlers that need the URL spelled out).
   */
  readonly worker?: boolean | (() => Worker);
  /** Report local accuracy before/after each fit (needs `test`; default true when `test` is given). */
  readonly evaluateLocally?: boolean;
  /** Where conditions come from (default: this page's visibility, input, battery, network). */
  readonly conditions?: (onChange: (c: DeviceConditions) => void) => ConditionsWatcher;
  readonly transports?: readonly ('websocket' | 'polling')[];
  readonly progressIntervalMs?: number;
  readonly deviceClass?: 'desktop' | 'mobile' | 'unknown';
  /** Starting and how long to wait for the worker's `ready` (default 60,000 ms). */
  readonly startTimeoutMs?: number;
}

/** The page-side handle: a {@link Participant} plus browser extras. */
export interface BrowserParticipant extends Omit<Participant, 'on'> {
  on<K extends keyof BrowserParticipantEventMap>(
    event: K,
    handler: (value: BrowserParticipantEventMap[K]) => void,
  ): () => void;
  /** Why this backend: e.g. "a WebGPU adapter is available" or "wasm forced by the app". */
  readonly backendReason: string;
  readonly backendFailures: Readonly<Record<string, string>>;
  /**
   * True when the identity saved in the device store was resumed: the coordinator gave back
   * the client id this device had before the reload (within its grace period). False on
   * first use, after `forget()`, with `store: false`, or when the grace period had passed.
   */
  readonly resumedIdentity: boolean;
  /** The device identity from IndexedDB (absent with `store: false`). */
  readonly identity: DeviceIdentity | undefined;
  /** Global models that were already cached when it started (a reload reuses them). */
  readonly cachedModels: readonly string[];
  /** The latest policy verdict. */
  readonly verdict: () => PolicyVerdict;
  /** Stops, then deletes the device store (models, identity). */
  forget(): Promise<void>;
}

function defaultWorker(): Worker {
  return new Worker(new URL('./participant-worker.js', import.meta.url), { type: 'module', name: 'edgefed' });
}

function endpoint(
  o: BrowserParticipantOptions,
  onCrash: (e: EdgefedError) => void,
): { port: MessageEndpoint; close: () => void } {
  if (o.worker === false) {
    const channel = new MessageChannel();
    const detach = hostParticipant(channel.port2);
    channel.port1.start();
    channel.port2.start();
    return {
      port: channel.port1,
      close: () => {
        detach();
        channel.port1.close();
        channel.port2.close();
      },
    };
  }
  const worker = typeof o.worker === 'function' ? o.worker() : defaultWorker();
  worker.addEventListener('error', (e) => {
    onCrash(new EdgefedError('INTERNAL', `The participant worker failed: ${e.message || 'script error'}`));
  });
  return { port: worker, close: () => worker.terminate() };
}

function sameVerdict(a: PolicyVerdict, b: PolicyVerdict): boolean {
  return a.allowed === b.allowed && a.reasons.join('\n') === b.reasons.join('\n');
}

/**
 * Starts a browser participant and resolves once the coordinator welcomed it. Throws
 * `NOT_ELIGIBLE` without consent, `INVALID_ARGUMENT` for a bad policy or backend, and the
 * worker's start error otherwise (`BACKEND_UNAVAILABLE` when a forced backend cannot run,
 * `UNAUTHORIZED`, `TIMEOUT`, ...). While running, a task started or running while the
 * policy does not hold fails with `NOT_ELIGIBLE` (the coordinator is told).
 */
export async function createBrowserParticipant(o: BrowserParticipantOptions): Promise<BrowserParticipant> {
  checkPolicy(o.policy);
  if (!o.policy.consent) throw new EdgefedError('NOT_ELIGIBLE', 'The user has not consented to take part');
  const backend = checkBackendPreference(o.backend ?? 'auto');
  const events = new BrowserEvents();
  const log = new TransparencyLog();
  const { port, close } = endpoint(o, (e) => {
    rejectReady(e);
    events.emit('error', e);
    finish();
  });
  const send = (m: ToHost): void => port.postMessage(m);
  let verdict: PolicyVerdict = { allowed: false, reasons: ['not started'] };
  const onConditions = (c: DeviceConditions): void => {
    const next = evaluatePolicy(o.policy, c);
    if (sameVerdict(next, verdict)) return;
    verdict = next;
    events.emit('policy', next);
    send({ type: 'policy', verdict: next });
  };
  const watcher = (o.conditions ?? watchDeviceConditions)(onConditions);
  verdict = evaluatePolicy(o.policy, watcher.current());
  let resolveReady: (r: HostReady) => void = () => undefined;
  let rejectReady: (e: EdgefedError) => void = () => undefined;
  const ready = new Promise<HostReady>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  let resumeToken = '';
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  const finish = (): void => {
    watcher.stop();
    close();
    resolveDone();
  };
  port.addEventListener('message', (event: MessageEvent) => {
    const m = event.data as FromHost;
    if (m.type === 'ready') resolveReady(m);
    else if (m.type === 'start-failed') rejectReady(fromWire(m.error));
    else if (m.type === 'sent') log.add(m.record);
    else if (m.type === 'resume-token') resumeToken = m.token;
    else if (m.type === 'local-evaluation') events.emit('local-evaluation', m.value);
    else dispatch(events, m, finish);
  });
  send({
    type: 'start',
    options: {
      url: o.url,
      token: o.token,
      train: o.train,
      ...(o.test === undefined ? {} : { test: o.test }),
      backend,
      ...(o.wasmPaths === undefined ? {} : { wasmPaths: o.wasmPaths }),
      ...(o.wasmThreads === undefined ? {} : { wasmThreads: o.wasmThreads }),
      store: o.store ?? DEFAULT_STORE_NAME,
      verdict,
      evaluateLocally: o.evaluateLocally ?? o.test !== undefined,
      ...(o.transports === undefined ? {} : { transports: o.transports }),
      ...(o.progressIntervalMs === undefined ? {} : { progressIntervalMs: o.progressIntervalMs }),
      ...(o.deviceClass === undefined ? {} : { deviceClass: o.deviceClass }),
    },
  });
  const info = await withTimeout(ready, o.startTimeoutMs ?? 60_000).catch((e: unknown) => {
    finish();
    throw e;
  });
  const stop = async (): Promise<void> => {
    send({ type: 'stop' });
    await done;
  };
  if (resumeToken === '') resumeToken = info.resumeToken;
  return {
    clientId: info.clientId,
    get resumeToken() {
      return resumeToken;
    },
    resumedIdentity: info.resumedIdentity,
    backend: info.backend,
    backendReason: info.backendReason,
    backendFailures: info.backendFailures,
    identity: info.identity,
    cachedModels: info.cachedModels,
    log,
    verdict: () => verdict,
    on: (event, handler) => events.on(event, handler),
    stop,
    done,
    async forget() {
      await stop();
      if (o.store !== false) await forgetDevice(o.store ?? DEFAULT_STORE_NAME);
    },
  };
}

function dispatch(events: BrowserEvents, m: FromHost, finish: () => void): void {
  if (m.type !== 'event') return;
  if (m.event === 'error') events.emit('error', fromWire(m.value));
  else if (m.event === 'task-failed')
    events.emit('task-failed', { taskId: m.value.taskId, error: fromWire(m.value.error) });
  else events.emit(m.event, m.value);
  if (m.event === 'stopped') finish();
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new EdgefedError('TIMEOUT', `The participant did not start within ${ms} ms`));
    }, ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
