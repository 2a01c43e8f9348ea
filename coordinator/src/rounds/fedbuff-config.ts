/**
 * The `fedbuff` block of a run config (issue #15): asynchronous buffered aggregation
 * (FedBuff, Nguyen et al. 2022). Clients train continuously on the latest model; the server
 * aggregates every `bufferSize` updates, each weighted by its example count and a staleness
 * function of how many versions old its base model is; updates staler than `maxStaleness`
 * are rejected with `STALE_UPDATE`; at most `concurrency` clients train at once.
 */
import { z } from 'zod';

/** Staleness weight functions of s = versions behind: `sqrt` 1/sqrt(1+s), `poly` (1+s)^-a, `constant` 1. */
export const STALENESS_FUNCTIONS = ['sqrt', 'poly', 'constant'] as const;

/** Schema of a run's `fedbuff` block (used when `mode` is `fedbuff`). */
export const fedbuffConfigSchema = z.strictObject({
  /** K: updates per aggregation (one model version each). */
  bufferSize: z.number().int().min(1).max(100_000).default(10),
  /** Updates whose base model is more than this many versions old are rejected. */
  maxStaleness: z.number().int().min(0).max(1_000_000).default(20),
  /** Most clients training at once. */
  concurrency: z.number().int().min(1).max(1_000_000).default(100),
  staleness: z.enum(STALENESS_FUNCTIONS).default('sqrt'),
  /** `poly`: the exponent a. */
  stalenessExponent: z.number().positive().max(10).default(0.5),
  /** Server learning rate: the new model is global + lr x the buffered mean delta. */
  serverLearningRate: z.number().positive().max(100).default(1),
});

/** A validated fedbuff block. */
export type FedBuffConfig = z.output<typeof fedbuffConfigSchema>;

/** The staleness weight of an update `s` versions behind the current model. */
export function stalenessWeight(c: FedBuffConfig, s: number): number {
  if (c.staleness === 'constant') return 1;
  if (c.staleness === 'sqrt') return 1 / Math.sqrt(1 + s);
  return (1 + s) ** -c.stalenessExponent;
}
