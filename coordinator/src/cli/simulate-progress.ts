/**
 * The progress line of `edgefed simulate` on stderr: round, test accuracy, seconds per
 * round and ETA. On a terminal it redraws one line; otherwise it prints one line a round.
 */
import type { SimulationProgress } from '../simulation/run-simulation.js';

/** `1h 02m`, `3m 20s`, `12s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/** The text of one progress line (no newline). */
export function progressLine(p: SimulationProgress): string {
  const perRound = p.round > 0 ? p.elapsedSeconds / p.round : NaN;
  const eta = perRound * (p.rounds - p.round);
  const width = 20;
  const filled = Math.round((p.round / Math.max(1, p.rounds)) * width);
  const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
  const acc = p.testAccuracy === null ? '  -   ' : (p.testAccuracy * 100).toFixed(2) + '%';
  return `[${bar}] round ${p.round}/${p.rounds}  acc ${acc}  ${perRound.toFixed(2)} s/round  ETA ${formatDuration(eta)}`;
}

/** A progress sink writing to `stream` (a TTY redraws in place). */
export function progressPrinter(stream: NodeJS.WriteStream): {
  update(p: SimulationProgress): void;
  done(): void;
} {
  let drawn = false;
  return {
    update(p) {
      const line = progressLine(p);
      if (stream.isTTY) {
        stream.write(`\r${line}\x1b[K`);
        drawn = true;
      } else stream.write(`${line}\n`);
    },
    done() {
      if (drawn) stream.write('\n');
    },
  };
}
