/**
 * The run view's evaluation section: the central confusion matrix as a heatmap for any
 * evaluated round (round slider; it follows the newest round until moved), per-class
 * precision/recall/accuracy for that round, per-class accuracy over rounds, and the
 * federated per-client distribution (histogram per round, 10th percentile, worst-10% mean
 * and spread over rounds).
 */
import { useState } from 'preact/hooks';
import { ConfusionHeatmap } from './confusion-heatmap.js';
import type { CentralReport, Distribution, EvaluationReport, FederatedReport } from './evaluation-types.js';
import { MetricChart } from './metric-chart.js';

const CLASS_COLORS = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];
const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;

/**
 * A round picker over `rounds` (ascending): the newest until the user moves it. Returns
 * the chosen index and the slider.
 */
function useRoundSlider(rounds: readonly number[], label: string, testId: string) {
  const [picked, setPicked] = useState<number | undefined>(undefined);
  const index = picked === undefined ? rounds.length - 1 : Math.min(picked, rounds.length - 1);
  const slider = (
    <label class="round-slider">
      {label}{' '}
      <input
        type="range"
        min={0}
        max={Math.max(0, rounds.length - 1)}
        step={1}
        value={index}
        data-testid={testId}
        aria-valuetext={`round ${String(rounds[index] ?? 0)}`}
        onInput={(e) => {
          const v = Number((e.target as HTMLInputElement).value);
          setPicked(v >= rounds.length - 1 ? undefined : v);
        }}
      />{' '}
      <output>round {rounds[index] ?? '—'}</output>
    </label>
  );
  return { index, slider };
}

function PerClassTable({ report }: { report: CentralReport }) {
  return (
    <table class="per-class" data-testid="per-class-table">
      <thead>
        <tr>
          <th scope="col">Class</th>
          <th scope="col">Examples</th>
          <th scope="col">Precision</th>
          <th scope="col">Recall</th>
          <th scope="col">Accuracy</th>
        </tr>
      </thead>
      <tbody>
        {report.perClass.map((c) => (
          <tr key={c.class} data-class={c.class}>
            <th scope="row">{c.class}</th>
            <td>{c.support}</td>
            <td data-metric="precision">{pct(c.precision)}</td>
            <td data-metric="recall">{pct(c.recall)}</td>
            <td data-metric="accuracy">{pct(c.accuracy)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function CentralView({ reports }: { reports: readonly { round: number; report: CentralReport }[] }) {
  const rounds = reports.map((r) => r.round);
  const { index, slider } = useRoundSlider(rounds, 'Round', 'confusion-round');
  const shown = reports[index];
  const k = reports[reports.length - 1]?.report.numClasses ?? 0;
  const series = Array.from({ length: k }, (_, c) => ({
    label: `class ${String(c)}`,
    color: CLASS_COLORS[c % CLASS_COLORS.length] ?? '#888',
    values: reports.map((r) => r.report.perClass[c]?.accuracy ?? null),
  }));
  return (
    <>
      <h3>Central test set: confusion matrix</h3>
      {slider}
      {shown === undefined ? null : (
        <div class="evaluation-grid">
          <div class="card heatmap-card">
            <ConfusionHeatmap report={shown.report} round={shown.round} />
            <p class="muted">
              Overall accuracy {pct(shown.report.accuracy)} on {shown.report.examples} test examples; cells
              shaded by share of the true class.
            </p>
          </div>
          <div class="card">
            <PerClassTable report={shown.report} />
          </div>
        </div>
      )}
      <div class="charts">
        <MetricChart
          title="Per-class accuracy per round"
          testId="class-accuracy-chart"
          rounds={rounds}
          series={series}
          format={(v) => `${(v * 100).toFixed(0)}%`}
        />
      </div>
    </>
  );
}

function Histogram({ d, percent }: { d: Distribution; percent: boolean }) {
  const max = Math.max(1, ...d.histogram.counts);
  const fmt = (v: number): string => (percent ? `${(v * 100).toFixed(0)}%` : v.toPrecision(2));
  return (
    <div class="histogram" data-testid="client-histogram" data-counts={d.histogram.counts.join(',')}>
      {d.histogram.counts.map((n, i) => (
        <div
          class="bin"
          key={i}
          title={`${fmt(d.histogram.edges[i] ?? 0)}–${fmt(d.histogram.edges[i + 1] ?? 0)}: ${String(n)} clients`}
        >
          <span class="bar" style={{ height: `${((n / max) * 100).toFixed(1)}%` }} />
          <span class="bin-count">{n}</span>
          <span class="bin-label">{fmt(d.histogram.edges[i] ?? 0)}</span>
        </div>
      ))}
    </div>
  );
}

/** The distribution shown: accuracy when every client reported it, else loss. */
function picked(r: FederatedReport): { d: Distribution; name: string; percent: boolean } {
  return r.accuracy === undefined
    ? { d: r.loss, name: 'loss', percent: false }
    : { d: r.accuracy, name: 'accuracy', percent: true };
}

function ClientView({ reports }: { reports: readonly { round: number; report: FederatedReport }[] }) {
  const rounds = reports.map((r) => r.round);
  const { index, slider } = useRoundSlider(rounds, 'Round', 'client-round');
  const shown = reports[index];
  const view = shown === undefined ? undefined : picked(shown.report);
  const fmt = (v: number): string => (view?.percent === false ? v.toPrecision(3) : pct(v));
  const over = (f: (d: Distribution) => number) => reports.map((r) => f(picked(r.report).d));
  return (
    <>
      <h3>Federated evaluation: per-client {view?.name ?? 'accuracy'}</h3>
      {slider}
      {shown === undefined || view === undefined ? null : (
        <div class="evaluation-grid">
          <div class="card">
            <Histogram d={view.d} percent={view.percent} />
          </div>
          <dl class="summary client-summary" data-testid="client-distribution" data-round={shown.round}>
            <div>
              <dt>Clients</dt>
              <dd data-testid="client-count">{view.d.clients}</dd>
            </div>
            <div>
              <dt>Mean</dt>
              <dd data-testid="client-mean">{fmt(view.d.mean)}</dd>
            </div>
            <div>
              <dt>10th percentile</dt>
              <dd data-testid="client-p10">{fmt(view.d.p10)}</dd>
            </div>
            <div>
              <dt>Worst 10% mean</dt>
              <dd data-testid="client-worst10">{fmt(view.d.worst10Mean)}</dd>
            </div>
            <div>
              <dt>Spread (std)</dt>
              <dd data-testid="client-std">{fmt(view.d.std)}</dd>
            </div>
            <div>
              <dt>Range</dt>
              <dd data-testid="client-range">
                {fmt(view.d.min)} – {fmt(view.d.max)}
              </dd>
            </div>
          </dl>
        </div>
      )}
      <div class="charts">
        <MetricChart
          title={`Per-client ${view?.name ?? 'accuracy'} per round`}
          testId="client-fairness-chart"
          rounds={rounds}
          series={[
            { label: 'mean', color: '#2563eb', values: over((d) => d.mean) },
            { label: '10th percentile', color: '#c2410c', values: over((d) => d.p10) },
            { label: 'worst 10% mean', color: '#b91c1c', values: over((d) => d.worst10Mean), dash: [6, 4] },
          ]}
          format={view?.percent === false ? (v) => v.toPrecision(3) : (v) => `${(v * 100).toFixed(0)}%`}
        />
      </div>
    </>
  );
}

/** The section; says so while no evaluation report exists yet. */
export function EvaluationPanel({ reports }: { reports: readonly EvaluationReport[] }) {
  const central = reports.flatMap((r) =>
    r.kind === 'central' ? [{ round: r.round, report: r.report }] : [],
  );
  const federated = reports.flatMap((r) =>
    r.kind === 'federated' ? [{ round: r.round, report: r.report }] : [],
  );
  return (
    <section aria-labelledby="evaluation-title" data-testid="evaluation-panel">
      <h2 id="evaluation-title">Evaluation</h2>
      {central.length === 0 && federated.length === 0 ? (
        <p class="muted">No evaluation reports yet: they appear after the first evaluated round.</p>
      ) : null}
      {central.length > 0 ? <CentralView reports={central} /> : null}
      {federated.length > 0 ? <ClientView reports={federated} /> : null}
    </section>
  );
}
