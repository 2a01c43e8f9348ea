/**
 * A dependency-free progress bar for `edgefed train`: one `\r`-updated line on a TTY
 * (at most ~10 redraws a second), nothing on a pipe (the epoch summaries still print).
 */

/** Where the bar draws. */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** Progress of one epoch. */
export class ProgressBar {
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly out: ProgressStream,
    private readonly label: string,
    private readonly total: number,
  ) {}

  /** Redraws with `done` of `total` examples, throttled; `force` draws regardless. */
  update(done: number, info: string, force = false): void {
    if (this.out.isTTY !== true) return;
    const now = performance.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const frac = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const width = Math.max(10, Math.min(30, (this.out.columns ?? 80) - 60));
    const filled = Math.round(frac * width);
    const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
    this.out.write(`\r${this.label} [${bar}] ${(frac * 100).toFixed(0).padStart(3)}% ${info}\x1b[K`);
    this.drawn = true;
  }

  /** Clears the line (before printing a summary). */
  clear(): void {
    if (this.drawn) this.out.write('\r\x1b[K');
    this.drawn = false;
  }
}
