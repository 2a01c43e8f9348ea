/**
 * Waits, without polling, until a run has `count` idle candidate clients: re-checks on
 * every join, resume and finished task, and gives up when the signal aborts. A secure run
 * (`secureOnly`) counts only clients that announced the secure-aggregation capability, the
 * only ones its rounds can select; the others are not waited for as if they could take part.
 */
import type { ControlPlane } from '../transport/control-plane-types.js';
import type { TaskGateway } from '../rounds/task-gateway.js';

/** Options of {@link waitForCandidates}. */
export interface WaitForCandidatesOptions {
  readonly plane: ControlPlane<unknown>;
  readonly gateway: TaskGateway & { onIdle(listener: () => void): () => void };
  readonly runId: string;
  readonly count: number;
  readonly signal: AbortSignal;
  /** Count only secure-capable clients (`capabilities.secureAggregation === true`). */
  readonly secureOnly?: boolean;
}

/** The candidates {@link waitForCandidates} counts. */
export function countCandidates(gateway: TaskGateway, runId: string, secureOnly = false): number {
  const all = gateway.candidates(runId);
  return secureOnly ? all.filter((c) => c.capabilities?.secureAggregation === true).length : all.length;
}

/** Resolves once enough candidates exist, or when the signal aborts (never rejects). */
export function waitForCandidates(o: WaitForCandidatesOptions): Promise<void> {
  return new Promise((resolve) => {
    const subs: (() => void)[] = [];
    const done = (): void => {
      for (const unsub of subs) unsub();
      o.signal.removeEventListener('abort', done);
      resolve();
    };
    const check = (): void => {
      if (countCandidates(o.gateway, o.runId, o.secureOnly) >= o.count) done();
    };
    if (o.signal.aborted) {
      resolve();
      return;
    }
    o.signal.addEventListener('abort', done, { once: true });
    subs.push(o.plane.onClientJoined(check), o.plane.onClientResumed(check), o.gateway.onIdle(check));
    check();
  });
}
