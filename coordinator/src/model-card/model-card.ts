/**
 * The model card of one model version (Mitchell et al. 2019, "Model Cards for Model
 * Reporting"): model details, intended use, factors, metrics, evaluation and training
 * data, quantitative analyses, ethical considerations, caveats. Built from what the run
 * store holds — the run config, the checkpoint, the completed rounds, the client outcomes
 * (counts only, never client ids) and the evaluation reports up to the version's round —
 * so every figure on the card is one the coordinator recorded.
 */
import { planModel } from '@edgefed/shared';
import type { JsonObject } from '../store/json.js';
import type {
  CheckpointRecord,
  ClientOutcomeRecord,
  MetricPoint,
  RoundRecord,
  RunRecord,
} from '../store/records.js';
import type { EvaluationReportRecord } from '../store/evaluation-reports.js';
import { resolveModelSpec } from '../server/model-support.js';
import type { RunConfig } from '../rounds/run-config.js';
import { knownLimitations } from './limitations.js';

/** What {@link buildModelCard} reads (all of the run's records; it cuts them at the version). */
export interface ModelCardInput {
  readonly run: RunRecord;
  readonly checkpoint: CheckpointRecord;
  readonly rounds: readonly RoundRecord[];
  readonly outcomes: readonly ClientOutcomeRecord[];
  readonly metrics: readonly MetricPoint[];
  readonly reports: readonly EvaluationReportRecord[];
  /** When the card was made (epoch ms). */
  readonly now: number;
}

/** One class's figures on the card. */
export interface CardClassMetrics {
  readonly class: number;
  readonly support: number;
  readonly precision: number;
  readonly recall: number;
  readonly accuracy: number;
}

/** A model card as JSON (format `edgefed-model-card/1`). */
export interface ModelCard {
  readonly format: 'edgefed-model-card/1';
  readonly generatedAt: string;
  readonly modelDetails: {
    readonly runId: string;
    readonly runName: string;
    readonly runStatus: string;
    readonly version: number;
    readonly round: number;
    readonly sha256: string;
    readonly createdAt: string;
    readonly architecture: string;
    readonly layers: readonly string[];
    readonly parameterCount: number;
    readonly inputShape: readonly number[];
    readonly outputShape: readonly number[];
    readonly framework: string;
  };
  readonly intendedUse: { readonly primaryUse: string; readonly outOfScope: string };
  readonly factors: { readonly groups: string };
  readonly training: {
    readonly strategy: JsonObject;
    readonly runConfig: JsonObject;
    readonly roundsCompleted: number;
    readonly roundsPlanned: number;
    readonly participation: {
      readonly distinctClients: number;
      readonly clientUpdates: number;
      readonly failedOrDroppedTasks: number;
      /** Sum over clients of the largest example count each reported (examples held). */
      readonly examples: number;
      /** Examples trained on, summed over every update (an example counts once per round). */
      readonly exampleUpdates: number;
    };
    readonly differentialPrivacy:
      | { readonly enabled: false }
      | {
          readonly enabled: true;
          readonly epsilon: number | null;
          readonly delta: number;
          readonly clipNorm: number;
          readonly noiseMultiplier: number;
        };
    readonly secureAggregation: { readonly enabled: false; readonly note: string };
  };
  readonly metrics: { readonly description: string };
  readonly evaluation: {
    readonly central: {
      readonly round: number;
      readonly metrics: Readonly<Record<string, number>>;
      readonly examples: number | null;
      readonly perClass: readonly CardClassMetrics[] | null;
      readonly confusion: { readonly numClasses: number; readonly counts: readonly number[] } | null;
    } | null;
    readonly federated: {
      readonly round: number;
      readonly clients: number;
      readonly accuracy: JsonObject | null;
      readonly loss: JsonObject;
    } | null;
  };
  readonly ethicalConsiderations: readonly string[];
  readonly caveatsAndRecommendations: readonly string[];
}

const iso = (ms: number): string => new Date(ms).toISOString();

function modelDetails(i: ModelCardInput): ModelCard['modelDetails'] {
  const config = i.run.config as unknown as RunConfig;
  const spec = resolveModelSpec(config.model);
  const plan = planModel(spec);
  const layers = spec.layers.map((l) => (l as { type: string }).type);
  return {
    runId: i.run.id,
    runName: i.run.name,
    runStatus: i.run.status,
    version: i.checkpoint.version,
    round: i.checkpoint.round,
    sha256: i.checkpoint.hash,
    createdAt: iso(i.checkpoint.createdAt),
    architecture: typeof config.model === 'string' ? config.model : 'custom model spec',
    layers: spec.onnx === undefined ? layers : ['imported ONNX graph'],
    parameterCount: plan.parameters.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0),
    inputShape: [...plan.inputShape],
    outputShape: [...plan.outputShape],
    framework: 'edgefed (ONNX graphs; onnxruntime-web / onnxruntime-node)',
  };
}

function participation(i: ModelCardInput, round: number): ModelCard['training']['participation'] {
  const mine = i.outcomes.filter((o) => o.round <= round);
  const done = mine.filter((o) => o.outcome === 'completed');
  const held = new Map<string, number>();
  for (const o of done) held.set(o.clientId, Math.max(held.get(o.clientId) ?? 0, o.exampleCount));
  return {
    distinctClients: held.size,
    clientUpdates: done.length,
    failedOrDroppedTasks: mine.length - done.length,
    examples: [...held.values()].reduce((a, b) => a + b, 0),
    exampleUpdates: done.reduce((a, o) => a + o.exampleCount, 0),
  };
}

function privacy(
  i: ModelCardInput,
  rounds: readonly RoundRecord[],
): ModelCard['training']['differentialPrivacy'] {
  const p = (i.run.config as { strategy?: { privacy?: Record<string, number> } }).strategy?.privacy;
  if (p === undefined) return { enabled: false };
  const eps = [...rounds].reverse().find((r) => typeof r.trainMetrics.epsilon === 'number')
    ?.trainMetrics.epsilon;
  return {
    enabled: true,
    epsilon: eps ?? null,
    delta: p.delta ?? 1e-5,
    clipNorm: p.clipNorm ?? Number.NaN,
    noiseMultiplier: p.noiseMultiplier ?? Number.NaN,
  };
}

function centralEvaluation(i: ModelCardInput, round: number): ModelCard['evaluation']['central'] {
  const pts = i.metrics.filter((m) => m.scope === 'central' && m.round <= round);
  const last = pts.reduce((r, m) => Math.max(r, m.round), -1);
  if (last < 0) return null;
  const metrics = Object.fromEntries(pts.filter((m) => m.round === last).map((m) => [m.name, m.value]));
  const rep = i.reports.find((r) => r.kind === 'central' && r.round === last)?.report as
    { numClasses: number; counts: number[]; examples: number; perClass: CardClassMetrics[] } | undefined;
  return {
    round: last,
    metrics,
    examples: rep?.examples ?? null,
    perClass:
      rep?.perClass.map((c) => ({
        class: c.class,
        support: c.support,
        precision: c.precision,
        recall: c.recall,
        accuracy: c.accuracy,
      })) ?? null,
    confusion: rep === undefined ? null : { numClasses: rep.numClasses, counts: rep.counts },
  };
}

function federatedEvaluation(i: ModelCardInput, round: number): ModelCard['evaluation']['federated'] {
  const rep = [...i.reports].reverse().find((r) => r.kind === 'federated' && r.round <= round);
  if (rep === undefined) return null;
  const body = rep.report as { clients: unknown[]; accuracy?: JsonObject; loss: JsonObject };
  return { round: rep.round, clients: body.clients.length, accuracy: body.accuracy ?? null, loss: body.loss };
}

/** Builds the card of `input.checkpoint`'s version; see the file comment. */
export function buildModelCard(input: ModelCardInput): ModelCard {
  const round = input.checkpoint.round;
  const config = input.run.config as unknown as RunConfig & JsonObject;
  const rounds = input.rounds.filter((r) => r.state === 'completed' && r.round <= round);
  const details = modelDetails(input);
  const training: ModelCard['training'] = {
    strategy: config.strategy as unknown as JsonObject,
    runConfig: config,
    roundsCompleted: new Set(rounds.map((r) => r.round)).size,
    roundsPlanned: config.rounds,
    participation: participation(input, round),
    differentialPrivacy: privacy(input, rounds),
    secureAggregation: { enabled: false, note: 'edgefed does not offer secure aggregation yet' },
  };
  const evaluation = {
    central: centralEvaluation(input, round),
    federated: federatedEvaluation(input, round),
  };
  const partial = { modelDetails: details, training, evaluation };
  return {
    format: 'edgefed-model-card/1',
    generatedAt: iso(input.now),
    modelDetails: details,
    intendedUse: {
      primaryUse: `Classification of inputs shaped [${details.inputShape.join(', ')}] into ${String(details.outputShape.at(-1) ?? '?')} classes, as trained by the federated run "${input.run.name}".`,
      outOfScope:
        'Inputs unlike the participating clients’ data; decisions about people without human review; any use the evaluation below does not cover.',
    },
    factors: {
      groups:
        'Clients are the groups: their data never left the devices, so per-client evaluation (federated) and per-class evaluation (central test set) stand in for subgroup analysis.',
    },
    training,
    metrics: {
      description:
        'Central: accuracy, loss, confusion matrix and per-class precision/recall/accuracy on the coordinator’s held-out test set. Federated: each participant’s accuracy and loss on its own held-out data, summarised by mean, 10th percentile, worst-10% mean and spread.',
    },
    evaluation,
    ethicalConsiderations: [
      'Training data stayed on the clients; only model updates and aggregate metrics reached the coordinator.',
      training.differentialPrivacy.enabled
        ? 'Updates were clipped and noised (central differential privacy); see the epsilon and delta above.'
        : 'No differential privacy: the model may memorise and leak information about individual training examples.',
    ],
    caveatsAndRecommendations: knownLimitations(partial),
  };
}
