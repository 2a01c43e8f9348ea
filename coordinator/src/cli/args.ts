/**
 * Small helpers over node:util's parseArgs for the `edgefed` commands: one place that turns
 * bad flags into an `INVALID_ARGUMENT` error with the flag's name.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { EdgefedError } from '@edgefed/shared';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses `argv` strictly; unknown flags and missing values throw `INVALID_ARGUMENT`. */
export function parseFlags(
  argv: string[],
  options: Options,
): { values: Record<string, string | boolean | (string | boolean)[] | undefined>; positionals: string[] } {
  try {
    const r = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
    return { values: r.values, positionals: r.positionals };
  } catch (err) {
    throw new EdgefedError('INVALID_ARGUMENT', err instanceof Error ? err.message : String(err));
  }
}

/** Reads an integer flag; throws `INVALID_ARGUMENT` naming the flag when it is not one. */
export function intFlag(values: Record<string, unknown>, name: string, min = 0): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min)
    throw new EdgefedError(
      'INVALID_ARGUMENT',
      `--${name} must be an integer >= ${min}, got "${typeof raw === 'string' ? raw : typeof raw}"`,
    );
  return n;
}

/** Reads a finite number flag; throws `INVALID_ARGUMENT` naming the flag when it is not one. */
export function numberFlag(values: Readonly<Record<string, unknown>>, name: string): number | undefined {
  const raw = values[name];
  if (typeof raw !== 'string') return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n))
    throw new EdgefedError('INVALID_ARGUMENT', `--${name} must be a number, got "${raw}"`);
  return n;
}

/** Reads a string flag. */
export function strFlag(values: Record<string, unknown>, name: string): string | undefined {
  const raw = values[name];
  return typeof raw === 'string' ? raw : undefined;
}
