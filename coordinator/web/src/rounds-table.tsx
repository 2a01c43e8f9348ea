/** The round timeline: one row per round attempt, newest first. */
import { bytes, duration, percent } from './format.js';
import type { RoundRecord } from './types.js';

/** Props of {@link RoundsTable}. */
export interface RoundsTableProps {
  readonly rounds: readonly RoundRecord[];
  /** Rows shown (newest first); the rest are summarised. */
  readonly limit?: number;
}

/** The timeline table. */
export function RoundsTable({ rounds, limit = 30 }: RoundsTableProps) {
  if (rounds.length === 0) return <p class="muted">No rounds yet.</p>;
  const rows = [...rounds].reverse().slice(0, limit);
  return (
    <div class="table-wrap">
      <table class="dense" data-testid="rounds-table">
        <thead>
          <tr>
            <th scope="col">Round</th>
            <th scope="col">State</th>
            <th scope="col">Selected</th>
            <th scope="col">Completed</th>
            <th scope="col">Failed</th>
            <th scope="col">Dropped</th>
            <th scope="col">Duration</th>
            <th scope="col">Up / down</th>
            <th scope="col">Train acc.</th>
            <th scope="col">Eval acc.</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={`${String(r.round)}-${String(r.attempt)}`} title={r.failureReason ?? undefined}>
              <th scope="row">
                {r.round}
                {r.attempt > 1 ? <span class="muted"> (attempt {r.attempt})</span> : null}
              </th>
              <td data-label="State">
                <span class={`badge round-${r.state}`}>{r.state}</span>
              </td>
              <td data-label="Selected" class="num">
                {r.selectedCount}
              </td>
              <td data-label="Completed" class="num">
                {r.completedCount}
              </td>
              <td data-label="Failed" class="num">
                {r.failedCount}
              </td>
              <td data-label="Dropped" class="num">
                {r.droppedCount}
              </td>
              <td data-label="Duration" class="num">
                {duration(r.endedAt === null ? null : r.endedAt - r.startedAt)}
              </td>
              <td data-label="Up / down" class="num">
                {bytes(r.bytesUp)} / {bytes(r.bytesDown)}
              </td>
              <td data-label="Train acc." class="num">
                {percent(r.trainMetrics.accuracy)}
              </td>
              <td data-label="Eval acc." class="num">
                {percent(r.evalMetrics.accuracy ?? r.evalMetrics.eval_accuracy)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {rounds.length > limit ? <p class="muted">{rounds.length - limit} older attempts not shown.</p> : null}
    </div>
  );
}
