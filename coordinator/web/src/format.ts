/** Small formatting helpers for numbers, bytes and times. */

/** `0.9731` -> `97.3%`; `—` for a missing value. */
export function percent(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? '—' : `${(v * 100).toFixed(1)}%`;
}

/** A metric value with 4 significant digits; `—` when missing. */
export function num(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? '—' : Number(v.toPrecision(4)).toString();
}

/** Bytes in B/KB/MB/GB (powers of 1024). */
export function bytes(n: number): string {
  if (!Number.isFinite(n) || n < 1024) return `${String(n)} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i] ?? 'TB'}`;
}

/** Milliseconds as `850 ms`, `12.3 s`, `4 min 5 s`. */
export function duration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${String(Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60_000);
  return `${String(m)} min ${String(Math.round((ms % 60_000) / 1000))} s`;
}

/** Epoch ms as local date-time; `—` for 0/undefined. */
export function dateTime(ms: number | undefined): string {
  if (ms === undefined || ms <= 0) return '—';
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

/** Epoch ms relative to now: `12 s ago`, `3 min ago`. */
export function ago(ms: number, now: number): string {
  const d = Math.max(0, now - ms);
  if (d < 60_000) return `${String(Math.round(d / 1000))} s ago`;
  if (d < 3600_000) return `${String(Math.round(d / 60_000))} min ago`;
  return dateTime(ms);
}

/** What {@link taskProgress} describes: a task's round, kind and latest reported progress. */
export interface TaskProgressLike {
  readonly round: number;
  readonly kind: 'fit' | 'evaluate';
  readonly step?: number;
  readonly totalSteps?: number;
  readonly loss?: number;
}

/**
 * `round 4: training, step 120/375, loss 0.31`; the step part without `/total` when the
 * total is unknown, no step part before the first report, no loss part when none was sent.
 */
export function taskProgress(t: TaskProgressLike): string {
  const parts = [`round ${String(t.round)}: ${t.kind === 'fit' ? 'training' : 'evaluating'}`];
  if (t.step !== undefined) {
    parts.push(`step ${String(t.step)}${t.totalSteps === undefined ? '' : `/${String(t.totalSteps)}`}`);
  }
  if (t.loss !== undefined && Number.isFinite(t.loss))
    parts.push(`loss ${Number(t.loss.toPrecision(2)).toString()}`);
  return parts.join(', ');
}
