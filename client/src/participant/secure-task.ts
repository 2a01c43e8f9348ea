/**
 * SecureTaskSession: the participant's side of one secure fit task (protocol 1.3.0), on the
 * core's `SecAggClient`. Key set-up runs while the model trains:
 *
 * 1. `start()`: fresh keys, `secagg-advertise`; waits for `secagg-roster` (until the task's
 *    `advertiseDeadline`), checks it against the run's config, sends `secagg-shares`; waits
 *    for `secagg-inbox` (until the roster's deadline) and decrypts it;
 * 2. `mask(delta)`: after training, the delta flattened in the global model's layout order
 *    is clipped, quantized with its weight and masked; the bytes go up as the fit task's
 *    update (raw little-endian uint32 words);
 * 3. `unmask()`: after the `result`, waits for `secagg-unmask-request` and answers it (the
 *    core refuses a request that names one client both survivor and dropped). An answer
 *    refused because the phase already closed (the others' answers sufficed) is no failure.
 *
 * A phase message that does not come in time ends the task with `DEADLINE_EXCEEDED`;
 * `dropAt` (simulations) makes the client drop out at a phase ({@link SimulatedDropout}).
 */
import {
  EdgefedError,
  SecAggClient,
  isEdgefedError,
  encodeMaskedWords,
  layoutData,
  tensorLayout,
  type SecAggInboxMessage,
  type SecAggRosterMessage,
  type SecAggUnmaskRequestMessage,
  type TaskMessage,
  type TensorMap,
} from '@edgefed/shared';
import type { Connection } from './connection-types.js';

/** A phase of a secure task at which a simulated client may drop out. */
export type SecAggPhase = 'advertise' | 'share' | 'upload' | 'unmask';

/** Phases in order, for flags and docs. */
export const SECAGG_PHASES: readonly SecAggPhase[] = ['advertise', 'share', 'upload', 'unmask'];

/** Refusals of an unmask answer that mean only "the phase closed without needing it". */
const LATE_CODES: ReadonlySet<string> = new Set(['DEADLINE_EXCEEDED', 'UNKNOWN_TASK']);

/** How long past a phase deadline the participant still waits (clock skew, transit). */
const GRACE_MS = 5_000;

type PhaseMessage = SecAggRosterMessage | SecAggInboxMessage | SecAggUnmaskRequestMessage;

/** Options of {@link SecureTaskSession}. */
export interface SecureTaskOptions {
  readonly conn: Connection;
  readonly task: TaskMessage;
  readonly signal: AbortSignal;
  /** Simulations: vanish at this phase (send nothing more for the task). */
  readonly dropAt?: SecAggPhase | undefined;
}

/**
 * Thrown to end a task whose client drops out on purpose (simulation). Before the upload the
 * participant reports it (`UNAVAILABLE`, so the coordinator counts a drop without waiting
 * out the phase); at the unmask phase the task has no flight left, so it simply goes silent.
 */
export class SimulatedDropout extends EdgefedError {
  constructor(phase: SecAggPhase) {
    super('UNAVAILABLE', `simulated dropout at the ${phase} phase`);
  }
}

export class SecureTaskSession {
  readonly #o: SecureTaskOptions;
  readonly #inbox = new Map<PhaseMessage['type'], PhaseMessage>();
  readonly #waiters = new Map<PhaseMessage['type'], () => void>();
  readonly #unsubscribe: () => void;
  #client: SecAggClient | undefined;

  constructor(o: SecureTaskOptions) {
    this.#o = o;
    this.#unsubscribe = o.conn.on('secagg', (m) => {
      if (m.taskId !== o.task.taskId) return;
      this.#inbox.set(m.type, m);
      this.#waiters.get(m.type)?.();
    });
  }

  /** Phases 1 and 2 (run next to training); resolves once the inbox is decrypted. */
  async start(): Promise<void> {
    const { task, conn } = this.#o;
    const sa = this.#settings();
    this.#dropIf('advertise');
    const client = await SecAggClient.create(conn.clientId, {
      neighbours: sa.neighbours,
      threshold: sa.threshold,
      clipRange: sa.clipRange,
      maxWeight: sa.maxWeight,
      maxClients: sa.maxClients,
    });
    this.#client = client;
    const keys = client.advertise();
    await conn.send({
      type: 'secagg-advertise',
      taskId: task.taskId,
      cPublicKey: keys.cPublicKey,
      sPublicKey: keys.sPublicKey,
    });
    const roster = (await this.#wait('secagg-roster', sa.advertiseDeadline)) as SecAggRosterMessage;
    this.#dropIf('share');
    const shares = await client.shareKeys({
      round: roster.round,
      seed: roster.seed,
      params: roster.params,
      clients: roster.clients,
    });
    await conn.send({
      type: 'secagg-shares',
      taskId: task.taskId,
      shares: shares.map((s) => ({ to: s.to, ciphertext: s.ciphertext })),
    });
    const inbox = (await this.#wait('secagg-inbox', roster.deadline)) as SecAggInboxMessage;
    const me = conn.clientId;
    await client.receiveShares(inbox.shares.map((s) => ({ from: s.from, to: me, ciphertext: s.ciphertext })));
  }

  /**
   * Computes the round's combined mask for a model of `parameters` parameters ahead of
   * `mask` (it needs only the opened inbox, so it runs while the model trains); `mask` then
   * adds one vector. Call after `start()` resolved.
   */
  async prepareMask(parameters: number): Promise<void> {
    const client = this.#client;
    if (client === undefined) throw new EdgefedError('FAILED_PRECONDITION', 'prepareMask before start');
    await client.prepareMask(parameters);
  }

  /**
   * Phase 3: the masked vector of `delta` (flattened in `global`'s order) with `exampleCount`
   * as its weight (1 under uniform weighting), as upload bytes.
   */
  async mask(global: TensorMap, delta: TensorMap, exampleCount: number): Promise<Uint8Array> {
    const client = this.#client;
    if (client === undefined) throw new EdgefedError('FAILED_PRECONDITION', 'mask before start');
    this.#dropIf('upload');
    const layout = tensorLayout(global);
    const flat = new Float32Array(layout.size);
    layoutData(layout, delta).forEach((d, i) => flat.set(d, layout.entries[i]?.offset ?? 0));
    const weight = this.#settings().weighting === 'uniform' ? 1 : exampleCount;
    const masked = await client.maskInput(flat, weight);
    return encodeMaskedWords(masked.masked);
  }

  /** Phase 4: waits for the unmask request (until the task's deadline) and answers it. */
  async unmask(): Promise<void> {
    const client = this.#client;
    if (client === undefined) throw new EdgefedError('FAILED_PRECONDITION', 'unmask before start');
    const req = (await this.#wait(
      'secagg-unmask-request',
      this.#o.task.deadline,
    )) as SecAggUnmaskRequestMessage;
    this.#dropIf('unmask');
    const res = await client.unmask({ survivors: req.survivors, dropped: req.dropped });
    try {
      await this.#o.conn.send({
        type: 'secagg-unmask',
        taskId: this.#o.task.taskId,
        selfMaskShares: res.selfMaskShares.map((s) => ({ of: s.of, share: s.share })),
        keyShares: res.keyShares.map((s) => ({ of: s.of, share: s.share })),
      });
    } catch (err) {
      // The coordinator closes the unmask phase as soon as the answers in hand rebuild every
      // secret (or never can): a late answer is then refused as out of phase or for a round
      // already over. The masked input was accepted, so the task still completed.
      if (isEdgefedError(err) && LATE_CODES.has(err.code)) return;
      throw err;
    }
  }

  /** Stops listening for the task's phase messages. */
  close(): void {
    this.#unsubscribe();
    for (const wake of this.#waiters.values()) wake();
  }

  #settings(): NonNullable<TaskMessage['secureAggregation']> {
    const sa = this.#o.task.secureAggregation;
    if (sa === undefined) throw new EdgefedError('INVALID_ARGUMENT', 'Not a secure task');
    return sa;
  }

  #dropIf(phase: SecAggPhase): void {
    if (this.#o.dropAt === phase) throw new SimulatedDropout(phase);
  }

  /** The phase message of `type`, waiting until `deadline` (+ grace), cancel or close. */
  async #wait(type: PhaseMessage['type'], deadline: number): Promise<PhaseMessage> {
    const { signal } = this.#o;
    await new Promise<void>((resolve) => {
      if (this.#inbox.has(type)) {
        resolve();
        return;
      }
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.#waiters.delete(type);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, deadline + GRACE_MS - Date.now()));
      signal.addEventListener('abort', done, { once: true });
      this.#waiters.set(type, done);
    });
    signal.throwIfAborted();
    const m = this.#inbox.get(type);
    if (m === undefined) {
      throw new EdgefedError('DEADLINE_EXCEEDED', `No "${type}" for task ${this.#o.task.taskId} in time`);
    }
    return m;
  }
}
