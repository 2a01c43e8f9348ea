/**
 * The fixed design of the Byzantine table (bench/robustness.ts): the aggregators and their
 * settings, the attack kinds and their parameters, and the aggregation-cost probe (one
 * `aggregateFit` over 20 random updates of the 2nn's 199,210 parameters).
 *
 * Every aggregator assumes f = 4 Byzantine clients of the 20 (the 20% bound) in every cell,
 * the 10% rows included: an operator sets the bound, not the attackers. Bulyan needs
 * n >= 4f + 3 = 19 results.
 */
import { createPrng, createStrategy, type FitResult, type TensorMap } from '@edgefed/shared';

/** The Byzantine bound f every aggregator is configured with. */
export const BYZANTINE_F = 4;

/** Aggregator name -> strategy config, in table order. */
export const STRATEGIES: Record<string, Record<string, unknown>> = {
  fedavg: { name: 'fedavg' },
  fedmedian: { name: 'fedmedian' },
  fedtrimmedavg: { name: 'fedtrimmedavg', beta: 0.2 },
  krum: { name: 'krum', byzantineClients: BYZANTINE_F },
  multikrum: { name: 'multikrum', byzantineClients: BYZANTINE_F },
  bulyan: { name: 'bulyan', byzantineClients: BYZANTINE_F, minFitResults: 19, minFitClients: 20 },
  centeredclipping: { name: 'centeredclipping', tau: 1 },
  normbounded: { name: 'normbounded', normBound: 1 },
};

/** The attack kinds, in table order (`none` is the no-attack column). */
export const ATTACKS = ['sign-flip', 'scale', 'gaussian', 'label-flip', 'example-count', 'backdoor'] as const;

/** Parameters of each attack kind beyond the fraction. */
export const ATTACK_PARAMS: Record<string, Record<string, unknown>> = {
  'sign-flip': { scale: 4 },
  scale: { scale: 10 },
  gaussian: { noiseStd: 1 },
  'label-flip': {},
  'example-count': { claimedExamples: 1_000_000_000 },
  backdoor: { targetClass: 0, poisonFraction: 0.5 },
};

/** The key of one cell of the table. */
export function cellKey(strategy: string, attack: string, fraction: number): string {
  return `${strategy}|${attack}|${attack === 'none' ? 0 : fraction}`;
}

/**
 * Seconds for one `aggregateFit` of 20 updates of 199,210 float32 parameters (the median of
 * three calls), the strategy's memory kind, and the bytes it buffers: a copy of every update
 * for the buffered ones (plus an n x n float64 distance matrix for the Krum family).
 */
export async function aggregationCost(
  name: string,
): Promise<{ seconds: number; memory: string; bufferedBytes: number }> {
  const n = 20;
  const params = 199_210;
  const rng = createPrng(5);
  const model = (s: number): TensorMap =>
    new Map([
      [
        'w',
        {
          dtype: 'float32',
          shape: [params],
          data: Float32Array.from({ length: params }, () => (rng.nextFloat() - 0.5) * s),
        },
      ],
    ]);
  const global = model(1);
  const results: FitResult[] = Array.from({ length: n }, (_, i) => ({
    clientId: `c${i}`,
    exampleCount: 300,
    update: model(0.01),
  }));
  const strategy = createStrategy({ ...STRATEGIES[name], minFitResults: name === 'bulyan' ? 19 : 1 });
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    await strategy.aggregateFit({ round: 1, global, results, failures: [] });
    times.push((performance.now() - t0) / 1000);
  }
  times.sort((a, b) => a - b);
  const krumFamily = ['krum', 'multikrum', 'bulyan'].includes(name);
  const buffered = strategy.memory.kind === 'buffered';
  return {
    seconds: times[1] ?? 0,
    memory: strategy.memory.kind,
    bufferedBytes: buffered ? n * params * 4 + (krumFamily ? n * n * 8 : 0) : 0,
  };
}
