/**
 * createParticipant: joins a coordinator, receives tasks, trains or evaluates locally with
 * a LocalTrainingEngine, and uploads only model updates (deltas against the global model,
 * compressed as the run asks; top-k with error feedback, see UpdateEncoder). Handles disconnects (the connection resumes the identity;
 * an interrupted upload continues), `cancel` messages, and stops cleanly on `stop()` or
 * an AbortSignal. One task at a time.
 */
import {
  EdgefedError,
  PROTOCOL_VERSION,
  clipUpdateForTask,
  encodeTensorMap,
  subtractMaps,
  tensorLayout,
  toEdgefedError,
  type Capabilities,
  type TaskMessage,
  type TensorMap,
} from '@edgefed/shared';
import { connect } from './connection.js';
import type { Connection, ConnectOptions } from './connection-types.js';
import type { EngineFitOutput, FitProgress, LocalTrainingEngine } from './engine.js';
import { ModelFetcher, parseSha256, type ModelCache } from './model-fetcher.js';
import { ParticipantEvents, type ParticipantEventMap } from './participant-events.js';
import { LocalParameters } from './local-params.js';
import { TransparencyLog } from './transparency-log.js';
import { UpdateEncoder } from './update-encoder.js';
import { sendRespectingRateLimit, uploadPayload } from './uploader.js';
import { SecureTaskSession, type SecAggPhase } from './secure-task.js';

/** Options of {@link createParticipant}. */
export interface ParticipantOptions {
  readonly url: string;
  /** The join token (from `edgefed token create` or `POST /api/tokens`). */
  readonly token: string;
  readonly engine: LocalTrainingEngine;
  /** Runtime and device class to announce (defaults: node / server). */
  readonly runtime?: Capabilities['runtime'];
  readonly deviceClass?: Capabilities['deviceClass'];
  /** Whether the device may train now; re-read before every hello. */
  readonly eligible?: () => boolean;
  readonly signal?: AbortSignal;
  readonly reconnect?: ConnectOptions['reconnect'];
  readonly modelCache?: ModelCache;
  /** Passed to socket.io-client (e.g. `['websocket']`). */
  readonly transports?: ConnectOptions['transports'];
  /** Minimum ms between `progress` messages (default 1000). */
  readonly progressIntervalMs?: number;
  /** Opens the control-plane channel instead of socket.io-client (see `ConnectOptions.dial`). */
  readonly dial?: ConnectOptions['dial'];
  /** A resume token saved from an earlier run: keeps the client id within the grace period. */
  readonly resumeToken?: string;
  /** Called with each new resume token (every welcome rotates it), e.g. to persist it. */
  readonly onResumeToken?: (token: string) => void;
  /**
   * Announce the secure-aggregation capability (protocol 1.3.0; default: true where the
   * runtime has Web Crypto). False: the coordinator never selects this client for a secure run.
   */
  readonly secureAggregation?: boolean;
  /** Simulations: the phase at which this client drops out of a secure task, if any. */
  readonly secAggDropAt?: (task: TaskMessage) => SecAggPhase | undefined;
}

/** A connected participant. */
export interface Participant {
  readonly clientId: string;
  /** The current resume token (rotated on every reconnect); pass it as `resumeToken` to resume. */
  readonly resumeToken: string;
  readonly backend: LocalTrainingEngine['backend'];
  readonly log: TransparencyLog;
  on<K extends keyof ParticipantEventMap>(
    event: K,
    handler: (value: ParticipantEventMap[K]) => void,
  ): () => void;
  /** Aborts the current task (the coordinator is told) and disconnects. */
  stop(): Promise<void>;
  /** Resolves when the participant has stopped (stop(), signal, or the connection gave up). */
  readonly done: Promise<void>;
}

/** True where the runtime has Web Crypto's `subtle` (browsers, workers, Node >= 19). */
function hasWebCrypto(): boolean {
  return (globalThis as { crypto?: { subtle?: unknown } }).crypto?.subtle !== undefined;
}

/** Connects and starts taking tasks; resolves once the coordinator welcomed the client. */
export async function createParticipant(options: ParticipantOptions): Promise<Participant> {
  const events = new ParticipantEvents();
  const capabilities = (): Capabilities => ({
    runtime: options.runtime ?? 'node',
    backend: options.engine.backend,
    exampleCount: options.engine.exampleCount,
    deviceClass: options.deviceClass ?? 'server',
    eligible: options.eligible?.() ?? true,
    clientVersion: PROTOCOL_VERSION,
    secureAggregation: options.secureAggregation ?? hasWebCrypto(),
  });
  const connection = await connect({
    url: options.url,
    token: options.token,
    capabilities,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.reconnect === undefined ? {} : { reconnect: options.reconnect }),
    ...(options.transports === undefined ? {} : { transports: options.transports }),
    ...(options.dial === undefined ? {} : { dial: options.dial }),
    ...(options.resumeToken === undefined ? {} : { resumeToken: options.resumeToken }),
    ...(options.onResumeToken === undefined ? {} : { onResumeToken: options.onResumeToken }),
  });
  const worker = new TaskWorker(options, connection, events);
  return worker.participant();
}

class TaskWorker {
  readonly #o: ParticipantOptions;
  readonly #conn: Connection;
  readonly #events: ParticipantEvents;
  readonly #fetcher: ModelFetcher;
  readonly #log = new TransparencyLog();
  /** Top-k error feedback: this client's residual, carried between its tasks of one run. */
  readonly #encoder = new UpdateEncoder();
  readonly #local = new LocalParameters();
  readonly #queue: TaskMessage[] = [];
  #current: { taskId: string; abort: AbortController } | undefined;
  #stopped = false;
  readonly #done: Promise<void>;
  #resolveDone!: () => void;

  constructor(o: ParticipantOptions, conn: Connection, events: ParticipantEvents) {
    this.#o = o;
    this.#conn = conn;
    this.#events = events;
    this.#fetcher = new ModelFetcher({
      token: o.token,
      ...(o.modelCache === undefined ? {} : { cache: o.modelCache }),
    });
    this.#done = new Promise((resolve) => {
      this.#resolveDone = resolve;
    });
    conn.on('task', (task) => {
      this.#queue.push(task);
      void this.#drain();
    });
    conn.on('cancel', ({ taskId, reason }) => {
      if (this.#current?.taskId === taskId) this.#current.abort.abort(new EdgefedError('CANCELLED', reason));
      const i = this.#queue.findIndex((t) => t.taskId === taskId);
      if (i >= 0) this.#queue.splice(i, 1);
    });
    conn.on('error', (e) => this.#events.emit('error', new EdgefedError(e.code, e.message)));
    conn.on('disconnected', (d) => this.#events.emit('disconnected', d));
    conn.on('resumed', () => this.#events.emit('connected', { clientId: conn.clientId, resumed: true }));
    conn.on('rejoined', () => this.#events.emit('connected', { clientId: conn.clientId, resumed: false }));
    conn.on('closed', () => {
      void this.stop();
    });
    o.signal?.addEventListener('abort', () => void this.stop(), { once: true });
  }

  participant(): Participant {
    const conn = this.#conn;
    return {
      clientId: conn.clientId,
      get resumeToken() {
        return conn.resumeToken;
      },
      backend: this.#o.engine.backend,
      log: this.#log,
      on: (event, handler) => this.#events.on(event, handler),
      stop: () => this.stop(),
      done: this.#done,
    };
  }

  async stop(): Promise<void> {
    if (this.#stopped) return this.#done;
    this.#stopped = true;
    this.#queue.length = 0;
    this.#current?.abort.abort(new EdgefedError('CANCELLED', 'participant stopped'));
    await this.#conn.close();
    this.#events.emit('stopped', undefined);
    this.#resolveDone();
    return this.#done;
  }

  async #drain(): Promise<void> {
    if (this.#current !== undefined) return;
    for (let task = this.#queue.shift(); task !== undefined && !this.#stopped; task = this.#queue.shift()) {
      const abort = new AbortController();
      this.#current = { taskId: task.taskId, abort };
      try {
        await this.#run(task, abort.signal);
      } catch (err) {
        await this.#fail(task, err);
      } finally {
        this.#current = undefined;
      }
    }
  }

  async #fail(task: TaskMessage, err: unknown): Promise<void> {
    const e = toEdgefedError(err, 'TRAINING_FAILED');
    this.#events.emit('task-failed', { taskId: task.taskId, error: e });
    if (e.code === 'CANCELLED' || !this.#conn.connected) return;
    const message = {
      type: 'error' as const,
      code: e.code,
      message: e.message.slice(0, 4000),
      correlationId: task.taskId,
    };
    await this.#conn.send(message).catch(() => undefined);
    this.#log.add({ at: Date.now(), type: 'error', taskId: task.taskId, bytes: 0, note: e.code });
  }

  async #run(task: TaskMessage, signal: AbortSignal): Promise<void> {
    this.#events.emit('task-started', { taskId: task.taskId, kind: task.kind, round: task.round });
    if (task.kind === 'fit' && task.secureAggregation !== undefined) {
      await this.#secureFit(task, signal);
      return;
    }
    const { spec, global } = await this.#prepare(task, signal);
    if (task.kind === 'evaluate') {
      const batchSize = Number(task.hyperParameters.batchSize ?? 64);
      const out = await this.#o.engine.evaluate({ spec, global, batchSize, signal });
      const metrics = { loss: out.loss, ...out.metrics };
      await this.#conn.send({
        type: 'result',
        taskId: task.taskId,
        runId: task.runId,
        round: task.round,
        exampleCount: out.exampleCount,
        metrics,
      });
      this.#log.add({ at: Date.now(), type: 'result', taskId: task.taskId, bytes: 0, metrics });
      this.#events.emit('task-completed', { taskId: task.taskId, kind: 'evaluate', metrics });
      return;
    }
    await this.#plainFit(task, global, spec, signal);
  }

  /** The task's model spec and global parameters (downloaded, or from the cache). */
  async #prepare(task: TaskMessage, signal: AbortSignal): Promise<{ spec: unknown; global: TensorMap }> {
    const spec: unknown = JSON.parse(task.modelSpec);
    const fetched = await this.#fetcher.get(task.modelUrl, task.modelHash, signal);
    this.#events.emit('model', {
      taskId: task.taskId,
      runId: task.runId,
      version: task.modelVersion,
      hash: parseSha256(task.modelHash),
      spec: task.modelSpec,
    });
    return { spec, global: this.#local.apply(task.runId, spec, fetched) };
  }

  /** A secure fit task: key set-up starts at once and runs during download and training. */
  async #secureFit(task: TaskMessage, signal: AbortSignal): Promise<void> {
    const local = new AbortController();
    const forward = (): void => {
      local.abort(signal.reason);
    };
    signal.addEventListener('abort', forward, { once: true });
    const secure = new SecureTaskSession({
      conn: this.#conn,
      task,
      signal: local.signal,
      dropAt: this.#o.secAggDropAt?.(task),
    });
    try {
      // key set-up runs while the model trains; its failure stops the training
      const setup = secure.start();
      setup.catch((err: unknown) => {
        local.abort(err);
      });
      // the combined mask depends only on the keys and the model's size: expand it while the
      // model trains, so only one addition is left after training
      let premask: Promise<void> | undefined;
      const trained = async () => {
        const { spec, global } = await this.#prepare(task, local.signal);
        const parameters = tensorLayout(global).size;
        premask = setup.then(() => secure.prepareMask(parameters));
        premask.catch(() => undefined); // awaited below; a failure surfaces there
        return { spec, global, out: await this.#train(task, global, spec, local.signal) };
      };
      const { spec, global, out } = await trained().catch(async (err: unknown) => {
        local.abort(err);
        await setup; // a failed set-up is the real cause
        throw err;
      });
      await setup;
      await premask;
      const delta = this.#delta(task, spec, global, out.parameters);
      const payload = await secure.mask(global, delta, out.exampleCount);
      await this.#upload(task, payload, out, local.signal, []);
      await secure.unmask();
    } finally {
      secure.close();
      signal.removeEventListener('abort', forward);
    }
  }

  async #plainFit(
    task: TaskMessage,
    global: Parameters<typeof subtractMaps>[1],
    spec: unknown,
    signal: AbortSignal,
  ): Promise<void> {
    const out = await this.#train(task, global, spec, signal);
    const delta = this.#delta(task, spec, global, out.parameters);
    const compression = task.compression ?? { method: 'none' };
    const { compressed, discard } = this.#encoder.encode(task.runId, delta, compression);
    const payload = encodeTensorMap(compressed);
    const tensors = [...compressed].map(([name, t]) => ({ name, shape: [...t.shape], dtype: t.dtype }));
    await this.#upload(task, payload, out, signal, tensors).catch((err: unknown) => {
      discard();
      throw err;
    });
  }

  #train(
    task: TaskMessage,
    global: Parameters<typeof subtractMaps>[1],
    spec: unknown,
    signal: AbortSignal,
  ): Promise<EngineFitOutput> {
    let lastProgress = 0;
    const interval = this.#o.progressIntervalMs ?? 1000;
    const onProgress = (p: FitProgress): void => {
      this.#events.emit('progress', { taskId: task.taskId, ...p });
      const now = Date.now();
      if (now - lastProgress < interval || !this.#conn.connected) return;
      lastProgress = now;
      const msg = {
        type: 'progress' as const,
        taskId: task.taskId,
        step: p.step,
        ...(p.totalSteps === undefined ? {} : { totalSteps: p.totalSteps }),
        ...(p.loss === undefined || !Number.isFinite(p.loss) ? {} : { loss: p.loss }),
      };
      this.#conn.send(msg).catch(() => undefined);
    };
    const seed = (task.seed ?? 0) * 7919 + task.round;
    return this.#o.engine.fit({
      spec,
      global,
      hyperParameters: task.hyperParameters,
      seed,
      signal,
      onProgress,
    });
  }

  /** The update: new minus global, local (FedBN) tensors zeroed, clipped when the run asks. */
  #delta(
    task: TaskMessage,
    spec: unknown,
    global: Parameters<typeof subtractMaps>[1],
    parameters: EngineFitOutput['parameters'],
  ): TensorMap {
    this.#local.keep(task.runId, spec, parameters);
    // A private run's strategy sends clipNorm: clip before compressing (the server clips again).
    return clipUpdateForTask(
      this.#local.withoutLocal(spec, subtractMaps(parameters, global)),
      task.hyperParameters,
    );
  }

  async #upload(
    task: TaskMessage,
    payload: Uint8Array,
    out: EngineFitOutput,
    signal: AbortSignal,
    tensors: { name: string; shape: number[]; dtype: string }[],
  ): Promise<void> {
    const payloadId = `${task.taskId}.u`;
    const summary = await uploadPayload({
      connection: this.#conn,
      taskId: task.taskId,
      payloadId,
      payload,
      maxChunkBytes: this.#conn.welcome.limits.maxChunkBytes,
      signal,
    });
    const update = {
      payloadId,
      byteLength: summary.byteLength,
      chunkCount: summary.chunkCount,
      checksum: summary.checksum,
    };
    const result = {
      type: 'result' as const,
      taskId: task.taskId,
      runId: task.runId,
      round: task.round,
      exampleCount: out.exampleCount,
      metrics: out.metrics,
      update,
    };
    await sendRespectingRateLimit(this.#conn, result, signal);
    this.#log.add({
      at: Date.now(),
      type: 'upload-chunk+result',
      taskId: task.taskId,
      bytes: payload.byteLength,
      tensors,
      metrics: out.metrics,
    });
    this.#events.emit('uploaded', { taskId: task.taskId, bytes: payload.byteLength });
    this.#events.emit('task-completed', { taskId: task.taskId, kind: 'fit', metrics: out.metrics });
  }
}
