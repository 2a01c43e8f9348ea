/**
 * Benchmark harness: each benchmark is a module `bench/<name>.ts` whose default export
 * is a `Benchmark`. Figures are printed as one JSON line each, so runs can be compared
 * and parsed; every benchmark measures its own baseline in the same run.
 */

/** One measured figure as a benchmark reports it. `baseline` names the figure to compare with. */
export interface FigureInput {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly baseline?: string;
  readonly [extra: string]: unknown;
}

/** A figure as printed: the reported fields plus the benchmark's name. */
export type Figure = FigureInput & { readonly bench: string };

/** What a benchmark receives: a way to report figures, and parsed `--key value` args. */
export interface BenchContext {
  report(figure: FigureInput): void;
  readonly args: Readonly<Record<string, string>>;
}

/** A benchmark module's default export. */
export interface Benchmark {
  readonly description: string;
  run(ctx: BenchContext): Promise<void>;
}

/** Runs `fn` repeatedly for at least `minMs` (after one warm-up call) and returns seconds per call. */
export function timeIt(fn: () => void, minMs = 500): number {
  fn();
  let iterations = 0;
  const start = performance.now();
  let elapsed: number;
  do {
    fn();
    iterations++;
    elapsed = performance.now() - start;
  } while (elapsed < minMs);
  return elapsed / 1000 / iterations;
}

/** Async version of {@link timeIt}. */
export async function timeItAsync(fn: () => Promise<void>, minMs = 500): Promise<number> {
  await fn();
  let iterations = 0;
  const start = performance.now();
  let elapsed: number;
  do {
    await fn();
    iterations++;
    elapsed = performance.now() - start;
  } while (elapsed < minMs);
  return elapsed / 1000 / iterations;
}
