/**
 * The `privacy` block of a strategy config (`{ "name": "fedavg", "privacy": { ... } }`):
 * central differential privacy with fixed clipping (DP-FedAvg). Validated with zod; unknown
 * keys are errors. Only imports zod, so the strategy config schema can embed it.
 */
import { z } from 'zod';

/** Schema of the privacy block; see docs/privacy.md for what each parameter does. */
export const privacyConfigSchema = z.strictObject({
  /** L2 bound on each client's update (server- and client-side clipping). */
  clipNorm: z.number().gt(0).lte(1e6),
  /** Noise std on the sum of clipped updates, in units of clipNorm. */
  noiseMultiplier: z.number().gt(0).lte(1e6),
  /** The delta of the reported (epsilon, delta); should be well below 1 / number of clients. */
  delta: z.number().gt(0).lt(1).default(1e-5),
  /**
   * Fixed denominator m of the noised mean `(sum + noise) / m` (McMahan et al. 2018). Omitted:
   * the mean is over the updates actually received.
   */
  expectedClients: z.number().int().gte(1).lte(10_000_000).optional(),
  /** Seeds the noise for reproducible simulations; NEVER for real deployments (the noise is then known). */
  seed: z
    .number()
    .int()
    .gte(0)
    .lt(2 ** 32)
    .optional(),
});

/** A privacy block as written. */
export type PrivacyConfigInput = z.input<typeof privacyConfigSchema>;

/** A validated privacy block (delta filled in). */
export type PrivacyConfig = z.output<typeof privacyConfigSchema>;
