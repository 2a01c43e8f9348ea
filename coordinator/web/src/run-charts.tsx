/** Accuracy and loss per round, training and evaluation, from a run's metric points. */
import { MetricChart, type ChartSeries } from './metric-chart.js';
import type { MetricPoint } from './types.js';

const SCOPES = [
  { scope: 'train', label: 'training', color: '#2563eb' },
  { scope: 'eval', label: 'federated eval', color: '#c2410c' },
  { scope: 'central', label: 'central eval', color: '#15803d', dash: [6, 4] },
] as const;

/**
 * Rounds and one series per scope that has points for metric `name` (federated evaluation
 * reports it as `eval_<name>`; both spellings count).
 */
export function seriesFor(
  points: readonly MetricPoint[],
  name: string,
): { rounds: number[]; series: ChartSeries[] } {
  const mine = points.filter((p) => p.name === name || p.name === `eval_${name}`);
  const rounds = [...new Set(mine.map((p) => p.round))].sort((a, b) => a - b);
  const index = new Map(rounds.map((r, i) => [r, i]));
  const series: ChartSeries[] = [];
  for (const s of SCOPES) {
    const pts = mine.filter((p) => p.scope === s.scope);
    if (pts.length === 0) continue;
    const values: (number | null)[] = rounds.map(() => null);
    for (const p of pts) {
      const i = index.get(p.round);
      if (i !== undefined) values[i] = p.value;
    }
    series.push({ label: s.label, color: s.color, values, ...('dash' in s ? { dash: s.dash } : {}) });
  }
  return { rounds, series };
}

/** The two charts. */
export function RunCharts({ points }: { points: readonly MetricPoint[] }) {
  const acc = seriesFor(points, 'accuracy');
  const loss = seriesFor(points, 'loss');
  return (
    <div class="charts">
      <MetricChart
        title="Accuracy per round"
        testId="accuracy-chart"
        rounds={acc.rounds}
        series={acc.series}
        format={(v) => `${(v * 100).toFixed(0)}%`}
      />
      <MetricChart title="Loss per round" testId="loss-chart" rounds={loss.rounds} series={loss.series} />
    </div>
  );
}
