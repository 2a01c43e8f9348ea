/**
 * The configuration of a run, as `POST /api/runs` and the dashboard send it and the store
 * keeps it. Validated with zod; the strategy part with the strategy's own schema.
 */
import { z } from 'zod';
import { DEFAULT_MAX_EXAMPLE_WEIGHT } from './result-bounds.js';
import { fedbuffConfigSchema } from './fedbuff-config.js';
import { checkSecureRun, parseSecureRunConfig, type SecureRunConfig } from './secure-config.js';
import {
  EdgefedError,
  compressionSpecSchema,
  parseStrategyConfig,
  toWireIssues,
  type StrategyConfig,
} from '@edgefed/shared';

const scalarRecord = z.record(
  z.string().min(1).max(128),
  z.union([z.number(), z.string().max(4096), z.boolean()]),
);

/** Local training settings sent to every selected client as hyper-parameters. */
export const trainingConfigSchema = z.strictObject({
  epochs: z.number().int().min(1).max(1000).default(1),
  batchSize: z.number().int().min(1).max(65_536).default(32),
  learningRate: z.number().positive().max(100).default(0.05),
  optimizer: z.enum(['sgd', 'adam', 'adamw']).default('sgd'),
  momentum: z.number().min(0).lt(1).default(0),
  weightDecay: z.number().min(0).max(1).default(0),
  /** Cap on local steps per task (0 = no cap): keeps rounds short on slow devices. */
  maxSteps: z.number().int().min(0).default(0),
});

/** Schema of a run's configuration. */
export const runConfigSchema = z.strictObject({
  /** Model: a preset name (`2nn`, `cnn`, `tiny-cnn`) or a model spec object. */
  model: z.union([z.string().min(1).max(64), z.record(z.string(), z.unknown())]),
  /** Strategy config, e.g. `{ "name": "fedavg", "fractionFit": 0.1 }`. */
  strategy: z.record(z.string(), z.unknown()).default({ name: 'fedavg' }),
  rounds: z.number().int().min(1).max(1_000_000),
  training: trainingConfigSchema.default({
    epochs: 1,
    batchSize: 32,
    learningRate: 0.05,
    optimizer: 'sgd',
    momentum: 0,
    weightDecay: 0,
    maxSteps: 0,
  }),
  /** How long clients have for one fit or evaluate task. */
  roundDeadlineMs: z
    .number()
    .int()
    .min(100)
    .max(24 * 3600_000)
    .default(120_000),
  /** Attempts per round before the run fails (a round below quorum is retried). */
  maxRoundAttempts: z.number().int().min(1).max(100).default(5),
  /** Federated evaluation every N rounds (0 = never). */
  evaluateEvery: z.number().int().min(0).default(0),
  /** Upload compression clients apply: `{ method: none | fp16 | int8 }` or `{ method: 'topk', fraction }`. */
  compression: compressionSpecSchema.default({ method: 'none' }),
  /** Stop when the evaluated accuracy reaches this value (0-1). */
  targetAccuracy: z.number().gt(0).lte(1).optional(),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .default(0),
  /** Extra scalars added to every fit task's config. */
  taskConfig: scalarRecord.default({}),
  /**
   * Largest FedAvg weight (example count) one fit result may carry; larger claims are clamped
   * to it. Results claiming more than the client declared in `hello` are rejected. See
   * result-bounds.ts and docs/api.md ("Trust bounds").
   */
  maxExampleWeight: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).default(DEFAULT_MAX_EXAMPLE_WEIGHT),
  /**
   * `sync`: rounds (the strategy selects, aggregates, commits one version a round). `fedbuff`:
   * asynchronous buffered aggregation (see fedbuff-config.ts); `rounds` counts model versions.
   */
  mode: z.enum(['sync', 'fedbuff']).default('sync'),
  /**
   * Secure aggregation (SecAgg+): the coordinator learns only the weighted mean of each
   * round's updates. `{}` takes every default; see secure-config.ts and README.
   */
  secureAggregation: z.record(z.string(), z.unknown()).optional(),
  fedbuff: fedbuffConfigSchema.default({
    bufferSize: 10,
    maxStaleness: 20,
    concurrency: 100,
    staleness: 'sqrt',
    stalenessExponent: 0.5,
    serverLearningRate: 1,
  }),
});

/** A validated run configuration (defaults filled in). */
export type RunConfig = Omit<z.output<typeof runConfigSchema>, 'secureAggregation'> & {
  readonly strategy: StrategyConfig;
  readonly secureAggregation?: SecureRunConfig;
};

/** A run configuration as written (defaults may be omitted). */
export type RunConfigInput = z.input<typeof runConfigSchema>;

/** Validates a run configuration; throws `INVALID_CONFIG` with every issue's path. */
export function parseRunConfig(input: unknown): RunConfig {
  const result = runConfigSchema.safeParse(input);
  if (!result.success) {
    throw new EdgefedError('INVALID_CONFIG', `Invalid run config: ${z.prettifyError(result.error)}`, {
      details: { issues: toWireIssues(result.error.issues) },
    });
  }
  const strategy = parseStrategyConfig(result.data.strategy);
  if (result.data.mode === 'fedbuff' && (strategy.name !== 'fedavg' || 'privacy' in result.data.strategy)) {
    throw new EdgefedError(
      'INVALID_CONFIG',
      `Invalid run config: mode fedbuff aggregates with its own staleness-weighted FedAvg; strategy must be plain fedavg (got ${strategy.name})`,
    );
  }
  const { secureAggregation: secure, ...rest } = result.data;
  if (secure === undefined) return { ...rest, strategy };
  const secureAggregation = parseSecureRunConfig(secure);
  checkSecureRun({ strategyName: strategy.name, compression: rest.compression, mode: rest.mode });
  return { ...rest, strategy, secureAggregation };
}
