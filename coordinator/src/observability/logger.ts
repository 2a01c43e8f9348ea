/**
 * Structured logging with pino. Components take a `Logger` and call `child({ component })`.
 */
import { pino, type Logger as PinoLogger, type LevelWithSilent } from 'pino';

/** The logger type used across the coordinator. */
export type Logger = PinoLogger;

/** Creates the process logger; `pretty` is not used (JSON lines go to stdout). */
export function createLogger(level: LevelWithSilent = 'info'): Logger {
  return pino({ level, base: { service: 'edgefed' } });
}

/** A logger that discards everything (tests, embedding). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/**
 * A logger that keeps the JSON lines at `level` and above in `lines` (newest last, at most
 * `max`): tests print them when they fail.
 */
export function memoryLogger(lines: string[], level: LevelWithSilent = 'warn', max = 200): Logger {
  return pino(
    { level, base: { service: 'edgefed' } },
    {
      write(line: string) {
        lines.push(line.trimEnd());
        if (lines.length > max) lines.splice(0, lines.length - max);
      },
    },
  );
}
