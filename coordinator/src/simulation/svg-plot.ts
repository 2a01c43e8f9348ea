/**
 * A dependency-free SVG line plot of test accuracy against rounds (the figure that goes
 * beside a simulation's JSON), with axes, ticks and an optional target line.
 */

/** Options of {@link accuracySvg}. */
export interface AccuracyPlotOptions {
  /** [round, accuracy] points; points with a non-finite value are skipped. */
  readonly points: readonly (readonly [number, number])[];
  readonly title: string;
  /** Draws a dashed horizontal line at this accuracy. */
  readonly target?: number;
  readonly width?: number;
  readonly height?: number;
}

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const fmt = (n: number): string => String(Math.round(n * 100) / 100);

function ticks(min: number, max: number, count: number): number[] {
  if (max <= min) return [min];
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step)
    out.push(Number(v.toFixed(10)));
  return out;
}

/**
 * The SVG document. The y axis spans [min accuracy rounded down to 0.1, 1]; with no
 * points it shows an empty frame with "no evaluated rounds".
 */
export function accuracySvg(o: AccuracyPlotOptions): string {
  const W = o.width ?? 640;
  const H = o.height ?? 400;
  const m = { l: 56, r: 16, t: 36, b: 44 };
  const pts = o.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const xMax = Math.max(1, ...pts.map(([x]) => x));
  const yMin = Math.min(Math.floor(Math.min(1, ...pts.map(([, y]) => y), o.target ?? 1) * 10) / 10, 0.9);
  const sx = (x: number): number => m.l + (x / xMax) * (W - m.l - m.r);
  const sy = (y: number): number => H - m.b - ((y - yMin) / (1 - yMin)) * (H - m.t - m.b);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(o.title)}</text>`,
  ];
  for (const t of ticks(yMin, 1, 5)) {
    parts.push(
      `<line x1="${m.l}" x2="${W - m.r}" y1="${fmt(sy(t))}" y2="${fmt(sy(t))}" stroke="#ddd"/>`,
      `<text x="${m.l - 6}" y="${fmt(sy(t) + 4)}" text-anchor="end">${fmt(t)}</text>`,
    );
  }
  for (const t of ticks(0, xMax, 8)) {
    parts.push(`<text x="${fmt(sx(t))}" y="${H - m.b + 16}" text-anchor="middle">${fmt(t)}</text>`);
  }
  parts.push(
    `<line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${H - m.b}" stroke="black"/>`,
    `<line x1="${m.l}" x2="${W - m.r}" y1="${H - m.b}" y2="${H - m.b}" stroke="black"/>`,
    `<text x="${W / 2}" y="${H - 8}" text-anchor="middle">round</text>`,
    `<text x="14" y="${H / 2}" text-anchor="middle" transform="rotate(-90 14 ${H / 2})">test accuracy</text>`,
  );
  if (o.target !== undefined) {
    const y = fmt(sy(o.target));
    parts.push(
      `<line x1="${m.l}" x2="${W - m.r}" y1="${y}" y2="${y}" stroke="#c33" stroke-dasharray="6 4"/>`,
    );
  }
  if (pts.length === 0) {
    parts.push(`<text x="${W / 2}" y="${H / 2}" text-anchor="middle">no evaluated rounds</text>`);
  } else {
    const d = pts.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${fmt(sx(x))},${fmt(sy(y))}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="#1f77b4" stroke-width="2"/>`);
  }
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
