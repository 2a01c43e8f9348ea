/**
 * VirtualTimeGateway: the simulator's clock as virtual wall time (issue #15). Wraps the real
 * task gateway: each task is planned in virtual seconds from the client's device profile
 * (download, train, upload; seeded mid-task dropout; online windows; the deadline), and only
 * tasks that will complete are sent to the real client. Outcomes are handed to the runner in
 * virtual-time order (ties in send order), each advancing the clock to its time, so rounds,
 * deadlines, over-selection and quorum, and FedBuff's buffer, all act in virtual time and
 * the run is deterministic under a seed whatever order the real workers finish in.
 *
 * Offline clients and clients still busy in virtual time are not candidates; when fewer than
 * `minOnline` are online and nothing is in flight, the clock jumps to when enough are.
 */
import { EdgefedError, createPrng, type ClientCandidate, type ErrorCode } from '@edgefed/shared';
import type { RunTasksOptions, TaskGateway, TaskOutcome, TaskSpec } from '../rounds/task-gateway.js';
import { BatchTaskStream, type TaskStream } from '../rounds/task-stream.js';
import { isOnline, nextOnline, type DeviceProfile } from './device-profiles.js';
import { planTask, uploadBytesEstimate, workExamples, type TaskTiming } from './virtual-task-plan.js';

/** Options of {@link VirtualTimeGateway}. */
export interface VirtualTimeGatewayOptions {
  readonly inner: TaskGateway;
  /** Profile of partition client k. */
  readonly profiles: readonly DeviceProfile[];
  /** Example count of partition client k. */
  readonly exampleCounts: readonly number[];
  readonly examplesPerSecond: number;
  readonly dropoutRate: number;
  /** Virtual seconds a task has (Infinity: no deadline). */
  readonly deadlineSeconds: number;
  /** Bytes of the global model a client downloads. */
  readonly modelBytes: number;
  /** Candidates wanted online before the clock jumps ahead (at least 1). */
  readonly minOnline: number;
  readonly seed: number;
}

/** Reads `aborted` afresh (it changes while awaiting, which narrowing cannot see). */
const isAborted = (signal: AbortSignal): boolean => signal.aborted;

const FALLBACK: DeviceProfile = {
  speed: 1,
  upBytesPerSecond: Infinity,
  downBytesPerSecond: Infinity,
  availability: undefined,
};

interface Pending {
  readonly task: TaskSpec;
  readonly timing: TaskTiming;
  readonly seq: number;
}

const MESSAGES: Record<Exclude<TaskTiming['end'], 'complete'>, [ErrorCode, string]> = {
  dropout: ['UNAVAILABLE', 'client dropped out mid-task (simulated)'],
  offline: ['UNAVAILABLE', 'client went offline mid-task (simulated)'],
  late: ['DEADLINE_EXCEEDED', 'task missed its virtual deadline'],
};

export class VirtualTimeGateway implements TaskGateway {
  readonly #o: VirtualTimeGatewayOptions;
  #now = 0;
  #seq = 0;
  #index = new Map<string, number>();
  readonly #busy = new Set<string>();
  readonly #taskCounts = new Map<number, number>();

  constructor(options: VirtualTimeGatewayOptions) {
    this.#o = options;
  }

  /** Virtual seconds since the simulation started. */
  get now(): number {
    return this.#now;
  }

  /** Binds coordinator client ids to partition clients (index k = partition client k). */
  bindClients(clientIds: readonly string[]): void {
    this.#index = new Map(clientIds.map((id, k) => [id, k]));
  }

  #profile(clientId: string): DeviceProfile {
    const k = this.#index.get(clientId);
    return (k === undefined ? undefined : this.#o.profiles[k]) ?? FALLBACK;
  }

  candidates(runId: string): ClientCandidate[] {
    const all = this.#o.inner.candidates(runId).filter((c) => !this.#busy.has(c.id));
    const online = (): ClientCandidate[] =>
      all.filter((c) => isOnline(this.#profile(c.id).availability, this.#now));
    let list = online();
    const want = Math.min(Math.max(1, this.#o.minOnline), all.length);
    for (let jumps = 0; list.length < want && this.#busy.size === 0 && jumps < 1000; jumps++) {
      const times = all
        .map((c) => nextOnline(this.#profile(c.id).availability, this.#now))
        .filter((t) => t > this.#now && Number.isFinite(t))
        .sort((a, b) => a - b);
      const t = times[0];
      if (t === undefined) break;
      this.#now = t;
      list = online();
    }
    return list;
  }

  #plan(task: TaskSpec): TaskTiming {
    const k = this.#index.get(task.clientId) ?? -1;
    const n = this.#taskCounts.get(k) ?? 0;
    this.#taskCounts.set(k, n + 1);
    const rng = createPrng(this.#o.seed * 1_000_003 + (k + 1) * 7_919 + n * 104_729);
    return planTask({
      start: this.#now,
      profile: this.#profile(task.clientId),
      workExamples: workExamples(task.hyperParameters, this.#o.exampleCounts[k] ?? 0),
      examplesPerSecond: this.#o.examplesPerSecond,
      downBytes: this.#o.modelBytes,
      upBytes: uploadBytesEstimate(this.#o.modelBytes, task.compression ?? { method: 'none' }),
      deadlineSeconds: this.#o.deadlineSeconds,
      dropoutRate: this.#o.dropoutRate,
      draws: [rng.nextFloat(), rng.nextFloat()],
    });
  }

  openStream(): TaskStream {
    return new VirtualStream(this, this.#o.inner);
  }

  /** @internal the stream's hooks */
  admit(task: TaskSpec): Pending {
    this.#busy.add(task.clientId);
    return { task, timing: this.#plan(task), seq: this.#seq++ };
  }

  /** @internal */
  release(p: Pending, advance: boolean): void {
    this.#busy.delete(p.task.clientId);
    if (advance) this.#now = Math.max(this.#now, p.timing.at);
  }

  async *runTasks(options: RunTasksOptions): AsyncGenerator<TaskOutcome> {
    const stream = new VirtualStream(this, this.#o.inner);
    for (const t of options.tasks) stream.send(t);
    try {
      while (stream.open > 0 && !options.signal.aborted) {
        let o: TaskOutcome;
        try {
          o = await stream.next(options.signal);
        } catch (err) {
          if (isAborted(options.signal)) break;
          throw err;
        }
        yield o;
      }
      if (stream.open > 0) {
        const reason = options.signal.reason as unknown;
        const code: ErrorCode = reason instanceof EdgefedError ? reason.code : 'DEADLINE_EXCEEDED';
        const message = reason instanceof Error ? reason.message : 'round closed';
        for (const o of stream.drain(code, message)) yield o;
      }
    } finally {
      stream.close('CANCELLED', 'round closed');
    }
  }

  reportRejected(task: TaskSpec, error: { readonly code: ErrorCode; readonly message: string }): void {
    this.#o.inner.reportRejected?.(task, error);
  }
}

/** A TaskStream whose outcomes come in virtual-time order. */
class VirtualStream implements TaskStream {
  readonly #g: VirtualTimeGateway;
  readonly #real: BatchTaskStream;
  readonly #pending: Pending[] = [];
  readonly #arrived = new Map<string, TaskOutcome>();

  constructor(gateway: VirtualTimeGateway, inner: TaskGateway) {
    this.#g = gateway;
    this.#real = new BatchTaskStream(inner);
  }

  get open(): number {
    return this.#pending.length;
  }

  send(task: TaskSpec): void {
    const p = this.#g.admit(task);
    this.#pending.push(p);
    if (p.timing.end === 'complete') this.#real.send(task);
  }

  #first(): Pending | undefined {
    let best: Pending | undefined;
    for (const p of this.#pending) {
      if (
        best === undefined ||
        p.timing.at < best.timing.at ||
        (p.timing.at === best.timing.at && p.seq < best.seq)
      )
        best = p;
    }
    return best;
  }

  async next(signal: AbortSignal): Promise<TaskOutcome> {
    const p = this.#first();
    if (p === undefined) throw new EdgefedError('FAILED_PRECONDITION', 'No task is open');
    let outcome: TaskOutcome;
    if (p.timing.end === 'complete') {
      let real = this.#arrived.get(p.task.taskId);
      while (real === undefined) {
        const o = await this.#real.next(signal);
        this.#arrived.set(o.task.taskId, o);
        real = this.#arrived.get(p.task.taskId);
      }
      this.#arrived.delete(p.task.taskId);
      outcome = { ...real, task: p.task };
    } else {
      const [code, message] = MESSAGES[p.timing.end];
      outcome = { status: 'dropped', task: p.task, code, message, bytesUp: 0 };
    }
    this.#pending.splice(this.#pending.indexOf(p), 1);
    this.#g.release(p, true);
    return outcome;
  }

  /** Ends every open task without advancing the clock; returns them as dropped with `code`. */
  drain(code: ErrorCode, message: string): TaskOutcome[] {
    const out = [...this.#pending]
      .sort((a, b) => a.seq - b.seq)
      .map((p): TaskOutcome => ({ status: 'dropped', task: p.task, code, message, bytesUp: 0 }));
    this.close(code, message);
    return out;
  }

  close(code: ErrorCode, message: string): void {
    for (const p of this.#pending) this.#g.release(p, false);
    this.#pending.length = 0;
    this.#arrived.clear();
    this.#real.close(code, message);
  }
}
