/**
 * A run's `secureAggregation` block: the SecAgg+ settings (the core's `secAggConfigSchema`,
 * with its defaults) plus the deadline of each phase the coordinator drives, and the rules
 * that decide which runs may use it. Secure aggregation hands the strategy only the
 * unmasked weighted mean, so:
 *
 * - only strategies with a mean entry (`Strategy.aggregateMean`: fedavg, fedavgm, fedprox,
 *   fedadam, fedyogi, fedadagrad, optionally wrapped with central DP) are allowed; robust
 *   strategies (fedmedian, fedtrimmedavg, krum, multikrum, bulyan, centeredclipping,
 *   normbounded) need every update, and q-FedAvg needs every client's loss and update norm;
 * - the update travels as the masked uint32 vector, so upload compression must be `none`;
 * - the run must be synchronous (`mode: sync`): FedBuff's buffer weighs single updates.
 *
 * Every refusal is `INVALID_CONFIG` with `details.reason` = `secagg-strategy`,
 * `secagg-compression` or `secagg-mode`.
 */
import { z } from 'zod';
import { EdgefedError, parseSecAggConfig, toWireIssues, type SecAggConfig } from '@edgefed/shared';

/** Strategies whose aggregation is a weighted mean followed by a server step. */
export const SECURE_AGGREGATION_STRATEGIES: readonly string[] = [
  'fedavg',
  'fedavgm',
  'fedprox',
  'fedadam',
  'fedyogi',
  'fedadagrad',
];

const phaseMs = z.number().int().min(100).max(3600_000).default(30_000);

/** The phase deadlines of a `secureAggregation` block (the rest is the core's config). */
export const securePhasesSchema = z.strictObject({
  /** How long selected clients have to advertise their keys. */
  advertiseTimeoutMs: phaseMs,
  /** How long clients in the roster have to send their encrypted shares. */
  shareTimeoutMs: phaseMs,
  /** How long survivors have to answer the unmask request. */
  unmaskTimeoutMs: phaseMs,
});

/** A validated `secureAggregation` block (defaults filled in). */
export type SecureRunConfig = SecAggConfig & z.output<typeof securePhasesSchema>;

/**
 * Parses a run's `secureAggregation` block: the core's settings (`parseSecAggConfig`:
 * neighbours, threshold, clipRange, maxWeight, maxClients) and the phase deadlines.
 * `{}` gives every default. Throws `INVALID_CONFIG`.
 */
export function parseSecureRunConfig(input: unknown): SecureRunConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new EdgefedError('INVALID_CONFIG', 'Invalid run config: secureAggregation must be an object');
  }
  const { advertiseTimeoutMs, shareTimeoutMs, unmaskTimeoutMs, ...core } = input as Record<string, unknown>;
  const phases = securePhasesSchema.safeParse({ advertiseTimeoutMs, shareTimeoutMs, unmaskTimeoutMs });
  if (!phases.success) {
    throw new EdgefedError(
      'INVALID_CONFIG',
      `Invalid run config: secureAggregation: ${z.prettifyError(phases.error)}`,
      { details: { issues: toWireIssues(phases.error.issues) } },
    );
  }
  return { ...parseSecAggConfig(core), ...phases.data };
}

/** What {@link checkSecureRun} looks at in a run config. */
export interface SecureRunCheck {
  readonly strategyName: string;
  readonly compression: { readonly method: string };
  readonly mode: string;
}

function refuse(reason: string, message: string, details: Record<string, unknown>): never {
  throw new EdgefedError('INVALID_CONFIG', `Invalid run config: ${message}`, {
    details: { reason, ...details },
  });
}

/** Throws `INVALID_CONFIG` (see the file comment) when a secure run cannot use this config. */
export function checkSecureRun(c: SecureRunCheck): void {
  if (!SECURE_AGGREGATION_STRATEGIES.includes(c.strategyName)) {
    refuse(
      'secagg-strategy',
      `secureAggregation gives the strategy only the sum of the updates; ${c.strategyName} needs ` +
        `every client's update (use one of ${SECURE_AGGREGATION_STRATEGIES.join(', ')})`,
      { strategy: c.strategyName, allowed: SECURE_AGGREGATION_STRATEGIES },
    );
  }
  if (c.compression.method !== 'none') {
    refuse(
      'secagg-compression',
      `secureAggregation uploads the masked vector (32-bit words); compression ${c.compression.method} cannot apply to it (use { method: 'none' })`,
      { compression: c.compression.method },
    );
  }
  if (c.mode !== 'sync') {
    refuse('secagg-mode', `secureAggregation runs in synchronous rounds only (mode ${c.mode})`, {
      mode: c.mode,
    });
  }
}
