/**
 * The "caveats and recommendations" of a model card, derived from the run's own figures:
 * unfinished training, missing or small evaluations, the weakest class, the spread between
 * clients, privacy. Each line states a fact the card's data supports.
 */
import type { ModelCard } from './model-card.js';

type Partial = Pick<ModelCard, 'modelDetails' | 'training' | 'evaluation'>;

const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;

/** The known limitations of a model version, most important first. */
export function knownLimitations(c: Partial): string[] {
  const out: string[] = [];
  const t = c.training;
  if (t.roundsCompleted < t.roundsPlanned)
    out.push(
      `This version comes from round ${String(c.modelDetails.round)}: ${String(t.roundsCompleted)} of ${String(t.roundsPlanned)} planned rounds (run ${c.modelDetails.runStatus}).`,
    );
  const central = c.evaluation.central;
  if (central === null)
    out.push('No central evaluation on a held-out test set was recorded up to this version.');
  else {
    if (central.examples !== null && central.examples < 1000)
      out.push(
        `The central test set has only ${String(central.examples)} examples: per-class figures are noisy.`,
      );
    const worst = [...(central.perClass ?? [])]
      .filter((p) => p.support > 0)
      .sort((a, b) => a.accuracy - b.accuracy)[0];
    if (worst !== undefined)
      out.push(
        `Weakest class: ${String(worst.class)} with ${pct(worst.accuracy)} accuracy (precision ${pct(worst.precision)}) on ${String(worst.support)} test examples.`,
      );
    if (central.round < c.modelDetails.round)
      out.push(`The central evaluation is of round ${String(central.round)}, not of this version's round.`);
  }
  const fed = c.evaluation.federated;
  if (fed === null) out.push('No federated evaluation: how well the model serves each client is unknown.');
  else if (fed.accuracy !== null) {
    const a = fed.accuracy as { p10: number; worst10Mean: number; mean: number };
    out.push(
      `Across ${String(fed.clients)} evaluating clients (round ${String(fed.round)}) mean accuracy is ${pct(a.mean)} but the worst 10% average ${pct(a.worst10Mean)} (10th percentile ${pct(a.p10)}): clients unlike the majority are served worse.`,
    );
  }
  out.push(
    'Client-reported example counts and metrics are bounded but not verified by the coordinator.',
    `The coordinator's test set may not match the clients' data; ${String(t.participation.distinctClients)} distinct clients contributed updates.`,
  );
  if (!t.differentialPrivacy.enabled) out.push('Trained without differential privacy.');
  else if (t.differentialPrivacy.epsilon === null)
    out.push('Differential privacy was configured but no epsilon was recorded.');
  return out;
}
