/**
 * A confusion matrix as a heatmap table: rows are true classes, columns predictions; each
 * cell shows its count and is shaded by its share of the row (so every class reads on the
 * same scale whatever its size). The diagonal is outlined.
 */
import type { CentralReport } from './evaluation-types.js';

/** Props of {@link ConfusionHeatmap}. */
export interface ConfusionHeatmapProps {
  readonly report: CentralReport;
  readonly round: number;
}

/** The heatmap table. */
export function ConfusionHeatmap({ report, round }: ConfusionHeatmapProps) {
  const k = report.numClasses;
  const classes = Array.from({ length: k }, (_, i) => i);
  const rowSums = classes.map((t) => classes.reduce((s, p) => s + (report.counts[t * k + p] ?? 0), 0));
  return (
    <table
      class="heatmap"
      data-testid="confusion-matrix"
      data-round={round}
      aria-label={`Confusion matrix after round ${String(round)}: rows are true classes, columns predictions`}
    >
      <thead>
        <tr>
          <th scope="col" class="corner">
            true \ pred
          </th>
          {classes.map((p) => (
            <th scope="col" key={p}>
              {p}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {classes.map((t) => (
          <tr key={t}>
            <th scope="row">{t}</th>
            {classes.map((p) => {
              const n = report.counts[t * k + p] ?? 0;
              const share = (rowSums[t] ?? 0) > 0 ? n / (rowSums[t] ?? 1) : 0;
              return (
                <td
                  key={p}
                  data-true={t}
                  data-pred={p}
                  class={`${t === p ? 'diag' : ''}${share > 0.5 ? ' dark' : ''}`}
                  style={{ background: `rgba(29, 78, 216, ${share.toFixed(3)})` }}
                  title={`true ${String(t)}, predicted ${String(p)}: ${String(n)} (${(share * 100).toFixed(1)}% of class ${String(t)})`}
                >
                  {n}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
