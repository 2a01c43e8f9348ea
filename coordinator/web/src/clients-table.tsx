/**
 * The client table of a run: every client admitted to it (its join token names the run or
 * `*`), with contributions and failures counted from the run's recorded outcomes, and the
 * current task: its latest progress (live `task-progress` events, else the task in flight
 * when the list was loaded) or, once it ended, its outcome.
 */
import { ago, taskProgress } from './format.js';
import type { ApiClient, ClientOutcomeRecord } from './types.js';

/** A client's task as seen live: an outcome once it ended, else its latest progress. */
export interface LiveTask {
  readonly round: number;
  /** Set by `task-outcome`; progress of the same round never replaces it. */
  readonly outcome?: string;
  readonly kind?: 'fit' | 'evaluate';
  readonly step?: number;
  readonly totalSteps?: number;
  readonly loss?: number;
}

/** The latest live task per client (from `task-outcome` and `task-progress` events). */
export type CurrentTasks = ReadonlyMap<string, LiveTask>;

/** Props of {@link ClientsTable}. */
export interface ClientsTableProps {
  readonly runId: string;
  readonly clients: readonly ApiClient[];
  readonly outcomes: readonly ClientOutcomeRecord[];
  readonly tasks: CurrentTasks;
  readonly currentRound: number;
  readonly training: boolean;
  readonly now: number;
}

/** Completed and other outcomes per client id. */
export function countOutcomes(
  outcomes: readonly ClientOutcomeRecord[],
): Map<string, { ok: number; bad: number }> {
  const m = new Map<string, { ok: number; bad: number }>();
  for (const o of outcomes) {
    const c = m.get(o.clientId) ?? { ok: 0, bad: 0 };
    if (o.outcome === 'completed') c.ok++;
    else c.bad++;
    m.set(o.clientId, c);
  }
  return m;
}

function liveText(t: LiveTask): string {
  if (t.outcome !== undefined) return `round ${String(t.round)}: ${t.outcome}`;
  return taskProgress({ ...t, kind: t.kind ?? 'fit' });
}

/**
 * The newest of: the task in flight when the list was loaded (rounds after the last
 * committed one), and what events said live (an outcome wins over loaded progress of the
 * same round).
 */
function taskText(p: ClientsTableProps, c: ApiClient): string {
  const t = p.tasks.get(c.clientId);
  const loaded = c.task?.runId === p.runId ? c.task : null;
  if (loaded !== null && loaded.round > p.currentRound && loaded.round > (t?.round ?? -1)) {
    return taskProgress(loaded);
  }
  if (t !== undefined && t.round >= p.currentRound) return liveText(t);
  if (p.training && c.connected) return `round ${String(p.currentRound + 1)}: idle or training`;
  return t === undefined ? '—' : liveText(t);
}

/** The table. */
export function ClientsTable(p: ClientsTableProps) {
  if (p.clients.length === 0) return <p class="muted">No clients have joined this run.</p>;
  const counts = countOutcomes(p.outcomes);
  const rows = [...p.clients]
    .sort((a, b) => Number(b.connected) - Number(a.connected) || b.lastSeen - a.lastSeen)
    .slice(0, 200);
  return (
    <div class="table-wrap">
      <table class="stack" data-testid="clients-table">
        <thead>
          <tr>
            <th scope="col">Client</th>
            <th scope="col">Status</th>
            <th scope="col">Backend</th>
            <th scope="col">Device</th>
            <th scope="col">Last seen</th>
            <th scope="col">Contributions</th>
            <th scope="col">Failures</th>
            <th scope="col">Current task</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((c) => {
            const n = counts.get(c.clientId) ?? { ok: 0, bad: 0 };
            return (
              <tr key={c.clientId}>
                <th scope="row" class="mono" title={c.clientId}>
                  {c.clientId.slice(0, 12)}
                </th>
                <td data-label="Status">
                  <span class={`badge ${c.connected ? 'status-running' : 'status-stopped'}`}>
                    {c.connected ? 'online' : 'offline'}
                  </span>
                </td>
                <td data-label="Backend">{c.capabilities.backend ?? '—'}</td>
                <td data-label="Device">{c.capabilities.deviceClass ?? '—'}</td>
                <td data-label="Last seen">{ago(c.lastSeen, p.now)}</td>
                <td data-label="Contributions" class="num">
                  {n.ok}
                </td>
                <td data-label="Failures" class="num">
                  {n.bad}
                </td>
                <td data-label="Current task">{taskText(p, c)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {p.clients.length > rows.length ? (
        <p class="muted">{p.clients.length - rows.length} more clients not shown.</p>
      ) : null}
    </div>
  );
}
