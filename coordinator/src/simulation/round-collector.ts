/**
 * Collects one RoundRecord per committed round from a coordinator's run events and store:
 * test metrics from `evaluated`, train loss from `round-completed`, counts and bytes from
 * the stored rounds (model bytes: every attempt of the round, as the download ledger
 * counted them).
 */
import type { Coordinator } from '../server/coordinator.js';
import type { RunEvent } from '../rounds/run-events.js';
import type { RoundRecord } from './simulation-result.js';

interface Pending {
  round: number;
  trainLoss: number | null;
  testAccuracy: number | null;
  testLoss: number | null;
  testPerplexity: number | null;
  testTopKAccuracy: number | null;
  attackSuccessRate: number | null;
  local?: { accuracy: number | null; loss: number | null };
  endedAt: number;
  /** Virtual second the round committed at (virtual-time simulations). */
  virtualAt: number | undefined;
}

const finite = (v: number | undefined): number | null => (v !== undefined && Number.isFinite(v) ? v : null);

/** Gathers round records of one run while it runs. */
export class RoundCollector {
  readonly #c: Coordinator;
  readonly #runId: string;
  readonly #pending = new Map<number, Pending>();
  readonly #failed = new Map<number, number>();
  #lastEnd: number;
  readonly #ends = new Map<number, number>();
  #onRound: ((round: number) => void) | undefined;
  readonly #virtualNow: (() => number) | undefined;

  /** `virtualNow`: the simulator's virtual clock (seconds), when device heterogeneity is on. */
  constructor(coordinator: Coordinator, runId: string, startedAt: number, virtualNow?: () => number) {
    this.#c = coordinator;
    this.#runId = runId;
    this.#lastEnd = startedAt;
    this.#virtualNow = virtualNow;
  }

  /** Called with the round number once a round's record is complete (after evaluation). */
  set onRound(listener: (round: number) => void) {
    this.#onRound = listener;
  }

  /** Feed every run event here. */
  handle(e: RunEvent): void {
    if (e.runId !== this.#runId) return;
    if (e.type === 'round-failed') this.#failed.set(e.round, (this.#failed.get(e.round) ?? 0) + 1);
    if (e.type === 'round-completed') {
      const virtualAt = this.#virtualNow?.();
      const p: Pending = {
        round: e.round,
        trainLoss: finite(e.metrics.loss),
        testAccuracy: null,
        testLoss: null,
        testPerplexity: null,
        testTopKAccuracy: null,
        attackSuccessRate: null,
        endedAt: performance.now(),
        virtualAt,
      };
      this.#pending.set(e.round, p);
    }
    if (e.type === 'evaluated') {
      const p = this.#pending.get(e.round);
      if (p === undefined) return;
      p.testAccuracy = finite(e.metrics.accuracy);
      p.testLoss = finite(e.metrics.loss);
      p.testPerplexity = finite(e.metrics.perplexity);
      p.testTopKAccuracy = finite(e.metrics.topKAccuracy);
      p.attackSuccessRate = finite(e.metrics.attackSuccessRate);
      if (e.metrics.eval_loss !== undefined)
        p.local = { accuracy: finite(e.metrics.eval_accuracy), loss: finite(e.metrics.eval_loss) };
      p.endedAt = performance.now();
    }
    if (
      e.type === 'phase' &&
      // `training` also ends a FedBuff version (its runner goes on training, never waiting)
      (e.phase === 'waiting-for-clients' ||
        e.phase === 'training' ||
        e.phase === 'completed' ||
        e.phase === 'failed')
    ) {
      this.#finish();
    }
  }

  #finish(): void {
    for (const p of [...this.#pending.values()].sort((a, b) => a.round - b.round)) {
      if (this.#ends.has(p.round)) continue;
      this.#ends.set(p.round, p.endedAt - this.#lastEnd);
      this.#lastEnd = p.endedAt;
      this.#onRound?.(p.round);
    }
  }

  /** Pending (not yet stored-read) partial record of a round, for progress output. */
  partial(round: number): { testAccuracy: number | null; trainLoss: number | null } | undefined {
    return this.#pending.get(round);
  }

  /** Final records, joined with the stored rounds (call after the run settled). */
  async records(): Promise<RoundRecord[]> {
    this.#finish();
    const all = await this.#c.stores.runs.listRounds(this.#runId);
    const bytesDown = new Map<number, number>();
    for (const r of all) bytesDown.set(r.round, (bytesDown.get(r.round) ?? 0) + r.bytesDown);
    let lastVirtual = 0;
    return all
      .filter((r) => r.state === 'completed')
      .sort((a, b) => a.round - b.round)
      .map((r) => {
        const p = this.#pending.get(r.round);
        const virtualAt = p?.virtualAt;
        const virtual =
          virtualAt === undefined
            ? {}
            : { virtualSeconds: virtualAt - lastVirtual, virtualTime: (lastVirtual = virtualAt) };
        return {
          ...virtual,
          round: r.round,
          testAccuracy: p?.testAccuracy ?? null,
          testLoss: p?.testLoss ?? null,
          testPerplexity: p?.testPerplexity ?? null,
          testTopKAccuracy: p?.testTopKAccuracy ?? null,
          trainLoss: p?.trainLoss ?? null,
          ...(p === undefined || p.attackSuccessRate === null
            ? {}
            : { attackSuccessRate: p.attackSuccessRate }),
          selected: r.selectedCount,
          completed: r.completedCount,
          failed: r.failedCount,
          dropped: r.droppedCount,
          bytesUp: r.bytesUp,
          bytesDown: bytesDown.get(r.round) ?? 0,
          wallSeconds: (this.#ends.get(r.round) ?? 0) / 1000,
          failedAttempts: this.#failed.get(r.round) ?? 0,
          ...(p?.local === undefined ? {} : { localAccuracy: p.local.accuracy, localLoss: p.local.loss }),
          ...(typeof r.trainMetrics.epsilon === 'number' ? { epsilon: r.trainMetrics.epsilon } : {}),
        };
      });
  }
}
