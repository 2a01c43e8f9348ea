/**
 * Simulated Byzantine clients for `edgefed simulate --attack` (issue #15). A seeded subset of
 * the virtual clients runs the real participant code with an attack applied where a real
 * attacker would apply it: to the trained parameters before upload (update level) or to the
 * labels it trains on (data level). Only for simulations: nothing here runs in a real client.
 */
import { EdgefedError, createPrng, type Dataset, type Tensor, type TensorMap } from '@edgefed/shared';

/** The attack kinds the simulator knows. */
export const ATTACK_KINDS = [
  'sign-flip',
  'scale',
  'gaussian',
  'label-flip',
  'example-count',
  'backdoor',
] as const;

/** One attack kind. */
export type AttackKind = (typeof ATTACK_KINDS)[number];

/** What the attacking clients do, and which ones attack. */
export interface AttackSpec {
  readonly kind: AttackKind;
  /** Partition client indices that attack. */
  readonly attackers: readonly number[];
  /** `scale`: the delta is multiplied by it; `sign-flip`: by -scale. */
  readonly scale: number;
  /** `gaussian`: the standard deviation of the noise update. */
  readonly noiseStd: number;
  /** `example-count`: the example count claimed with each update. */
  readonly claimedExamples: number;
  /** `backdoor`: the class triggered examples are relabelled to (default 0). */
  readonly targetClass?: number;
  /** `backdoor`: fraction of an attacker's examples that carry the trigger (default 0.5). */
  readonly poisonFraction?: number;
  readonly seed: number;
}

/**
 * The seeded choice of attackers: `round(fraction x clients)` distinct partition indices,
 * sorted. Throws `INVALID_ARGUMENT` for a fraction outside [0, 1].
 */
export function chooseAttackers(clients: number, fraction: number, seed: number): number[] {
  if (!(fraction >= 0 && fraction <= 1)) {
    throw new EdgefedError(
      'INVALID_ARGUMENT',
      `attackers must be a fraction in [0, 1], got ${String(fraction)}`,
    );
  }
  const all = Array.from({ length: clients }, (_, i) => i);
  createPrng(seed * 7_919 + 17).shuffle(all);
  return all.slice(0, Math.round(fraction * clients)).sort((a, b) => a - b);
}

function mapTensors(params: TensorMap, global: TensorMap, f: (p: number, g: number) => number): TensorMap {
  const out = new Map<string, Tensor>();
  for (const [name, t] of params) {
    const g = global.get(name);
    if (!(t.data instanceof Float32Array) || !(g?.data instanceof Float32Array)) {
      out.set(name, t);
      continue;
    }
    const gd = g.data;
    const data = t.data.map((p, i) => f(p, gd[i] ?? 0));
    out.set(name, { dtype: 'float32', shape: t.shape, data });
  }
  return out;
}

/**
 * The parameters an attacker uploads after honest training: `sign-flip` sends
 * `g - scale (p - g)`, `scale` sends `g + scale (p - g)`, `gaussian` sends `g + N(0, noiseStd^2)`
 * (seeded by `seed`); the other kinds return `params` unchanged (they act on data or counts).
 */
export function attackParameters(
  spec: AttackSpec,
  params: TensorMap,
  global: TensorMap,
  seed: number,
): TensorMap {
  switch (spec.kind) {
    case 'sign-flip':
      return mapTensors(params, global, (p, g) => g - spec.scale * (p - g));
    case 'scale':
      return mapTensors(params, global, (p, g) => g + spec.scale * (p - g));
    case 'gaussian': {
      const rng = createPrng(seed);
      return mapTensors(params, global, (_p, g) => g + spec.noiseStd * rng.normal());
    }
    default:
      return params;
  }
}

/** `label-flip`: the dataset with every label y replaced by `numClasses - 1 - y` (a copy of the labels only). */
export function flippedLabels(dataset: Dataset): Dataset {
  const labels = dataset.labels.map((y) => dataset.numClasses - 1 - y);
  return { ...dataset, labels };
}
