/**
 * Assertions shared by the client's conformance suites. Runner-agnostic: they throw plain
 * `Error`s naming the suite, so the suites run under any test runner and in a browser page.
 */
import { isEdgefedError, type ErrorCode } from '@edgefed/shared';

/** One named conformance check: `run` resolves on success and throws on failure. */
export interface ConformanceCase {
  readonly name: string;
  readonly run: () => Promise<void>;
}

/** Throws `suite: what` unless `condition` holds. */
export function check(suite: string, condition: boolean, what: string): asserts condition {
  if (!condition) throw new Error(`${suite} conformance: ${what}`);
}

function describeThrown(e: unknown): string {
  if (isEdgefedError(e)) return `EdgefedError ${e.code}: ${e.message}`;
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/**
 * Runs `work` and requires it to throw (or reject with) an `EdgefedError` with `code`;
 * a success or any other error fails the check with what happened instead.
 */
export async function expectCode(
  suite: string,
  code: ErrorCode,
  what: string,
  work: () => unknown,
): Promise<void> {
  try {
    await work();
  } catch (e) {
    if (isEdgefedError(e, code)) return;
    throw new Error(
      `${suite} conformance: ${what}: expected EdgefedError ${code}, got ${describeThrown(e)}`,
      {
        cause: e,
      },
    );
  }
  throw new Error(`${suite} conformance: ${what}: expected EdgefedError ${code}, but it succeeded`);
}

/** Largest |a - b| / max(floor, |b|) over two equally long arrays (Infinity when lengths differ). */
export function maxRelativeError(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-3): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? Number.NaN;
    const y = b[i] ?? Number.NaN;
    const err = Math.abs(x - y) / Math.max(floor, Math.abs(y));
    worst = Number.isNaN(err) ? Number.POSITIVE_INFINITY : Math.max(worst, err);
  }
  return worst;
}
