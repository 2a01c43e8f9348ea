/**
 * The participant host: runs inside the Web Worker (or on a MessageChannel in the page)
 * and owns everything heavy — backend choice, the Trainer engine wrapped with the
 * participation policy, the IndexedDB device store and the socket to the coordinator. It
 * resumes the coordinator identity saved in the store (a reload keeps its client id) and
 * forwards participant events, transparency records, local evaluations and each rotated
 * resume token to the page.
 */
import { EdgefedError, toEdgefedError } from '@edgefed/shared';
import { createDataSource } from '../data/in-memory-data-source.js';
import type { LocalTrainingEngine } from '../participant/engine.js';
import { createParticipant, type Participant } from '../participant/participant.js';
import type { ParticipantEventMap } from '../participant/participant-events.js';
import type { SentRecord } from '../participant/transparency-log.js';
import { createTrainerEngine } from '../participant/trainer-engine.js';
import { chooseBackend } from './backend-choice.js';
import { openDeviceStore, type DeviceStore } from './device-store.js';
import { withLocalEvaluation } from './evaluating-engine.js';
import { PolicyGate, withPolicy } from './policy-engine.js';
import {
  toWire,
  type FromHost,
  type HostStartOptions,
  type MessageEndpoint,
  type ToHost,
} from './worker-protocol.js';

const EVENTS: readonly (keyof ParticipantEventMap)[] = [
  'connected',
  'task-started',
  'model',
  'progress',
  'uploaded',
  'task-completed',
  'task-failed',
  'error',
  'disconnected',
  'stopped',
];

function wireValue(event: keyof ParticipantEventMap, value: unknown): unknown {
  if (event === 'error') return toWire(value as EdgefedError);
  if (event === 'task-failed') {
    const v = value as ParticipantEventMap['task-failed'];
    return { taskId: v.taskId, error: toWire(v.error) };
  }
  return value;
}

/**
 * Resume options for `createParticipant`: the token saved for `url` (if any) and a listener
 * that saves every rotated token and tells the page. A failed save is reported as an
 * `error` event (the participant keeps running; only the next reload loses its identity).
 */
async function resumeOptions(
  store: DeviceStore | undefined,
  url: string,
  post: (m: FromHost) => void,
): Promise<{ resumeToken?: string; onResumeToken: (token: string) => void }> {
  const saved = await store?.savedSession(url);
  const usable = saved !== undefined && saved.resumeToken.length <= 256;
  return {
    ...(usable ? { resumeToken: saved.resumeToken } : {}),
    onResumeToken: (token) => {
      post({ type: 'resume-token', token });
      store?.saveSession(url, token).catch((e: unknown) => {
        post({ type: 'event', event: 'error', value: toWire(toEdgefedError(e, 'UNAVAILABLE')) });
      });
    },
  };
}

/** Copies each record the participant logs to the page, as it is logged. */
function mirrorLog(participant: Participant, post: (m: FromHost) => void): void {
  const log = participant.log;
  const add = log.add.bind(log);
  // The log is the participant's own; wrapping its `add` is the one place that sees every record.
  log.add = (record: SentRecord): void => {
    add(record);
    post({ type: 'sent', record });
  };
}

class Host {
  readonly #gate = new PolicyGate();
  #participant: Participant | undefined;
  #engine: LocalTrainingEngine | undefined;
  #store: DeviceStore | undefined;
  #stopping = false;

  constructor(private readonly port: MessageEndpoint) {}

  post(message: FromHost): void {
    this.port.postMessage(message);
  }

  async handle(message: ToHost): Promise<void> {
    switch (message.type) {
      case 'start':
        await this.start(message.options);
        return;
      case 'policy':
        this.#gate.set(message.verdict);
        return;
      case 'stop':
        await this.stop();
        return;
    }
  }

  async start(o: HostStartOptions): Promise<void> {
    try {
      if (this.#participant !== undefined) throw new EdgefedError('FAILED_PRECONDITION', 'Already started');
      this.#gate.set(o.verdict);
      this.#store = o.store === false ? undefined : await openDeviceStore({ name: o.store });
      const cachedModels = (await this.#store?.modelHashes()) ?? [];
      const choice = await chooseBackend({
        backend: o.backend,
        ...(o.wasmPaths === undefined ? {} : { wasmPaths: o.wasmPaths }),
        ...(o.wasmThreads === undefined ? {} : { wasmThreads: o.wasmThreads }),
      });
      const test = o.test === undefined ? undefined : createDataSource(o.test);
      const base = await createTrainerEngine({
        train: createDataSource(o.train),
        backend: choice.backend,
        ...(test === undefined ? {} : { test }),
      });
      const evaluated =
        o.evaluateLocally && test !== undefined
          ? withLocalEvaluation(base, (value) => this.post({ type: 'local-evaluation', value }))
          : base;
      this.#engine = withPolicy(evaluated, this.#gate);
      const previous = await this.#store?.identity();
      const resume = await resumeOptions(this.#store, o.url, (m) => this.post(m));
      const participant = await createParticipant({
        ...resume,
        url: o.url,
        token: o.token,
        engine: this.#engine,
        runtime: 'browser',
        deviceClass: o.deviceClass ?? 'desktop',
        eligible: () => this.#gate.verdict.allowed,
        ...(this.#store === undefined ? {} : { modelCache: this.#store }),
        ...(o.transports === undefined ? {} : { transports: o.transports }),
        ...(o.progressIntervalMs === undefined ? {} : { progressIntervalMs: o.progressIntervalMs }),
      });
      this.#participant = participant;
      mirrorLog(participant, (m) => this.post(m));
      for (const event of EVENTS) {
        participant.on(event, (value) =>
          this.post({ type: 'event', event, value: wireValue(event, value) } as FromHost),
        );
      }
      await this.#store?.rememberClientId(participant.clientId);
      const identity = await this.#store?.identity();
      this.post({
        type: 'ready',
        clientId: participant.clientId,
        resumeToken: participant.resumeToken,
        resumedIdentity: resume.resumeToken !== undefined && previous?.lastClientId === participant.clientId,
        backend: choice.name,
        backendReason: choice.reason,
        backendFailures: choice.failures,
        ...(identity === undefined ? {} : { identity }),
        cachedModels,
      });
    } catch (e) {
      this.#store?.close();
      this.post({ type: 'start-failed', error: toWire(toEdgefedError(e, 'INTERNAL')) });
    }
  }

  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    await this.#participant?.stop();
    await this.#engine?.dispose();
    this.#store?.close();
    if (this.#participant === undefined) this.post({ type: 'event', event: 'stopped', value: undefined });
  }
}

/**
 * Serves one participant over `port`: waits for `start`, then follows `policy` and `stop`
 * messages. Start failures (no backend, bad token, coordinator unreachable) are reported as
 * `start-failed` with the error's code; nothing throws into the worker's global scope.
 * Returns a function that detaches the listener.
 */
export function hostParticipant(port: MessageEndpoint): () => void {
  const host = new Host(port);
  const listener = (event: MessageEvent): void => {
    const message = event.data as ToHost;
    host.handle(message).catch((e: unknown) => {
      host.post({ type: 'event', event: 'error', value: toWire(toEdgefedError(e)) });
    });
  };
  port.addEventListener('message', listener);
  return () => {
    port.removeEventListener('message', listener);
  };
}
