/**
 * The cluster page (`#/cluster`): the node this page is connected to, every live node (URL,
 * connected participants, seconds since its heartbeat, start time) and every run's leader
 * node and lease epoch, linking to the run. It reads `GET /api/cluster` every few seconds and
 * whenever a run's phase changes (pause, resume and takeover move leases); a failed read (503
 * when the node cannot reach Redis) shows the error above the last view, which stays.
 */
import { api } from './api.js';
import { CLUSTER_POLL_MS, heartbeatAge, loadCluster, type ClusterSnapshot } from './cluster-data.js';
import { dateTime } from './format.js';
import { useLiveData } from './use-live-data.js';
import type { ApiRun, ClusterNode, LeaseHolder } from './types.js';

interface ClusterPageData {
  /** undefined: a single coordinator. */
  readonly cluster: ClusterSnapshot | undefined;
  readonly runs: readonly ApiRun[];
}

async function loadPage(): Promise<ClusterPageData> {
  const [cluster, { runs }] = await Promise.all([loadCluster(), api<{ runs: ApiRun[] }>('GET', '/api/runs')]);
  return { cluster, runs: [...runs].sort((a, b) => b.createdAt - a.createdAt).slice(0, 100) };
}

function NodeRow({ node, self, at }: { node: ClusterNode; self: boolean; at: number }) {
  return (
    <tr data-node={node.nodeId}>
      <th scope="row">
        <span class="mono">{node.nodeId}</span>
        {self ? <span class="badge this-node">this node</span> : null}
      </th>
      <td data-label="URL">
        <span class="mono">{node.url}</span>
      </td>
      <td data-label="Participants" class="num">
        {node.clients}
      </td>
      <td data-label="Last heartbeat" class="num">
        {heartbeatAge(node.heartbeatAt, at)} s ago
      </td>
      <td data-label="Up since">{dateTime(node.startedAt)}</td>
    </tr>
  );
}

function NodesTable({ snapshot }: { snapshot: ClusterSnapshot }) {
  const { view, at } = snapshot;
  if (view.nodes.length === 0) return <p class="muted">No live nodes in the registry.</p>;
  return (
    <div class="table-wrap">
      <table class="stack" aria-labelledby="nodes-title" data-testid="cluster-nodes">
        <thead>
          <tr>
            <th scope="col">Node</th>
            <th scope="col">URL</th>
            <th scope="col">Participants</th>
            <th scope="col">Last heartbeat</th>
            <th scope="col">Up since</th>
          </tr>
        </thead>
        <tbody>
          {view.nodes.map((n) => (
            <NodeRow key={n.nodeId} node={n} self={n.nodeId === view.nodeId} at={at} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

interface LeaderRow {
  readonly runId: string;
  readonly run: ApiRun | undefined;
  readonly holder: LeaseHolder | undefined;
}

/** Every run (newest first) with its lease holder, plus any lease on a run the list lacks. */
function leaderRows(runs: readonly ApiRun[], leaders: readonly LeaseHolder[]): LeaderRow[] {
  const byRun = new Map(leaders.map((h) => [h.runId, h]));
  const rows: LeaderRow[] = runs.map((run) => ({ runId: run.id, run, holder: byRun.get(run.id) }));
  const listed = new Set(runs.map((r) => r.id));
  for (const h of leaders) if (!listed.has(h.runId)) rows.push({ runId: h.runId, run: undefined, holder: h });
  return rows;
}

function leaderText(row: LeaderRow, live: ReadonlySet<string>): string {
  const h = row.holder;
  if (h !== undefined) return live.has(h.nodeId) ? h.nodeId : `${h.nodeId} (not live)`;
  return row.run?.status === 'running' ? 'none (awaiting takeover)' : 'none';
}

function LeadersTable({ snapshot, runs }: { snapshot: ClusterSnapshot; runs: readonly ApiRun[] }) {
  const rows = leaderRows(runs, snapshot.view.leaders);
  if (rows.length === 0) return <p class="muted">No runs yet.</p>;
  const live = new Set(snapshot.view.nodes.map((n) => n.nodeId));
  return (
    <div class="table-wrap">
      <table class="stack" aria-labelledby="leaders-title" data-testid="cluster-leaders">
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Status</th>
            <th scope="col">Leader</th>
            <th scope="col">Lease epoch</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.runId} data-run={row.runId}>
              <th scope="row">
                <a href={`#/runs/${encodeURIComponent(row.runId)}`}>{row.run?.name ?? row.runId}</a>
              </th>
              <td data-label="Status">
                {row.run === undefined ? (
                  '—'
                ) : (
                  <span class={`badge status-${row.run.status}`}>{row.run.status}</span>
                )}
              </td>
              <td data-label="Leader">
                <span class="mono">{leaderText(row, live)}</span>
              </td>
              <td data-label="Lease epoch" class="num">
                {row.holder === undefined ? '—' : row.holder.epoch}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The cluster page. */
export function ClusterPage() {
  const { data, error } = useLiveData(
    loadPage,
    (e) => e.kind === 'run' && e.event.type === 'phase',
    [],
    250,
    CLUSTER_POLL_MS,
  );
  const snapshot = data?.cluster;
  return (
    <section aria-labelledby="cluster-title">
      <h1 id="cluster-title">Cluster</h1>
      {error === '' ? null : (
        <p class="error" role="alert" data-testid="cluster-error">
          {error}
          {data === undefined ? '' : ' Showing the last view read.'}
        </p>
      )}
      {data === undefined ? (
        error === '' ? (
          <p class="muted">Loading…</p>
        ) : null
      ) : snapshot === undefined ? (
        <p class="muted">This coordinator runs alone: it is not part of a cluster.</p>
      ) : (
        <>
          <p>
            This page is connected to node{' '}
            <strong class="mono" data-testid="this-node">
              {snapshot.view.nodeId}
            </strong>
            .{' '}
            <span class="muted">
              As of {new Date(snapshot.at).toLocaleTimeString()}, read every {CLUSTER_POLL_MS / 1000} s.
            </span>
          </p>
          <h2 id="nodes-title">Nodes</h2>
          <NodesTable snapshot={snapshot} />
          <h2 id="leaders-title">Runs and their leaders</h2>
          <LeadersTable snapshot={snapshot} runs={data.runs} />
        </>
      )}
    </section>
  );
}
