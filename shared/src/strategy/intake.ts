/**
 * Consuming a stream of results one at a time: per-result checks, rejection of bad results
 * as failures (never poisoning the aggregate), weighted metrics, and the quorum check.
 */
import { EdgefedError, isEdgefedError, type ErrorCode } from '../errors.js';
import { assertExampleCount, assertFiniteMetrics, MetricsAccumulator } from './metrics.js';
import type { Failure, Metrics, ResultStream } from './types.js';

/** Error codes that reject one result (it becomes a failure) instead of aborting the aggregation. */
export const REJECTION_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'NAME_MISMATCH',
  'DTYPE_MISMATCH',
  'SHAPE_MISMATCH',
  'NON_FINITE',
  'INVALID_ARGUMENT',
  'DUPLICATE_RESULT',
]);

/** The fields every result shares. */
export interface ResultBase {
  readonly clientId: string;
  readonly exampleCount: number;
  readonly metrics?: Metrics;
}

/** Options for {@link consumeResults}. */
export interface ConsumeOptions<T extends ResultBase> {
  readonly results: ResultStream<T>;
  readonly failures: readonly Failure[];
  /**
   * Validates and takes in one result. It must either throw before changing anything or
   * succeed; an {@link EdgefedError} with a code in {@link REJECTION_CODES} rejects the result.
   */
  readonly accept: (result: T) => void;
}

/** What {@link consumeResults} saw. */
export interface Intake {
  readonly accepted: number;
  readonly totalExamples: number;
  readonly metrics: Record<string, number>;
  /** The input failures followed by rejected results. */
  readonly failures: Failure[];
}

/**
 * Pulls results one at a time (the next one only after the current one was accepted or
 * rejected). Checks, in order: duplicate client id (`DUPLICATE_RESULT`), `exampleCount`
 * (`INVALID_ARGUMENT`), finite metrics (`NON_FINITE`), then `accept`. Errors outside
 * {@link REJECTION_CODES}, and anything the stream itself throws, propagate.
 */
export async function consumeResults<T extends ResultBase>(options: ConsumeOptions<T>): Promise<Intake> {
  const failures: Failure[] = options.failures.map((f) => ({
    clientId: f.clientId,
    code: f.code,
    message: f.message,
  }));
  const seen = new Set<string>();
  const metrics = new MetricsAccumulator();
  let accepted = 0;
  let totalExamples = 0;
  for await (const result of options.results) {
    try {
      if (seen.has(result.clientId)) {
        throw new EdgefedError('DUPLICATE_RESULT', `Client "${result.clientId}" already delivered a result`);
      }
      assertExampleCount(result.exampleCount);
      assertFiniteMetrics(result.metrics);
      options.accept(result);
    } catch (error) {
      if (!isEdgefedError(error) || !REJECTION_CODES.has(error.code)) throw error;
      failures.push({ clientId: result.clientId, code: error.code, message: error.message });
      continue;
    }
    seen.add(result.clientId);
    metrics.add(result.metrics, result.exampleCount);
    accepted++;
    totalExamples += result.exampleCount;
  }
  return { accepted, totalExamples, metrics: metrics.result(), failures };
}

/** Throws `QUORUM_NOT_MET` (failures in `details`) when fewer than `minResults` were accepted. */
export function assertQuorum(intake: Intake, minResults: number): void {
  if (intake.accepted < minResults) {
    throw new EdgefedError(
      'QUORUM_NOT_MET',
      `${intake.accepted} usable results, at least ${minResults} needed (${intake.failures.length} failures)`,
      { details: { accepted: intake.accepted, minResults, failures: intake.failures } },
    );
  }
}
