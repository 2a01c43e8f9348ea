/**
 * What the dashboard shows of a FedBuff run (`GET /api/runs/:id/fedbuff`), computed from the
 * stored versions (rounds) and client outcomes: the model version timeline, the staleness
 * histogram of aggregated updates, updates per minute, and how many updates were rejected
 * as too stale. Pure: takes the records, returns plain JSON.
 */
import { STALENESS_HIST_PREFIX } from '../rounds/fedbuff-commit.js';
import type { ClientOutcomeRecord, RoundRecord } from '../store/records.js';

/** One committed model version. */
export interface VersionPoint {
  readonly version: number;
  /** Epoch ms it was committed. */
  readonly at: number;
  /** Ms from the previous version's commit. */
  readonly durationMs: number;
  readonly updates: number;
  readonly stalenessMean: number | null;
  readonly stalenessMax: number | null;
  /** Central or federated evaluation accuracy of this version, when evaluated. */
  readonly accuracy: number | null;
}

/** The FedBuff view of a run. */
export interface FedBuffStats {
  readonly timeline: readonly VersionPoint[];
  /** Aggregated updates by staleness (versions behind), ascending. */
  readonly staleness: readonly { readonly staleness: number; readonly updates: number }[];
  /** Aggregated updates per wall-clock minute (minute = epoch ms of its start), ascending. */
  readonly updatesPerMinute: readonly { readonly minute: number; readonly updates: number }[];
  /** Updates rejected with STALE_UPDATE. */
  readonly rejectedStale: number;
}

const num = (v: number | undefined): number | null => (v === undefined || !Number.isFinite(v) ? null : v);

/** Computes the view from a run's rounds (= versions) and client outcomes. */
export function fedbuffStats(
  rounds: readonly RoundRecord[],
  outcomes: readonly ClientOutcomeRecord[],
): FedBuffStats {
  const done = rounds.filter((r) => r.state === 'completed').sort((a, b) => a.round - b.round);
  const hist = new Map<number, number>();
  const perMinute = new Map<number, number>();
  const timeline = done.map((r): VersionPoint => {
    let updates = 0;
    for (const [k, v] of Object.entries(r.trainMetrics)) {
      if (!k.startsWith(STALENESS_HIST_PREFIX)) continue;
      const s = Number(k.slice(STALENESS_HIST_PREFIX.length));
      hist.set(s, (hist.get(s) ?? 0) + v);
      updates += v;
    }
    const at = r.endedAt ?? r.startedAt;
    const minute = Math.floor(at / 60_000) * 60_000;
    perMinute.set(minute, (perMinute.get(minute) ?? 0) + updates);
    return {
      version: r.round,
      at,
      durationMs: at - r.startedAt,
      updates,
      stalenessMean: num(r.trainMetrics.staleness_mean),
      stalenessMax: num(r.trainMetrics.staleness_max),
      accuracy: num(r.evalMetrics.accuracy ?? r.evalMetrics.eval_accuracy),
    };
  });
  return {
    timeline,
    staleness: [...hist].sort((a, b) => a[0] - b[0]).map(([staleness, updates]) => ({ staleness, updates })),
    updatesPerMinute: [...perMinute]
      .sort((a, b) => a[0] - b[0])
      .map(([minute, updates]) => ({ minute, updates })),
    rejectedStale: outcomes.filter((o) => o.code === 'STALE_UPDATE').length,
  };
}
