/**
 * Aggregation throughput: streaming FedAvg (one Float64 accumulator, updates added one at a
 * time; WebAssembly SIMD and the scalar fallback) against a plain typed-array copy of the
 * same bytes (the memory-bandwidth ceiling), and the coordinator's aggregation time for one
 * round of 1,000 updates of 100k parameters. Copy, SIMD add, scalar add and finite check are
 * timed interleaved and the fastest of `--reps` passes is kept, so a loaded machine slows
 * all of them alike.
 *
 * `npm run bench -- aggregation [--params 1000000] [--updates 16] [--reps 9]
 * [--round-updates 1000] [--round-params 100000]`
 */
import {
  createPrng,
  createStrategy,
  isAllFinite,
  WeightedMeanAccumulator,
  type FitResult,
} from '@edgefed/shared';
import { timeIt, timeItAsync, type Benchmark } from './harness.js';

/** Seconds per call of each function: one warm-up each, then `reps` interleaved passes, fastest kept. */
function fastestInterleaved(fns: Readonly<Record<string, () => void>>, reps: number): Record<string, number> {
  const best: Record<string, number> = {};
  for (const [k, fn] of Object.entries(fns)) {
    fn();
    best[k] = Infinity;
  }
  for (let r = 0; r < reps; r++) {
    for (const [k, fn] of Object.entries(fns)) {
      const start = performance.now();
      fn();
      best[k] = Math.min(best[k] ?? Infinity, (performance.now() - start) / 1000);
    }
  }
  return best;
}

type TensorMap = FitResult['update'];

function model(size: number, seed: number): TensorMap {
  const rng = createPrng(seed);
  const data = new Float32Array(size);
  for (let i = 0; i < size; i++) data[i] = rng.nextFloat() - 0.5;
  return new Map([['w', { dtype: 'float32', shape: [size], data }]]);
}

function dataOf(m: TensorMap): Float32Array {
  const t = m.get('w');
  if (t?.dtype !== 'float32') throw new Error('bench model is float32');
  return t.data;
}

/** `count` results sharing one update buffer, as a streaming decoder would deliver them. */
function* stream(update: TensorMap, count: number): Generator<FitResult> {
  const data = dataOf(update);
  for (let i = 0; i < count; i++) {
    data[0] = i * 1e-6;
    yield { clientId: `c${i}`, exampleCount: 1 + (i % 50), update };
  }
}

const num = (v: string | undefined, d: number): number => (v === undefined ? d : Number(v));

const bench: Benchmark = {
  description: 'streaming FedAvg vs typed-array copy; one FedAvg round of 1,000 x 100k',
  async run(ctx) {
    const { args } = ctx;
    const report = (f: Parameters<typeof ctx.report>[0]): void => {
      ctx.report(f);
    };
    const params = num(args.params, 1_000_000);
    const k = num(args.updates, 16);
    const updates = Array.from({ length: k }, (_, i) => model(params, i + 1));
    const dst = new Float32Array(params);
    const simd = new WeightedMeanAccumulator(updates[0]!);
    const scalar = new WeightedMeanAccumulator(updates[0]!, { simd: false });
    let finite = true;
    const t = fastestInterleaved(
      {
        copy: () => {
          for (const u of updates) dst.set(dataOf(u));
        },
        simd: () => {
          for (const [i, u] of updates.entries()) simd.add(u, 1 + i);
        },
        scalar: () => {
          for (const [i, u] of updates.entries()) scalar.add(u, 1 + i);
        },
        check: () => {
          for (const u of updates) finite = isAllFinite(dataOf(u)) && finite;
        },
      },
      num(args.reps, 9),
    );
    const rate = (sec: number | undefined): number => (k * params) / (sec ?? NaN);
    const copyRate = rate(t.copy);
    report({ name: 'copy', value: copyRate, unit: 'params/s', params, updates: k });
    const fig = (name: string, sec: number | undefined, extra: Record<string, unknown> = {}): void => {
      report({
        name,
        value: rate(sec),
        unit: 'params/s',
        baseline: 'copy',
        ratio: rate(sec) / copyRate,
        ...extra,
      });
    };
    fig('fedavg-add', t.simd, { simd: simd.usesSimd });
    fig('fedavg-add-scalar', t.scalar, { simd: scalar.usesSimd });
    fig('finite-check', t.check, { finite });

    const roundUpdates = num(args['round-updates'], 1000);
    const roundParams = num(args['round-params'], 100_000);
    const global = model(roundParams, 99);
    const update = model(roundParams, 100);
    const fedavg = createStrategy({ name: 'fedavg', minFitClients: 1, minAvailableClients: 1 });
    const roundTime = await timeItAsync(async () => {
      await fedavg.aggregateFit({ round: 1, global, results: stream(update, roundUpdates), failures: [] });
    }, 2000);
    const roundDst = new Float32Array(roundParams);
    const roundCopy = timeIt(() => {
      for (let i = 0; i < roundUpdates; i++) roundDst.set(dataOf(update));
    });
    report({ name: 'round-copy', value: roundCopy, unit: 's', updates: roundUpdates, params: roundParams });
    report({
      name: 'fedavg-round',
      value: roundTime,
      unit: 's',
      baseline: 'round-copy',
      updates: roundUpdates,
      params: roundParams,
    });
    const median = createStrategy({ name: 'fedmedian', minFitClients: 1, minAvailableClients: 1 });
    const medianUpdates = Math.min(100, roundUpdates);
    const medianTime = await timeItAsync(async () => {
      await median.aggregateFit({ round: 1, global, results: stream(update, medianUpdates), failures: [] });
    }, 1000);
    report({
      name: 'fedmedian-round',
      value: medianTime,
      unit: 's',
      updates: medianUpdates,
      params: roundParams,
    });
  },
};

export default bench;
