/**
 * PartialFold on three "nodes": real tensor-codec payloads are admitted exactly as the fit
 * round admits them (metrics, example-count bounds, decode), then folded; bad results become
 * failures with their codes and never touch the partial. The leader's finishClusterRound
 * merges the encoded partials and steps as aggregateFit does on the admitted results.
 */
import { describe, expect, it } from 'vitest';
import {
  compressUpdate,
  createStrategy,
  encodeTensorMap,
  type FitResult,
  type Tensor,
  type TensorMap,
} from '@edgefed/shared';
import { finishClusterRound, PartialFold } from './partial-fold.js';
import type { CompletedOutcome, TaskOutcome, TaskSpec } from './task-gateway.js';
import { createUpdateDecoder } from './update-decoder.js';

const tensor = (values: number[]): TensorMap =>
  new Map([['w', { dtype: 'float32' as const, shape: [values.length], data: Float32Array.from(values) }]]);
const global = tensor([1, 2, 3, 4]);

function task(clientId: string): TaskSpec {
  return { clientId } as unknown as TaskSpec; // the fold reads only the client id
}

function completed(clientId: string, values: number[], exampleCount: number, metrics = {}): TaskOutcome {
  // what a participant uploads; a NaN is put in after compression, as a faulty client could
  const wire = compressUpdate(tensor(values.map((v) => (Number.isFinite(v) ? v : 0))), { method: 'none' });
  wire.set('w', tensor(values).get('w') as Tensor);
  const payload = encodeTensorMap(wire);
  return {
    status: 'completed',
    task: task(clientId),
    exampleCount,
    metrics,
    payload,
    bytesUp: payload.length,
  };
}

const good: [string, number[], number][] = Array.from({ length: 9 }, (_, i) => [
  `c${i}`,
  [0.1 * i, -0.2, 0.05 * i, 1 / (i + 1)],
  10 * (i + 1),
]);

function fold(): PartialFold {
  return new PartialFold({
    round: 4,
    global,
    maxExampleWeight: 60,
    declared: new Map([['liar', 5]]),
    decoder: createUpdateDecoder(),
  });
}

describe('PartialFold', () => {
  it('admits like the fit round, folds, and rejects bad results as failures', () => {
    const f = fold();
    expect(f.accept(completed('a', [1, 1, 1, 1], 80))).toEqual({
      status: 'folded',
      weight: 60,
      clamped: true,
    });
    const bad: TaskOutcome[] = [
      completed('liar', [0, 0, 0, 0], 6), // more than declared in hello
      completed('nan', [0, Number.NaN, 0, 0], 3),
      completed('shape', [0, 0, 0], 3),
      completed('metric', [0, 0, 0, 0], 3, { accuracy: 2 }),
      completed('a', [0, 0, 0, 0], 3), // a second result of the same client
      { ...(completed('junk', [0], 1) as CompletedOutcome), payload: new Uint8Array([1, 2, 3]) },
      { status: 'dropped', task: task('gone'), code: 'DEADLINE_EXCEEDED', message: 'late', bytesUp: 0 },
    ];
    const before = f.partial.sumCopy();
    const codes = bad.map((o) => {
      const r = f.accept(o);
      return r.status === 'failed' ? r.failure.code : 'folded';
    });
    expect(codes).toEqual([
      'EXAMPLE_COUNT_EXCEEDED',
      'NON_FINITE',
      'SHAPE_MISMATCH',
      'INVALID_ARGUMENT',
      'DUPLICATE_RESULT',
      'BAD_MAGIC',
      'DEADLINE_EXCEEDED',
    ]);
    expect(f.partial.sumCopy()).toEqual(before);
    expect(f.partial.clients).toEqual(new Map([['a', 60]]));
    expect(f.failures.map((x) => x.clientId)).toEqual([
      'liar',
      'nan',
      'shape',
      'metric',
      'a',
      'junk',
      'gone',
    ]);
  });

  it('3 nodes -> leader: the same model as aggregateFit on the same admitted results', async () => {
    const nodes = [fold(), fold(), fold()];
    const metricsOf = (i: number) => ({ loss: 0.5 + i / 10, ...(i % 2 === 0 && { accuracy: i / 10 }) });
    good.forEach(([id, values, n], i) => nodes[i % 3]?.accept(completed(id, values, n, metricsOf(i))));
    nodes[1]?.accept(completed('nan', [Number.NaN, 0, 0, 0], 1));
    const strategy = createStrategy({ name: 'fedadam' });
    const out = await finishClusterRound({
      round: 4,
      global,
      strategy,
      partials: nodes.map((n) => n.encode()).reverse(),
      failures: nodes.flatMap((n) => n.failures),
      clipNorm: undefined,
    });
    expect(out.accepted).toBe(9);
    expect(out.totalExamples).toBe(10 + 20 + 30 + 40 + 50 + 60 + 60 + 60 + 60); // clamped at 60
    expect(out.failures.map((f) => f.code)).toEqual(['NON_FINITE']);
    const results: FitResult[] = good.map(([clientId, values, n], i) => ({
      clientId,
      update: tensor(values),
      exampleCount: Math.min(n, 60),
      metrics: metricsOf(i),
    }));
    const single = await createStrategy({ name: 'fedadam' }).aggregateFit({
      round: 4,
      global,
      results,
      failures: [],
    });
    for (const key of ['loss', 'accuracy']) {
      expect(out.metrics[key]).toBeCloseTo(single.metrics[key] as number, 12); // example-weighted, as one node
    }
    const a = out.parameters.get('w')?.data as Float32Array;
    const b = single.parameters.get('w')?.data as Float32Array;
    a.forEach((x, i) =>
      expect(Math.abs(x - (b[i] as number))).toBeLessThanOrEqual(
        1e-6 * Math.max(1, Math.abs(b[i] as number)),
      ),
    );
  });

  it('the leader refuses a client in two partials, another round, and strategies without a mean', async () => {
    const [x, y] = [fold(), fold()];
    x.accept(completed('dup', [0, 0, 0, 1], 2));
    y.accept(completed('dup', [0, 0, 1, 0], 2));
    const base = { round: 4, global, failures: [], clipNorm: undefined };
    await expect(
      finishClusterRound({
        ...base,
        strategy: createStrategy({ name: 'fedavg' }),
        partials: [x.encode(), y.encode()],
      }),
    ).rejects.toMatchObject({ code: 'DUPLICATE_RESULT' });
    await expect(
      finishClusterRound({
        ...base,
        round: 5,
        strategy: createStrategy({ name: 'fedavg' }),
        partials: [x.encode()],
      }),
    ).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
    await expect(
      finishClusterRound({ ...base, strategy: createStrategy({ name: 'krum' }), partials: [x.encode()] }),
    ).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    await expect(
      finishClusterRound({ ...base, strategy: createStrategy({ name: 'fedavg' }), partials: [] }),
    ).rejects.toMatchObject({ code: 'QUORUM_NOT_MET' });
    // a DP run refuses a partial folded without its clipping (the noise assumes clipped updates)
    const dp = createStrategy({ name: 'fedavg', privacy: { clipNorm: 1, noiseMultiplier: 1, seed: 1 } });
    await expect(
      finishClusterRound({ ...base, clipNorm: 1, strategy: dp, partials: [x.encode()] }),
    ).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
    const clipped = new PartialFold({
      round: 4,
      global,
      maxExampleWeight: 60,
      declared: new Map(),
      decoder: createUpdateDecoder(),
      clipNorm: 1,
    });
    clipped.accept(completed('big', [30, 40, 0, 0], 2)); // norm 50, clipped to 1
    const out = await finishClusterRound({
      ...base,
      clipNorm: 1,
      strategy: dp,
      partials: [clipped.encode()],
    });
    expect(out.accepted).toBe(1);
    expect(out.metrics.dpNoiseStd).toBeCloseTo(1, 9); // sigma C / n = 1 x 1 / 1
  });
});
