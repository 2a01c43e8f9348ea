/**
 * SecureRoundState: the bookkeeping of one secure round attempt — which phase is open, who
 * advertised, shared, uploaded and answered the unmask request, and each client's outcome —
 * around the core's `SecAggServer`. It checks every phase message (right task and client,
 * right phase, no repeats) before the core sees it, and turns masked uploads into masked
 * inputs: the payload is read as uint32 words and handed on untouched, so no individual
 * update is ever unmasked or decoded here. secure-fit-round.ts drives the phases.
 */
import {
  EdgefedError,
  decodeMaskedWords,
  toEdgefedError,
  type EncryptedShare,
  type Failure,
  type Metrics,
  type Roster,
  type SecAggParams,
  type SecAggResult,
  type SecAggServerApi,
  type UnmaskRequest,
} from '@edgefed/shared';
import type { ClientOutcomeFields } from '../store/records.js';
import { outcomeRecord } from './fit-round.js';
import { boundExampleCount, checkClientMetrics } from './result-bounds.js';
import type { SecAggInbound, TaskOutcome, TaskSpec } from './task-gateway.js';
import { UnmaskProgress } from './unmask-progress.js';

/** The open phase of a secure round. */
export type SecurePhase = 'advertise' | 'share' | 'upload' | 'unmask' | 'done';

/** Options of {@link SecureRoundState}. */
export interface SecureRoundStateOptions {
  readonly tasks: readonly TaskSpec[];
  readonly server: SecAggServerApi;
  /** Called after every accepted message and outcome (wakes the phase gate). */
  readonly poke: () => void;
}

const PHASE_OF: Record<SecAggInbound['type'], SecurePhase> = {
  'secagg-advertise': 'advertise',
  'secagg-shares': 'share',
  'secagg-unmask': 'unmask',
};

export class SecureRoundState {
  #phase: SecurePhase = 'advertise';
  readonly #o: SecureRoundStateOptions;
  readonly #byClient = new Map<string, TaskSpec>();
  readonly #byTask = new Map<string, TaskSpec>();
  readonly #advertised = new Set<string>();
  readonly #sharers = new Set<string>();
  readonly #shares: EncryptedShare[] = [];
  readonly #uploaded = new Map<string, { weight: number; metrics: Metrics }>();
  readonly #unmasked = new Set<string>();
  readonly #ended = new Set<string>();
  readonly #outcomes = new Map<string, ClientOutcomeFields>();
  #roster: Roster | undefined;
  #inboxes: Map<string, EncryptedShare[]> = new Map();
  #request: UnmaskRequest | undefined;
  #progress: UnmaskProgress | undefined;

  constructor(o: SecureRoundStateOptions) {
    this.#o = o;
    for (const t of o.tasks) {
      this.#byClient.set(t.clientId, t);
      this.#byTask.set(t.taskId, t);
    }
  }

  get phase(): SecurePhase {
    return this.#phase;
  }

  /** Masked inputs accepted so far. */
  get uploads(): number {
    return this.#uploaded.size;
  }

  /** The task of a selected client. */
  taskOf(clientId: string): TaskSpec {
    const t = this.#byClient.get(clientId);
    if (t === undefined) throw new EdgefedError('INTERNAL', `No secure task for client ${clientId}`);
    return t;
  }

  /** The round's resolved parameters (after the roster). */
  params(): SecAggParams {
    if (this.#roster === undefined) throw new EdgefedError('FAILED_PRECONDITION', 'No roster yet');
    return this.#roster.params;
  }

  /** A phase message from a participant; throws (refusing it) when it does not fit. */
  onMessage(clientId: string, m: SecAggInbound): void {
    const task = this.#byTask.get(m.taskId);
    if (task?.clientId !== clientId) {
      throw new EdgefedError('UNKNOWN_TASK', `No secure task ${m.taskId} for this client`);
    }
    if (this.#phase !== PHASE_OF[m.type]) {
      throw new EdgefedError('DEADLINE_EXCEEDED', `"${m.type}" arrived in the ${this.#phase} phase`, {
        details: { phase: this.#phase },
      });
    }
    if (m.type === 'secagg-advertise') {
      if (this.#advertised.has(clientId)) throw duplicate(m.type);
      this.#o.server.addAdvertise({ clientId, cPublicKey: m.cPublicKey, sPublicKey: m.sPublicKey });
      this.#advertised.add(clientId);
    } else if (m.type === 'secagg-shares') {
      if (!this.#inRoster(clientId)) throw notInPhase(clientId, 'roster');
      if (this.#sharers.has(clientId)) throw duplicate(m.type);
      for (const s of m.shares) this.#shares.push({ from: clientId, to: s.to, ciphertext: s.ciphertext });
      this.#sharers.add(clientId);
    } else {
      if (this.#request?.survivors.includes(clientId) !== true) throw notInPhase(clientId, 'survivors');
      if (this.#unmasked.has(clientId)) throw duplicate(m.type);
      try {
        this.#o.server.addUnmaskResponse({
          clientId,
          selfMaskShares: m.selfMaskShares,
          keyShares: m.keyShares,
        });
      } catch (err) {
        // an honest client does not answer twice: a refused answer is as good as none
        this.survivorGone(clientId);
        throw err;
      }
      this.#unmasked.add(clientId);
      this.#progress?.answer({ clientId, of: [...m.selfMaskShares, ...m.keyShares].map((x) => x.of) });
    }
    this.#o.poke();
  }

  /**
   * A task's outcome from the gateway. A completed fit task's payload is the masked vector:
   * accepted only in the upload phase from a client that shared its keys, with exactly
   * `length + 1` words and honest metrics and example count; anything else is `rejected`.
   */
  onOutcome(o: TaskOutcome, length: number, declared: ReadonlyMap<string, number>, maxWeight: number): void {
    const clientId = o.task.clientId;
    this.#ended.add(clientId);
    if (o.status !== 'completed' || o.payload === undefined) {
      this.#outcomes.set(clientId, outcomeRecord(o));
      this.#o.poke();
      return;
    }
    const { metrics: _m, exampleCount: _n, ...base } = outcomeRecord(o);
    try {
      if (this.#phase !== 'upload' || !this.#sharers.has(clientId)) {
        throw new EdgefedError(
          'FAILED_PRECONDITION',
          'A masked upload from a client that did not share its keys',
        );
      }
      checkClientMetrics(o.metrics);
      const { weight } = boundExampleCount({
        claimed: o.exampleCount,
        declared: declared.get(clientId),
        maxExampleWeight: maxWeight,
      });
      this.#o.server.addMaskedInput({ clientId, masked: decodeMaskedWords(o.payload, length + 1) });
      this.#uploaded.set(clientId, { weight, metrics: o.metrics });
      this.#outcomes.set(clientId, { ...base, exampleCount: weight, metrics: { ...o.metrics } });
    } catch (err) {
      this.#outcomes.set(clientId, { ...base, outcome: 'rejected', code: toEdgefedError(err).code });
    }
    this.#o.poke();
  }

  /** Every selected client advertised or ended. */
  allAdvertised(): boolean {
    return [...this.#byClient.keys()].every((c) => this.#advertised.has(c) || this.#ended.has(c));
  }

  /** Closes phase 1: the roster (throws `SECAGG_TOO_FEW_SURVIVORS` when too few advertised). */
  closeAdvertise(): Roster {
    this.#phase = 'share';
    this.#roster = this.#o.server.roster();
    return this.#roster;
  }

  /** Every client in the roster shared or ended. */
  allShared(): boolean {
    return (this.#roster?.clients ?? []).every(
      (c) => this.#sharers.has(c.clientId) || this.#ended.has(c.clientId),
    );
  }

  /** Closes phase 2: one inbox per recipient. */
  closeShares(): Map<string, EncryptedShare[]> {
    this.#phase = 'upload';
    this.#inboxes = this.#o.server.routeShares(this.#shares);
    return this.#inboxes;
  }

  /** The clients that shared their keys (they get an inbox). */
  sharers(): string[] {
    return [...this.#sharers];
  }

  /** `target` masked inputs are in, or every client that shared has ended. */
  allUploaded(target: number): boolean {
    return this.#uploaded.size >= target || [...this.#sharers].every((c) => this.#ended.has(c));
  }

  /** Closes phase 3: the one unmask request every survivor gets. */
  closeUploads(): UnmaskRequest {
    this.#phase = 'unmask';
    this.#request = this.#o.server.unmaskRequest();
    this.#progress = new UnmaskProgress(this.#inboxes, this.#request, this.params().threshold);
    return this.#request;
  }

  /**
   * The unmask phase's outcome is decided ({@link UnmaskProgress}): every survivor answered
   * or is gone, the answers in hand already rebuild every secret, or some secret can no
   * longer be rebuilt. The phase then closes without waiting out its deadline.
   */
  allUnmasked(): boolean {
    return this.#progress?.decided() ?? false;
  }

  /**
   * A survivor will not answer the unmask request: its session ended, or the request could
   * not be sent to it. Ignored outside the unmask phase and for clients that already answered.
   */
  survivorGone(clientId: string): void {
    if (this.#phase !== 'unmask') return;
    this.#progress?.gone(clientId);
    this.#o.poke();
  }

  /** Closes phase 4: the unmasked sum of the survivors' inputs. */
  finish(length: number): Promise<SecAggResult> {
    this.#phase = 'done';
    return this.#o.server.finish(length);
  }

  /** Ends the round: later messages are refused. */
  close(): void {
    this.#phase = 'done';
  }

  /** Every selected client's outcome (clients with none yet count as dropped). */
  outcomes(): ClientOutcomeFields[] {
    return [...this.#byClient.keys()].map(
      (clientId) => this.#outcomes.get(clientId) ?? { clientId, outcome: 'dropped', code: 'CANCELLED' },
    );
  }

  /** Selected clients whose update is not in the aggregate. */
  failures(): Failure[] {
    return this.outcomes()
      .filter((o) => o.outcome !== 'completed')
      .map((o) => ({ clientId: o.clientId, code: o.code ?? 'CANCELLED', message: o.outcome }));
  }

  /** Weighted mean of the metrics the uploading clients reported (plain, as in ordinary rounds). */
  clientMetrics(): Record<string, number> {
    const sums = new Map<string, { value: number; weight: number }>();
    for (const { weight, metrics } of this.#uploaded.values()) {
      for (const [k, v] of Object.entries(metrics)) {
        const s = sums.get(k) ?? { value: 0, weight: 0 };
        sums.set(k, { value: s.value + v * weight, weight: s.weight + weight });
      }
    }
    return Object.fromEntries([...sums].map(([k, s]) => [k, s.weight > 0 ? s.value / s.weight : 0]));
  }

  #inRoster(clientId: string): boolean {
    return this.#roster?.clients.some((c) => c.clientId === clientId) === true;
  }
}

function duplicate(type: string): EdgefedError {
  return new EdgefedError('SECAGG_BAD_MESSAGE', `"${type}" was already received for this task`);
}

function notInPhase(clientId: string, list: string): EdgefedError {
  return new EdgefedError('FAILED_PRECONDITION', `Client ${clientId} is not in this round's ${list}`);
}
