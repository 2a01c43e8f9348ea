/** The runs list: one row per run with its status, progress, best accuracy and clients. */
import { api } from './api.js';
import { dateTime, percent } from './format.js';
import { useLiveData } from './use-live-data.js';
import type { ApiClient, ApiRun, RoundRecord } from './types.js';

interface RunRow {
  readonly run: ApiRun;
  readonly rounds: readonly RoundRecord[];
}

interface ListData {
  readonly rows: readonly RunRow[];
  readonly clients: readonly ApiClient[];
}

async function loadList(): Promise<ListData> {
  const [{ runs }, { clients }] = await Promise.all([
    api<{ runs: ApiRun[] }>('GET', '/api/runs'),
    api<{ clients: ApiClient[] }>('GET', '/api/clients'),
  ]);
  const sorted = [...runs].sort((a, b) => b.createdAt - a.createdAt).slice(0, 100);
  const rows = await Promise.all(
    sorted.map(async (run) => ({
      run,
      rounds: (await api<{ rounds: RoundRecord[] }>('GET', `/api/runs/${encodeURIComponent(run.id)}/rounds`))
        .rounds,
    })),
  );
  return { rows, clients };
}

/** Best accuracy of a run: `accuracy`, else any metric whose name contains "accuracy". */
export function bestAccuracy(run: ApiRun): number | undefined {
  const m = run.bestMetrics;
  if (m.accuracy !== undefined) return m.accuracy;
  const k = Object.keys(m).find((name) => name.includes('accuracy'));
  return k === undefined ? undefined : m[k];
}

/** Strategy name from a run's config (`fedavg` when absent). */
export function strategyName(run: ApiRun): string {
  const s = run.config.strategy;
  const name = typeof s === 'object' && s !== null ? (s as { name?: unknown }).name : undefined;
  return typeof name === 'string' ? name : 'fedavg';
}

/** Total rounds from a run's config. */
export function totalRounds(run: ApiRun): number | undefined {
  return typeof run.config.rounds === 'number' ? run.config.rounds : undefined;
}

/**
 * A run's phase as text. While it waits for clients it says how many it needs and, for a
 * secure run, that only secure-capable clients count (the others are never selected).
 */
export function phaseText(run: ApiRun, phase: string): string {
  if (phase !== 'waiting-for-clients') return phase;
  const s = run.config.strategy;
  const minOf = (k: string): number =>
    typeof s === 'object' && s !== null && typeof (s as Record<string, unknown>)[k] === 'number'
      ? ((s as Record<string, unknown>)[k] as number)
      : 0;
  const need = Math.max(minOf('minAvailableClients'), minOf('minFitClients'));
  const secure = run.config.secureAggregation !== undefined ? 'secure-capable ' : '';
  return need > 0 ? `waiting for ${String(need)} ${secure}clients` : `waiting for ${secure}clients`;
}

function Status({ run }: { run: ApiRun }) {
  const showPhase = run.status === 'running' && run.phase !== 'idle';
  return (
    <span class={`badge status-${run.status}`}>
      {run.status}
      {showPhase ? ` · ${phaseText(run, run.phase)}` : ''}
    </span>
  );
}

function Row({ row, clients }: { row: RunRow; clients: readonly ApiClient[] }) {
  const { run, rounds } = row;
  const connected = clients.filter((c) => c.connected && (c.run === run.id || c.run === '*')).length;
  const last = rounds[rounds.length - 1];
  const started = rounds[0]?.startedAt;
  const total = totalRounds(run);
  return (
    <tr>
      <th scope="row">
        <a href={`#/runs/${encodeURIComponent(run.id)}`}>{run.name}</a>
      </th>
      <td data-label="Status">
        <Status run={run} />
      </td>
      <td data-label="Round" class="num" data-testid="list-round">
        {run.currentRound}
        {total === undefined ? '' : ` / ${String(total)}`}
      </td>
      <td data-label="Best accuracy" class="num">
        {percent(bestAccuracy(run))}
      </td>
      <td data-label="Clients (connected / selected)" class="num">
        {connected} / {last?.selectedCount ?? 0}
      </td>
      <td data-label="Started">{dateTime(started)}</td>
      <td data-label="Strategy">{strategyName(run)}</td>
    </tr>
  );
}

/** The runs page. */
export function RunsList() {
  const { data, error } = useLiveData(
    loadList,
    (e) =>
      e.kind === 'client' ||
      (e.kind === 'run' && e.event.type !== 'task-outcome' && e.event.type !== 'task-progress'),
    [],
  );
  return (
    <section aria-labelledby="runs-title">
      <div class="section-head">
        <h1 id="runs-title">Runs</h1>
        <a class="button" href="#/new">
          New run
        </a>
      </div>
      {error === '' ? null : (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {data === undefined ? (
        <p class="muted">Loading…</p>
      ) : data.rows.length === 0 ? (
        <p class="muted">No runs yet. Create one to start training.</p>
      ) : (
        <div class="table-wrap">
          <table class="stack" data-testid="runs-table">
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">Status</th>
                <th scope="col">Round</th>
                <th scope="col">Best accuracy</th>
                <th scope="col">Clients (connected / selected)</th>
                <th scope="col">Started</th>
                <th scope="col">Strategy</th>
              </tr>
            </thead>
            <tbody>
              {data.rows.map((row) => (
                <Row key={row.run.id} row={row} clients={data.clients} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
