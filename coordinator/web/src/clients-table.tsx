/**
 * The client table of a run: every client admitted to it (its join token names the run or
 * `*`), with contributions and failures counted from the run's recorded outcomes and the
 * latest task outcome seen live.
 */
import { ago } from './format.js';
import type { ApiClient, ClientOutcomeRecord } from './types.js';

/** The latest live task outcome per client (from `task-outcome` events). */
export type CurrentTasks = ReadonlyMap<string, { round: number; outcome: string }>;

/** Props of {@link ClientsTable}. */
export interface ClientsTableProps {
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

function taskText(p: ClientsTableProps, c: ApiClient): string {
  const t = p.tasks.get(c.clientId);
  if (t !== undefined && t.round === p.currentRound) return `round ${String(t.round)}: ${t.outcome}`;
  if (p.training && c.connected) return `round ${String(p.currentRound)}: idle or training`;
  return t === undefined ? '—' : `round ${String(t.round)}: ${t.outcome}`;
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
