/**
 * Strategy configs: zod schemas for the JSON that names a strategy and its parameters
 * (`{ "name": "fedadam", "serverLearningRate": 0.01 }`), with the defaults documented in
 * docs/strategies.md. Unknown keys are errors, so a misspelt parameter is never ignored.
 */
import { z } from 'zod';
import { EdgefedError } from '../errors.js';
import { privacyConfigSchema } from '../privacy/privacy-config.js';
import { toWireIssues } from '../protocol/parse-message.js';

const fraction = z.number().gt(0).lte(1);
const atLeastOne = z.number().int().gte(1);
const positive = z.number().gt(0);
const unitInterval = z.number().gte(0).lt(1);
const scalarRecord = z.record(
  z.string().min(1).max(128),
  z.union([z.number(), z.string().max(4096), z.boolean()]),
);
const maxBuffered = z.number().int().gte(1).lte(1_000_000);

/** Parameters every strategy takes (selection, quorum, what clients are sent). */
const common = {
  fractionFit: fraction.default(1),
  minFitClients: atLeastOne.default(2),
  minFitResults: atLeastOne.default(1),
  fractionEvaluate: fraction.default(1),
  minEvaluateClients: atLeastOne.default(2),
  minEvaluateResults: atLeastOne.default(1),
  minAvailableClients: atLeastOne.default(2),
  overSelection: z.number().gte(1).lte(10).default(1),
  fitHyperParameters: scalarRecord.default({}),
  fitConfig: scalarRecord.default({}),
  evaluateConfig: scalarRecord.default({}),
  /** Central differential privacy (DP-FedAvg); averaging strategies only. See docs/privacy.md. */
  privacy: privacyConfigSchema.optional(),
};

const buffered = {
  maxBufferedUpdates: maxBuffered.default(1000),
  blockSize: z
    .number()
    .int()
    .gte(1)
    .lte(1 << 20)
    .default(4096),
};

/** Schema of every strategy config; `name` picks the strategy. */
export const strategyConfigSchema = z.discriminatedUnion('name', [
  z.strictObject({ name: z.literal('fedavg'), ...common }),
  z.strictObject({
    name: z.literal('fedavgm'),
    ...common,
    serverLearningRate: positive.default(1),
    serverMomentum: unitInterval.default(0.9),
  }),
  z.strictObject({ name: z.literal('fedprox'), ...common, proximalMu: z.number().gte(0) }),
  z.strictObject({
    name: z.literal('qfedavg'),
    ...common,
    /** q of q-FFL: 0 = uniform (FedAvg-like); larger = more weight on high-loss clients. */
    q: z.number().gte(0).lte(100).default(0.2),
    /** The client learning rate the Lipschitz estimate L = 1 / lr assumes (Flower's default 0.1). */
    qfflLearningRate: positive.default(0.1),
  }),
  z.strictObject({
    name: z.literal('fedadam'),
    ...common,
    serverLearningRate: positive.default(0.1),
    beta1: unitInterval.default(0.9),
    beta2: unitInterval.default(0.99),
    tau: positive.default(1e-9),
  }),
  z.strictObject({
    name: z.literal('fedyogi'),
    ...common,
    serverLearningRate: positive.default(0.01),
    beta1: unitInterval.default(0.9),
    beta2: unitInterval.default(0.99),
    tau: positive.default(1e-3),
  }),
  z.strictObject({
    name: z.literal('fedadagrad'),
    ...common,
    serverLearningRate: positive.default(0.1),
    beta1: unitInterval.default(0),
    tau: positive.default(1e-9),
  }),
  z.strictObject({ name: z.literal('fedmedian'), ...common, ...buffered }),
  z.strictObject({
    name: z.literal('fedtrimmedavg'),
    ...common,
    ...buffered,
    beta: z.number().gte(0).lt(0.5).default(0.2),
  }),
  z.strictObject({
    name: z.literal('krum'),
    ...common,
    maxBufferedUpdates: maxBuffered.default(1000),
    byzantineClients: z.number().int().gte(0).default(0),
    selected: atLeastOne.default(1),
  }),
  z.strictObject({
    name: z.literal('multikrum'),
    ...common,
    maxBufferedUpdates: maxBuffered.default(1000),
    byzantineClients: z.number().int().gte(0).default(0),
    /** m, the updates averaged; absent: n - f of the n results (at least 1). */
    selected: atLeastOne.optional(),
  }),
  z.strictObject({
    name: z.literal('bulyan'),
    ...common,
    ...buffered,
    byzantineClients: z.number().int().gte(0).default(0),
  }),
  z.strictObject({
    name: z.literal('centeredclipping'),
    ...common,
    maxBufferedUpdates: maxBuffered.default(1000),
    tau: z.number().gt(0).lte(1e6).default(1),
    iterations: z.number().int().gte(1).lte(100).default(1),
  }),
  z.strictObject({
    name: z.literal('normbounded'),
    ...common,
    normBound: z.number().gt(0).lte(1e6).default(1),
  }),
]);

/** A strategy config as written (defaults may be omitted). */
export type StrategyConfigInput = z.input<typeof strategyConfigSchema>;

/** A validated strategy config with every default filled in. */
export type StrategyConfig = z.output<typeof strategyConfigSchema>;

/** The strategy names {@link createStrategy} knows. */
export type StrategyName = StrategyConfig['name'];

/** A validated config of one strategy. */
export type StrategyConfigOf<N extends StrategyName> = Extract<StrategyConfig, { name: N }>;

/** The parameters shared by every strategy (selection, quorum, task contents). */
export type CommonStrategyConfig = Pick<StrategyConfig, keyof typeof common>;

/** The names of the built-in strategies, in documentation order. */
export const STRATEGY_NAMES: readonly StrategyName[] = [
  'fedavg',
  'fedavgm',
  'fedprox',
  'qfedavg',
  'fedadam',
  'fedyogi',
  'fedadagrad',
  'fedmedian',
  'fedtrimmedavg',
  'krum',
  'multikrum',
  'bulyan',
  'centeredclipping',
  'normbounded',
];

/** Strategies whose aggregate is not a mean: the privacy block is refused for them. */
const ROBUST_STRATEGIES: ReadonlySet<StrategyName> = new Set<StrategyName>([
  'fedmedian',
  'fedtrimmedavg',
  'krum',
  'multikrum',
  'bulyan',
  'centeredclipping',
]);

/**
 * Validates a strategy config (e.g. parsed JSON) and fills in defaults. Throws
 * `INVALID_CONFIG` with `details.issues` (path, code, message) for an unknown name, an unknown
 * or out-of-range parameter, a missing required one (FedProx's `proximalMu`), or a quorum
 * larger than the selection minimum (`minFitResults > minFitClients`, same for evaluation), or a
 * `privacy` block (bad values, unknown keys, or on a robust strategy: fedmedian, fedtrimmedavg, krum,
 * multikrum, bulyan, centeredclipping), or a `bulyan` whose `minFitResults` is below `4f + 3`
 * for `byzantineClients = f > 0` (its guarantee needs that many results in every round).
 */
export function parseStrategyConfig(input: unknown): StrategyConfig {
  const result = strategyConfigSchema.safeParse(input);
  if (!result.success) {
    throw new EdgefedError('INVALID_CONFIG', `Invalid strategy config: ${z.prettifyError(result.error)}`, {
      details: { issues: toWireIssues(result.error.issues) },
    });
  }
  const c = result.data;
  const issues: { path: string; code: string; message: string }[] = [];
  if (c.minFitResults > c.minFitClients) {
    issues.push({
      path: 'minFitResults',
      code: 'too_big',
      message: 'minFitResults must be <= minFitClients',
    });
  }
  if (c.minEvaluateResults > c.minEvaluateClients) {
    issues.push({
      path: 'minEvaluateResults',
      code: 'too_big',
      message: 'minEvaluateResults must be <= minEvaluateClients',
    });
  }
  if (c.name === 'bulyan' && c.byzantineClients > 0 && c.minFitResults < 4 * c.byzantineClients + 3) {
    issues.push({
      path: 'minFitResults',
      code: 'too_small',
      message: `bulyan with byzantineClients = ${c.byzantineClients} needs minFitResults >= 4f + 3 = ${4 * c.byzantineClients + 3}`,
    });
  }
  if (c.privacy !== undefined && ROBUST_STRATEGIES.has(c.name)) {
    issues.push({
      path: 'privacy',
      code: 'custom',
      message: `privacy needs an averaging strategy; ${c.name} is robust (its output is not a mean)`,
    });
  }
  if (issues.length > 0) {
    throw new EdgefedError(
      'INVALID_CONFIG',
      `Invalid strategy config: ${issues.map((i) => i.message).join('; ')}`,
      {
        details: { issues },
      },
    );
  }
  return c;
}
