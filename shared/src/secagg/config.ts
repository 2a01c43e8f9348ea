/**
 * The `secureAggregation` block of a run config and its resolution into the parameters of one
 * round. Defaults and their reasons are in docs/privacy.md ("Secure aggregation"): neighbours
 * `'auto'` = min(n - 1, 3 ceil(log2 n)), threshold `'auto'` = ceil(k / 3) + 1, clipRange 2,
 * maxWeight 10,000, maxClients 1,000. Only imports zod, so the strategy and protocol schemas
 * can embed it.
 */
import { z } from 'zod';
import { EdgefedError } from '../errors.js';
import type { SecAggConfig, SecAggParams } from './types.js';

/** Largest word of Z_{2^32}. */
export const MAX_WORD = 0xffffffff;

/** Fewest clients in a secure round: with two, the sum reveals the other's input. */
export const MIN_SECAGG_CLIENTS = 3;

/** Most neighbours a client may have (shares carry a 2-byte x coordinate). */
export const MAX_NEIGHBOURS = 65534;

const autoOr = (schema: z.ZodNumber) => z.union([z.literal('auto'), schema]).default('auto');

/** Schema of the `secureAggregation` block; unknown keys are errors. */
export const secAggConfigSchema = z
  .strictObject({
    /** k: neighbours per client, or 'auto' (about 3 log2 n; n - 1 for small rounds). */
    neighbours: autoOr(z.number().int().gte(2).lte(MAX_NEIGHBOURS)),
    /** t: shares needed to rebuild a secret, or 'auto' (ceil(k / 3) + 1). */
    threshold: autoOr(z.number().int().gte(2).lte(MAX_NEIGHBOURS)),
    /** Coordinates are clipped to [-clipRange, clipRange]. */
    clipRange: z.number().gt(0).lte(1e6).default(2),
    /** The FedAvg weight (example count) is rounded and clipped to [0, maxWeight]. */
    maxWeight: z.number().int().gte(1).lte(MAX_WORD).default(10_000),
    /** Most clients in one secure round: sizes the quantization so the sum cannot overflow. */
    maxClients: z.number().int().gte(MIN_SECAGG_CLIENTS).lte(1_000_000).default(1000),
  })
  .refine((c) => c.maxWeight * c.maxClients <= MAX_WORD, {
    message: 'maxWeight x maxClients must be at most 2^32 - 1 (the weight sum is one word)',
    path: ['maxWeight'],
  })
  .refine((c) => c.threshold === 'auto' || c.neighbours === 'auto' || c.threshold <= c.neighbours, {
    message: 'threshold must not exceed neighbours',
    path: ['threshold'],
  });

/** A `secureAggregation` block as written. */
export type SecAggConfigInput = z.input<typeof secAggConfigSchema>;

/** Parses a `secureAggregation` block (`{}` gives the defaults); `INVALID_CONFIG` on bad input. */
export function parseSecAggConfig(input: unknown): SecAggConfig {
  const parsed = secAggConfigSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new EdgefedError('INVALID_CONFIG', `Invalid secureAggregation config: ${issues.join('; ')}`, {
      details: { issues },
    });
  }
  return parsed.data;
}

/** k for `'auto'`: min(n - 1, 3 ceil(log2 n)); every client is a neighbour below ~20 clients. */
export function autoNeighbours(n: number): number {
  return Math.min(n - 1, 3 * Math.ceil(Math.log2(n)));
}

/** t for `'auto'`: ceil(k / 3) + 1, at least 2 and at most k. */
export function autoThreshold(k: number): number {
  return Math.min(k, Math.max(2, Math.ceil(k / 3) + 1));
}

/**
 * The parameters of a round with `n` clients in its roster. An explicit `neighbours` above
 * n - 1 is lowered to n - 1 (full SecAgg), and an explicit threshold with it; errors:
 * `SECAGG_TOO_FEW_SURVIVORS` when n < 3 and `INVALID_CONFIG` when n > maxClients.
 */
export function resolveSecAggParams(config: SecAggConfig, n: number): SecAggParams {
  if (!Number.isInteger(n) || n < MIN_SECAGG_CLIENTS) {
    throw new EdgefedError('SECAGG_TOO_FEW_SURVIVORS', `A secure round needs at least 3 clients, not ${n}`);
  }
  if (n > config.maxClients) {
    throw new EdgefedError(
      'INVALID_CONFIG',
      `${n} clients exceed secureAggregation.maxClients (${config.maxClients})`,
    );
  }
  const k = config.neighbours === 'auto' ? autoNeighbours(n) : Math.min(config.neighbours, n - 1);
  const threshold = config.threshold === 'auto' ? autoThreshold(k) : Math.min(config.threshold, k);
  return {
    neighbours: k,
    threshold,
    clipRange: config.clipRange,
    maxWeight: config.maxWeight,
    maxClients: config.maxClients,
  };
}

/** True when two parameter sets are the same (the client checks the roster's against its own). */
export function sameParams(a: SecAggParams, b: SecAggParams): boolean {
  return (
    a.neighbours === b.neighbours &&
    a.threshold === b.threshold &&
    a.clipRange === b.clipRange &&
    a.maxWeight === b.maxWeight &&
    a.maxClients === b.maxClients
  );
}
