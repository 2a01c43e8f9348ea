/**
 * The configuration of a simulation (what `edgefed simulate` flags and the programmatic API
 * take), validated with zod, and its translation into a coordinator run config.
 */
import { z } from 'zod';
import { EdgefedError, compressionSpecSchema, toWireIssues } from '@edgefed/shared';
import type { RunConfigInput } from '../rounds/run-config.js';
import { fedbuffConfigSchema } from '../rounds/fedbuff-config.js';
import { devicesConfigSchema } from './device-config.js';
import { attackConfigSchema } from './simulation-attack.js';

/** Schema of a simulation config; every field has a default except where noted. */
export const simulationConfigSchema = z.strictObject({
  /** Image datasets (`mnist`, `fashion-mnist`) or text corpora (`sotu`, `moby-dick`). */
  dataset: z.enum(['mnist', 'fashion-mnist', 'sotu', 'moby-dick']).default('mnist'),
  /**
   * A preset (`2nn`, `cnn`, `tiny-cnn`; for text `char-lstm`, `char-transformer`, sized to
   * the data's vocabulary and window) or a model spec object. Default: `2nn` for images,
   * `char-lstm` for text.
   */
  model: z.union([z.string().min(1), z.record(z.string(), z.unknown())]).optional(),
  /** Text: `char` (next character) or `word` (next word over a top-N vocabulary). */
  textLevel: z.enum(['char', 'word']).default('char'),
  /** Text: window length T (the paper's 80). */
  sequenceLength: z.number().int().min(1).max(4096).default(80),
  /** Text, word level: the N most frequent training words (plus `<unk>`). */
  vocabularySize: z.number().int().min(1).max(1_000_000).default(10_000),
  /** Text: fraction of each client's text (its tail) held out; the tails form the test set. */
  testFraction: z.number().min(0).lt(1).default(0.1),
  /** Registered virtual clients K. */
  clients: z.number().int().min(1).max(1_000_000).default(100),
  /** Fraction C of clients selected per round. */
  fraction: z.number().gt(0).lte(1).default(0.1),
  rounds: z.number().int().min(1).max(1_000_000).default(10),
  epochs: z.number().int().min(1).max(1000).default(1),
  batchSize: z.number().int().min(1).max(65_536).default(10),
  learningRate: z.number().positive().max(100).default(0.1),
  optimizer: z.enum(['sgd', 'adam', 'adamw']).default('sgd'),
  momentum: z.number().min(0).lt(1).default(0),
  /** Strategy name and its own parameters, e.g. `{ name: 'fedadam', serverLearningRate: 0.01 }`. */
  strategy: z.record(z.string(), z.unknown()).default({ name: 'fedavg' }),
  partition: z.enum(['iid', 'shards', 'dirichlet', 'natural', 'quantity-skew']).default('iid'),
  /** Dirichlet concentration (smaller = more skewed). */
  alpha: z.number().positive().default(0.5),
  shardsPerClient: z.number().int().min(1).default(2),
  /**
   * `quantity-skew` only: client sizes from a Pareto law with this tail exponent (default 1.5
   * when `sizeAlpha` is not set; smaller = a few huge clients). Labels stay IID.
   */
  sizeExponent: z.number().positive().max(1000).optional(),
  /** `quantity-skew` only: client sizes from Dirichlet(sizeAlpha) proportions instead. */
  sizeAlpha: z.number().positive().max(1e6).optional(),
  /** `quantity-skew` only: fewest examples a client gets (default 1). */
  minClientSize: z.number().int().min(0).optional(),
  /** Upload compression the clients apply (the run config's `compression`; top-k with error feedback). */
  compression: compressionSpecSchema.default({ method: 'none' }),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .default(0),
  /** Stop once the central test accuracy reaches this value. */
  targetAccuracy: z.number().gt(0).lte(1).optional(),
  /** Evaluate on the central test set every K rounds (and after the last round). */
  evalEvery: z.number().int().min(1).default(1),
  /**
   * Fraction of each client's examples held out (spread evenly over its classes) for
   * federated evaluation: every `evalEvery` rounds all clients evaluate the model they would
   * train (FedBN: with their own BatchNorm tensors) on their held-out part, recorded as
   * `localAccuracy`/`localLoss`. 0 (default): no holdout, no federated evaluation.
   */
  localTestFraction: z.number().min(0).max(0.5).default(0),
  /** Worker threads (default: one per core). */
  workers: z.number().int().min(1).max(256).optional(),
  /** onnxruntime-node intra-op threads per worker (default 1: one worker per core is faster). */
  intraOpThreads: z.number().int().min(1).max(64).optional(),
  /**
   * How virtual clients reach the control plane: `in-process` (MessagePorts into the same
   * control plane and validation; no file descriptor per client) or `socketio` (a real
   * socket.io connection each; needs 2 file descriptors per client).
   */
  transport: z.enum(['in-process', 'socketio']).default('in-process'),
  /** Optimizer steps per graph run in local training (same updates; 8 is ~2x faster than 1). */
  stepsPerRun: z.number().int().min(1).max(256).default(8),
  /** Use only the first N training / test examples (quick runs and CI). */
  trainLimit: z.number().int().min(1).optional(),
  testLimit: z.number().int().min(1).optional(),
  /** How long the selected clients of one round have (default 1 hour). */
  roundDeadlineMs: z.number().int().min(100).default(3_600_000),
  /** Simulated Byzantine clients (`--attack`); see simulation-attack.ts. */
  attack: attackConfigSchema.optional(),
  /** The run's `maxExampleWeight` (FedAvg weight cap); absent: the run default. */
  maxExampleWeight: z.number().int().min(1).optional(),
  /**
   * Device heterogeneity (`--speeds`, `--bandwidth`, `--availability`, `--dropout-rate`):
   * when present the simulation runs on a virtual clock (virtual-time-gateway.ts) and
   * `roundDeadlineMs` is virtual.
   */
  devices: devicesConfigSchema.optional(),
  /** `sync` rounds or `fedbuff` asynchronous buffered aggregation (`rounds` = model versions). */
  mode: z.enum(['sync', 'fedbuff']).default('sync'),
  /** FedBuff parameters (`--buffer-size`, `--max-staleness`, `--concurrency`, ...). */
  fedbuff: fedbuffConfigSchema.optional(),
  /**
   * Secure aggregation (`--secagg`, `--secagg-neighbours`, ...): the run's
   * `secureAggregation` block, validated with the run config. Phase deadlines default to
   * 10 s here (a simulated dropout at the unmask phase waits that long).
   */
  secureAggregation: z.record(z.string(), z.unknown()).optional(),
  /** Seeded dropouts at one phase of secure rounds (`--secagg-drop-phase`, `--secagg-drop-rate`). */
  secAggDrop: z
    .strictObject({
      phase: z.enum(['advertise', 'share', 'upload', 'unmask']),
      rate: z.number().min(0).lt(1),
    })
    .optional(),
});

/** A validated simulation config. */
export type SimulationConfig = z.output<typeof simulationConfigSchema>;

/** A simulation config as written (defaults may be omitted). */
export type SimulationConfigInput = z.input<typeof simulationConfigSchema>;

/** Validates a simulation config; throws `INVALID_CONFIG` with every issue's path. */
export function parseSimulationConfig(input: unknown): SimulationConfig {
  const r = simulationConfigSchema.safeParse(input);
  if (!r.success) {
    throw new EdgefedError('INVALID_CONFIG', `Invalid simulation config: ${z.prettifyError(r.error)}`, {
      details: { issues: toWireIssues(r.error.issues) },
    });
  }
  if (typeof r.data.strategy.name !== 'string') {
    throw new EdgefedError('INVALID_CONFIG', 'Invalid simulation config: strategy.name is required');
  }
  checkQuantitySkew(r.data);
  checkSecureSimulation(r.data);
  return r.data;
}

/** Secure aggregation runs on the real clock only; drop flags need it. */
function checkSecureSimulation(c: SimulationConfig): void {
  if (c.secAggDrop !== undefined && c.secureAggregation === undefined) {
    throw new EdgefedError(
      'INVALID_CONFIG',
      'Invalid simulation config: secAggDrop needs secureAggregation (--secagg)',
    );
  }
  if (c.secureAggregation !== undefined && c.devices !== undefined) {
    throw new EdgefedError(
      'INVALID_CONFIG',
      'Invalid simulation config: secure aggregation runs on the real clock; drop --speeds, --bandwidth, --availability and --dropout-rate (use --secagg-drop-phase/--secagg-drop-rate)',
    );
  }
}

const SIMULATED_PHASE_MS = 10_000;

const SKEW_KEYS = ['sizeExponent', 'sizeAlpha', 'minClientSize'] as const;

/** Size parameters only make sense for `quantity-skew`, and one size law at a time. */
function checkQuantitySkew(c: SimulationConfig): void {
  const set = SKEW_KEYS.filter((k) => c[k] !== undefined);
  if (c.partition !== 'quantity-skew' && set.length > 0)
    throw new EdgefedError(
      'INVALID_CONFIG',
      `Invalid simulation config: ${set.join(', ')} only apply to partition quantity-skew (got ${c.partition})`,
    );
  if (c.sizeExponent !== undefined && c.sizeAlpha !== undefined)
    throw new EdgefedError(
      'INVALID_CONFIG',
      'Invalid simulation config: give sizeExponent (power-law sizes) or sizeAlpha (Dirichlet sizes), not both',
    );
}

/** Whether a simulation dataset is a text corpus. */
export function isTextDataset(dataset: SimulationConfig['dataset']): dataset is 'sotu' | 'moby-dick' {
  return dataset === 'sotu' || dataset === 'moby-dick';
}

/** The model a config uses when it names none: `char-lstm` for text, `2nn` for images. */
export function defaultModelName(dataset: SimulationConfig['dataset']): string {
  return isTextDataset(dataset) ? 'char-lstm' : '2nn';
}

/**
 * The coordinator run config of a simulation (`model`: the resolved spec for text, whose
 * presets depend on the vocabulary): the strategy selects `fraction` of the
 * clients (at least one) and waits for every selected one; federated evaluation of every
 * client only with a `localTestFraction` (the simulation evaluates centrally in any case). Strategy parameters the caller set win over these.
 */
export function toRunConfig(
  c: SimulationConfig,
  model: RunConfigInput['model'] = c.model ?? defaultModelName(c.dataset),
): RunConfigInput {
  return {
    model,
    strategy: {
      fractionFit: c.fraction,
      minFitClients: 1,
      minFitResults: 1,
      minAvailableClients: 1,
      ...(c.localTestFraction > 0 ? { fractionEvaluate: 1, minEvaluateClients: 1 } : {}),
      ...c.strategy,
    },
    rounds: c.rounds,
    training: {
      epochs: c.epochs,
      batchSize: c.batchSize,
      learningRate: c.learningRate,
      optimizer: c.optimizer,
      momentum: c.momentum,
    },
    // on a virtual clock the deadline is enforced in virtual time; the real one only guards
    roundDeadlineMs: c.devices === undefined ? c.roundDeadlineMs : 24 * 3600_000,
    evaluateEvery: c.localTestFraction > 0 ? c.evalEvery : 0,
    compression: c.compression,
    ...(c.targetAccuracy === undefined ? {} : { targetAccuracy: c.targetAccuracy }),
    seed: c.seed,
    ...(c.maxExampleWeight === undefined ? {} : { maxExampleWeight: c.maxExampleWeight }),
    ...(c.mode === 'sync' ? {} : { mode: c.mode }),
    ...(c.fedbuff === undefined ? {} : { fedbuff: c.fedbuff }),
    ...(c.secureAggregation === undefined
      ? {}
      : {
          secureAggregation: {
            advertiseTimeoutMs: SIMULATED_PHASE_MS,
            shareTimeoutMs: SIMULATED_PHASE_MS,
            unmaskTimeoutMs: SIMULATED_PHASE_MS,
            ...c.secureAggregation,
          },
        }),
  };
}
