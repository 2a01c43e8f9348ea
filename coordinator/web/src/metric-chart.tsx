/**
 * A uPlot line chart of per-round metric series. The chart is created once and fed new
 * data with `setData` (no flicker on live updates); it follows its container's width.
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

/** One line: its label, colour and value per round (null where missing). */
export interface ChartSeries {
  readonly label: string;
  readonly color: string;
  readonly values: readonly (number | null)[];
  readonly dash?: readonly number[];
}

/** Props of {@link MetricChart}. */
export interface MetricChartProps {
  readonly title: string;
  readonly rounds: readonly number[];
  readonly series: readonly ChartSeries[];
  /** Formats y values (percent for accuracy). */
  readonly format?: (v: number) => string;
  readonly testId?: string;
}

/** Whole-round tick spacings for the x axis. */
const ROUND_INCREMENTS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 100_000, 1_000_000];

/** A colour from the page's CSS variables (so the chart follows the light or dark scheme). */
function cssColor(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v === '' ? fallback : v;
}

function options(p: MetricChartProps, width: number): uPlot.Options {
  const fmt = p.format ?? ((v: number) => v.toPrecision(3));
  const text = cssColor('--muted', '#566070');
  const grid = cssColor('--border', '#d9dee6');
  return {
    width,
    height: 220,
    legend: { live: false },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: false } },
    axes: [
      {
        label: 'round',
        incrs: ROUND_INCREMENTS,
        values: (_u, vals) => vals.map((v) => String(v)),
        stroke: text,
        grid: { stroke: grid },
        ticks: { stroke: grid },
      },
      {
        stroke: text,
        grid: { stroke: grid },
        ticks: { stroke: grid },
        values: (_u, vals) => vals.map((v) => fmt(v)),
        size: 56,
      },
    ],
    series: [
      { label: 'round' },
      ...p.series.map((s) => ({
        label: s.label,
        stroke: s.color,
        width: 2,
        points: { show: true, size: 5 },
        spanGaps: true,
        ...(s.dash === undefined ? {} : { dash: [...s.dash] }),
        value: (_u: uPlot, v: number | null) => (v === null ? '—' : fmt(v)),
      })),
    ],
  };
}

function toData(p: MetricChartProps): uPlot.AlignedData {
  return [p.rounds.slice(), ...p.series.map((s) => s.values.slice())] as uPlot.AlignedData;
}

/** A titled chart; shows a note instead while there is no data point yet. */
export function MetricChart(p: MetricChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = p.series.map((s) => s.label).join('|');
  useEffect(() => {
    const el = box.current;
    if (el === null) return undefined;
    const u = new uPlot(options(p, Math.max(240, el.clientWidth)), toData(p), el);
    plot.current = u;
    const ro = new ResizeObserver(() => {
      u.setSize({ width: Math.max(240, el.clientWidth), height: 220 });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
    // Recreate only when the set of series changes; data flows in below.
  }, [shape]);
  useEffect(() => {
    plot.current?.setData(toData(p));
  });
  const points = p.series.reduce((n, s) => n + s.values.filter((v) => v !== null).length, 0);
  return (
    <figure class="chart card" data-testid={p.testId} data-points={points}>
      <figcaption>{p.title}</figcaption>
      <div ref={box} class="chart-box" role="img" aria-label={`${p.title}: ${String(points)} points`} />
      {points === 0 ? <p class="muted chart-empty">No data yet: points appear as rounds complete.</p> : null}
    </figure>
  );
}
