/**
 * The FedBuff part of a run page (runs in `mode: fedbuff`): the model version timeline, the
 * staleness histogram of aggregated updates and updates per minute, from
 * `GET /api/runs/:id/fedbuff`, reloaded whenever the run page's data is.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, describeError } from './api.js';
import { dateTime, duration, percent } from './format.js';
import type { FedBuffStats } from '../../src/admin/fedbuff-stats.js';
import type { ApiRun } from './types.js';

/** Whether a run aggregates asynchronously (FedBuff). */
export function isFedBuff(run: ApiRun): boolean {
  return run.config.mode === 'fedbuff';
}

function Bars({ rows, label }: { rows: readonly (readonly [string, number])[]; label: string }) {
  const max = Math.max(1, ...rows.map(([, v]) => v));
  return (
    <div class="bars" role="table" aria-label={label}>
      {rows.map(([k, v]) => (
        <div class="bar-row" role="row" key={k}>
          <span role="cell" class="mono">
            {k}
          </span>
          <span role="cell" class="bar" style={{ width: `${String((100 * v) / max)}%` }} />
          <span role="cell" class="num">
            {v}
          </span>
        </div>
      ))}
    </div>
  );
}

/** The panel; `version` changes whenever a new model version is committed. */
export function FedBuffPanel({ runId, version }: { runId: string; version: number | null }) {
  const [stats, setStats] = useState<FedBuffStats | undefined>(undefined);
  const [error, setError] = useState('');
  useEffect(() => {
    api<FedBuffStats>('GET', `/api/runs/${encodeURIComponent(runId)}/fedbuff`).then(
      (s) => {
        setStats(s);
        setError('');
      },
      (err: unknown) => {
        setError(describeError(err));
      },
    );
  }, [runId, version]);
  if (error !== '') return <p class="error">{error}</p>;
  if (stats === undefined) return <p class="muted">Loading…</p>;
  const recent = [...stats.timeline].reverse().slice(0, 20);
  return (
    <div data-testid="fedbuff-panel">
      <h3>Staleness of aggregated updates</h3>
      <p class="muted">{stats.rejectedStale} updates rejected as too stale (STALE_UPDATE)</p>
      <Bars
        label="staleness histogram"
        rows={stats.staleness.map((s) => [`${String(s.staleness)} behind`, s.updates])}
      />
      <h3>Updates per minute</h3>
      <Bars
        label="updates per minute"
        rows={stats.updatesPerMinute.map((m) => [dateTime(m.minute), m.updates])}
      />
      <h3>Model version timeline</h3>
      <div class="table-wrap">
        <table class="stack" data-testid="fedbuff-versions">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Committed</th>
              <th scope="col">Took</th>
              <th scope="col">Updates</th>
              <th scope="col">Mean staleness</th>
              <th scope="col">Accuracy</th>
            </tr>
          </thead>
          <tbody>
            {recent.map((v) => (
              <tr key={v.version}>
                <th scope="row">v{v.version}</th>
                <td data-label="Committed">{dateTime(v.at)}</td>
                <td data-label="Took">{duration(v.durationMs)}</td>
                <td data-label="Updates" class="num">
                  {v.updates}
                </td>
                <td data-label="Mean staleness" class="num">
                  {v.stalenessMean === null ? '—' : v.stalenessMean.toFixed(2)}
                </td>
                <td data-label="Accuracy" class="num">
                  {percent(v.accuracy ?? undefined)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
