/**
 * One run: status (in cluster mode also its leader node and lease epoch) and controls, live
 * charts, the round timeline, clients, model versions and the configuration. Reloads its data
 * when a live event for this run arrives.
 */
import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';
import { ClientsTable, type CurrentTasks, type LiveTask } from './clients-table.js';
import { EvaluationPanel } from './evaluation-panel.js';
import { SaliencyPanel } from './saliency-panel.js';
import type { EvaluationReport } from './evaluation-types.js';
import { percent } from './format.js';
import { subscribe, throttle, type HubEvent } from './hub.js';
import { FedBuffPanel, isFedBuff } from './fedbuff-panel.js';
import { ModelVersions } from './model-versions.js';
import { RunCharts } from './run-charts.js';
import { RunControls } from './run-controls.js';
import { RunLeader } from './run-leader.js';
import { bestAccuracy, phaseText, strategyName, totalRounds } from './runs-list.js';
import { RoundsTable } from './rounds-table.js';
import { useLiveData } from './use-live-data.js';
import type {
  ApiClient,
  ApiRun,
  CheckpointRecord,
  ClientOutcomeRecord,
  MetricPoint,
  RoundRecord,
  RunPhase,
} from './types.js';

interface RunData {
  readonly run: ApiRun;
  readonly rounds: readonly RoundRecord[];
  readonly metrics: readonly MetricPoint[];
  readonly checkpoints: readonly CheckpointRecord[];
  readonly outcomes: readonly ClientOutcomeRecord[];
  readonly clients: readonly ApiClient[];
  readonly reports: readonly EvaluationReport[];
}

async function loadRun(id: string): Promise<RunData> {
  const base = `/api/runs/${encodeURIComponent(id)}`;
  const [run, r, m, c, o, cl, ev] = await Promise.all([
    api<ApiRun>('GET', base),
    api<{ rounds: RoundRecord[] }>('GET', `${base}/rounds`),
    api<{ metrics: MetricPoint[] }>('GET', `${base}/metrics`),
    api<{ checkpoints: CheckpointRecord[] }>('GET', `${base}/checkpoints`),
    api<{ outcomes: ClientOutcomeRecord[] }>('GET', `${base}/outcomes`),
    api<{ clients: ApiClient[] }>('GET', '/api/clients'),
    api<{ reports: EvaluationReport[] }>('GET', `${base}/evaluations`),
  ]);
  const clients = cl.clients.filter((x) => x.run === id || x.run === '*');
  return {
    run,
    rounds: r.rounds,
    metrics: m.metrics,
    checkpoints: c.checkpoints,
    outcomes: o.outcomes,
    clients,
    reports: ev.reports,
  };
}

/** How often the client table takes in buffered task progress (ms). */
const PROGRESS_RENDER_MS = 1000;

/** Progress never replaces the outcome of the same task's round. */
function withProgress(m: CurrentTasks, clientId: string, t: LiveTask): CurrentTasks {
  const had = m.get(clientId);
  if (had?.outcome !== undefined && had.round >= t.round) return m;
  return new Map(m).set(clientId, t);
}

/** A run event of this run that changes stored data (progress does not: it only lives). */
function changesData(e: HubEvent, runId: string): boolean {
  if (e.kind === 'client') return true;
  return e.kind === 'run' && e.event.runId === runId && e.event.type !== 'task-progress';
}

/**
 * Live phase and current tasks of one run, from events. Outcomes show at once; progress
 * (about one event per client a second) is buffered and rendered at most once a second.
 */
function useLiveRun(runId: string): { phase: RunPhase | undefined; tasks: CurrentTasks } {
  const [phase, setPhase] = useState<RunPhase | undefined>(undefined);
  const [tasks, setTasks] = useState<CurrentTasks>(new Map());
  useEffect(() => {
    setPhase(undefined);
    setTasks(new Map());
    const pending = new Map<string, LiveTask>();
    const render = throttle(() => {
      const batch = [...pending];
      pending.clear();
      setTasks((m) => batch.reduce((acc, [id, t]) => withProgress(acc, id, t), m));
    }, PROGRESS_RENDER_MS);
    const unsub = subscribe((e) => {
      if (e.kind !== 'run' || e.event.runId !== runId) return;
      const ev = e.event;
      if (ev.type === 'phase') setPhase(ev.phase);
      if (ev.type === 'task-outcome') {
        pending.delete(ev.clientId);
        setTasks((m) => new Map(m).set(ev.clientId, { round: ev.round, outcome: ev.outcome }));
      }
      if (ev.type === 'task-progress') {
        const { round, kind, step, totalSteps, loss } = ev;
        pending.set(ev.clientId, {
          round,
          kind,
          step,
          ...(totalSteps === undefined ? {} : { totalSteps }),
          ...(loss === undefined ? {} : { loss }),
        });
        render.trigger();
      }
    });
    return () => {
      render.cancel();
      unsub();
    };
  }, [runId]);
  return { phase, tasks };
}

function Summary({ run, phase, cluster }: { run: ApiRun; phase: RunPhase; cluster: boolean }) {
  const total = totalRounds(run);
  return (
    <dl class="summary">
      <div>
        <dt>Status</dt>
        <dd>
          <span class={`badge status-${run.status}`} data-testid="run-status">
            {run.status}
          </span>
        </dd>
      </div>
      <div>
        <dt>Phase</dt>
        <dd data-testid="run-phase">{phaseText(run, phase)}</dd>
      </div>
      <div>
        <dt>Round</dt>
        <dd data-testid="run-round">
          {run.currentRound}
          {total === undefined ? '' : ` / ${String(total)}`}
        </dd>
      </div>
      <div>
        <dt>Best accuracy</dt>
        <dd>{percent(bestAccuracy(run))}</dd>
      </div>
      <div>
        <dt>Strategy</dt>
        <dd>{strategyName(run)}</dd>
      </div>
      <div>
        <dt>Model version</dt>
        <dd>{run.currentModelVersion === null ? '—' : `v${String(run.currentModelVersion)}`}</dd>
      </div>
      {cluster ? <RunLeader runId={run.id} /> : null}
    </dl>
  );
}

/** The run page; `cluster`: the coordinator is one node of a cluster (shows the run's leader). */
export function RunView({ runId, cluster }: { runId: string; cluster: boolean }) {
  const { data, error, reload } = useLiveData(
    () => loadRun(runId),
    (e) => changesData(e, runId),
    [runId],
  );
  const live = useLiveRun(runId);
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    setNow(Date.now());
  }, [data]);
  return (
    <section aria-labelledby="run-title">
      <p class="crumbs">
        <a href="#/">← All runs</a>
      </p>
      {error === '' ? null : (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {data === undefined ? (
        <p class="muted">Loading…</p>
      ) : (
        <>
          <div class="section-head">
            <h1 id="run-title">{data.run.name}</h1>
            <RunControls run={data.run} onChanged={reload} />
          </div>
          <p class="muted mono">{data.run.id}</p>
          <Summary run={data.run} phase={live.phase ?? data.run.phase} cluster={cluster} />
          <RunCharts points={data.metrics} />
          <EvaluationPanel reports={data.reports} />
          <SaliencyPanel runId={data.run.id} version={data.run.currentModelVersion} />
          <h2>Round timeline</h2>
          <RoundsTable rounds={data.rounds} />
          <h2>Clients</h2>
          <ClientsTable
            runId={data.run.id}
            clients={data.clients}
            outcomes={data.outcomes}
            tasks={live.tasks}
            currentRound={data.run.currentRound}
            training={(live.phase ?? data.run.phase) === 'training'}
            now={now}
          />
          {isFedBuff(data.run) ? (
            <>
              <h2>Asynchronous aggregation (FedBuff)</h2>
              <FedBuffPanel runId={data.run.id} version={data.run.currentModelVersion} />
            </>
          ) : null}
          <h2>Model versions</h2>
          <ModelVersions runId={data.run.id} checkpoints={data.checkpoints} />
          <details class="card config">
            <summary>Configuration</summary>
            <pre data-testid="run-config">{JSON.stringify(data.run.config, null, 2)}</pre>
          </details>
        </>
      )}
    </section>
  );
}
