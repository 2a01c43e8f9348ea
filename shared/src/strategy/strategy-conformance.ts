/**
 * One conformance suite for every Strategy (after Hono's shared router cases): each built-in
 * strategy, and any custom or wrapping strategy, must pass the same cases. Runner-agnostic:
 * returns named async cases that throw on failure; register them with your test runner.
 */
import type { TensorMap } from '../tensor/tensor.js';
import {
  asAsync,
  check,
  checkClose,
  expectCode,
  fit,
  identical,
  modelOf,
  randomModel,
  reusingStream,
  rngOf,
  withTensor,
  withValue,
} from './conformance-fixtures.js';
import { selectionCases } from './selection-conformance.js';
import type { FitResult, Strategy } from './types.js';

/** One named conformance check. */
export interface ConformanceCase {
  readonly name: string;
  readonly run: () => Promise<void>;
}

/**
 * Builds a fresh strategy (empty server state) from config overrides: common parameters
 * (`fractionFit`, `minFitClients`, `minAvailableClients`, `minFitResults`, `overSelection`, ...)
 * and, for buffered strategies, `maxBufferedUpdates`.
 */
export type StrategyFactory = (overrides?: Readonly<Record<string, unknown>>) => Strategy;

const round = (s: Strategy, global: TensorMap, results: Iterable<FitResult> | AsyncIterable<FitResult>) =>
  s.aggregateFit({ round: 1, global, results, failures: [] });

/** The conformance cases for strategy `name`, each run against fresh strategies from `factory`. */
export function strategyConformance(name: string, factory: StrategyFactory): ConformanceCase[] {
  const cases = [...fitCases(factory), ...robustnessCases(factory), ...selectionCases(factory)];
  return cases.map((c) => ({ name: `${name}: ${c.name}`, run: c.run }));
}

function fitCases(factory: StrategyFactory): ConformanceCase[] {
  const rng = rngOf(1);
  const global = randomModel(rng);
  const update = randomModel(rng, 0.1);
  return [
    {
      name: 'identical updates aggregate to the effect of that one update',
      run: async () => {
        const one = await round(factory(), global, [fit('a', update, 5)]);
        const many = await round(
          factory(),
          global,
          ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((id, i) => fit(id, update, 1 + 7 * i)),
        );
        checkClose(many.parameters, one.parameters, 1e-6, 'identical updates');
        check(!identical(one.parameters, global), 'a non-zero update changed nothing');
        check(many.accepted === 7 && many.totalExamples === 154, 'accepted/totalExamples wrong');
        check(many.metrics.numResults === 7 && many.metrics.loss === 1, 'metrics wrong');
      },
    },
    {
      name: 'zero results throws QUORUM_NOT_MET with the failures and leaves state unchanged',
      run: async () => {
        const s = factory();
        await round(s, global, [fit('a', update)]);
        const before = s.getState();
        const failures = [{ clientId: 'x', code: 'DEADLINE_EXCEEDED' as const, message: 'late' }];
        const details = await expectCode(
          () => s.aggregateFit({ round: 2, global, results: [], failures }),
          'QUORUM_NOT_MET',
        );
        check(JSON.stringify(details.failures) === JSON.stringify(failures), 'failures not in details');
        const nan = withValue(update, 'out.weight', 5, Number.NaN);
        await expectCode(() => round(s, global, [fit('a', nan)]), 'QUORUM_NOT_MET');
        const after = s.getState();
        check(identical(after.tensors, before.tensors), 'a failed round changed the state');
      },
    },
    {
      name: 'fewer accepted results than minFitResults throws QUORUM_NOT_MET',
      run: async () => {
        const s = factory({ minFitResults: 3, minFitClients: 3 });
        await expectCode(() => round(s, global, [fit('a', update), fit('b', update)]), 'QUORUM_NOT_MET');
        const ok = await round(s, global, [fit('a', update), fit('b', update), fit('c', update)]);
        check(ok.accepted === 3, 'three results not accepted');
      },
    },
    {
      name: 'failures pass through; bad results are rejected as failures without touching the model',
      run: async () => {
        const clean = await round(factory(), global, [fit('good', update, 4), fit('good2', update, 6)]);
        const failures = [{ clientId: 'f1', code: 'DEADLINE_EXCEEDED' as const, message: 'late' }];
        const bad = [
          fit('good', update, 4),
          fit('nan', withValue(update, 'out.weight', 5, Number.NaN)),
          fit('inf', withValue(update, 'dense.bias', 0, Number.POSITIVE_INFINITY), 1000),
          fit(
            'shape',
            withTensor(update, 'dense.bias', (t) => ({ ...t, shape: [1, 3] })),
          ),
          fit('names', new Map([...update].map(([n, t]) => [n === 'dense.bias' ? 'bias' : n, t]))),
          fit('zero', update, 0),
          fit('frac', update, 2.5),
          { ...fit('metric', update), metrics: { loss: Number.NaN } },
          fit('good', update, 4),
          fit('good2', update, 6),
        ];
        const out = await factory().aggregateFit({ round: 1, global, results: bad, failures });
        const codes = out.failures.map((f) => `${f.clientId}:${f.code}`).join(' ');
        const want =
          'f1:DEADLINE_EXCEEDED nan:NON_FINITE inf:NON_FINITE shape:SHAPE_MISMATCH names:NAME_MISMATCH ' +
          'zero:INVALID_ARGUMENT frac:INVALID_ARGUMENT metric:NON_FINITE good:DUPLICATE_RESULT';
        check(codes === want, `failures were "${codes}"`);
        check(out.accepted === 2 && out.metrics.numFailures === 9, 'counts wrong');
        check(identical(out.parameters, clean.parameters), 'rejected results changed the model');
      },
    },
  ];
}

function robustnessCases(factory: StrategyFactory): ConformanceCase[] {
  const rng = rngOf(2);
  const global = randomModel(rng);
  const updates = Array.from({ length: 6 }, () => randomModel(rng, 0.05));
  const results = (offset: number) => updates.map((u, i) => fit(`c${offset + i}`, u, 3 + i));
  return [
    {
      name: 'state round-trip gives an identical next aggregation',
      run: async () => {
        const a = factory();
        const r1 = await round(a, global, results(0));
        const b = factory();
        b.restore(a.getState());
        const next = r1.parameters;
        const ra = await a.aggregateFit({ round: 2, global: next, results: results(10), failures: [] });
        const rb = await b.aggregateFit({ round: 2, global: next, results: results(10), failures: [] });
        check(identical(ra.parameters, rb.parameters), 'restored strategy aggregated differently');
        check(identical(a.getState().tensors, b.getState().tensors), 'restored strategy state diverged');
        const fresh = await factory().aggregateFit({
          round: 2,
          global: next,
          results: results(10),
          failures: [],
        });
        if (a.getState().tensors.size > 0)
          check(!identical(fresh.parameters, ra.parameters), 'state had no effect');
        await expectCode(() => {
          b.restore({ ...a.getState(), strategy: 'not-this-one' });
        }, 'FAILED_PRECONDITION');
      },
    },
    {
      name: 'a global model that is not float32 or not finite is refused',
      run: async () => {
        await expectCode(
          () => round(factory(), withValue(global, 'dense.bias', 1, Number.NaN), results(0)),
          'NON_FINITE',
        );
        const half = withTensor(global, 'dense.bias', () => ({
          dtype: 'float16',
          shape: [3],
          data: new Uint16Array(3),
        }));
        await expectCode(() => round(factory(), half, results(0)), 'DTYPE_MISMATCH');
      },
    },
    {
      name: 'streams 1,000 updates that reuse one buffer, pulled one at a time (sync and async)',
      run: async () => {
        const make = (i: number) =>
          fit(
            `c${i}`,
            modelOf((j) => Math.sin(i * 31 + j) * 0.01),
            1 + (i % 17),
          );
        const expected = await round(
          factory(),
          global,
          Array.from({ length: 1000 }, (_, i) => make(i)),
        );
        const pulls = { count: 0 };
        const got = await round(factory(), global, reusingStream({ count: 1000, make, pulls }));
        check(pulls.count === 1000, `pulled ${pulls.count} results`);
        check(
          identical(got.parameters, expected.parameters),
          'an update was used after the next one was pulled',
        );
        const gotAsync = await round(factory(), global, asAsync(reusingStream({ count: 1000, make, pulls })));
        check(identical(gotAsync.parameters, expected.parameters), 'async stream aggregated differently');
      },
    },
    {
      name: 'buffered strategies refuse more than maxBufferedUpdates; streaming ones have no limit',
      run: async () => {
        const st = factory({ maxBufferedUpdates: 3 });
        if (st.memory.kind === 'buffered') {
          check(st.memory.maxUpdates === 3, 'maxBufferedUpdates not applied');
          await expectCode(() => round(st, global, results(0)), 'FAILED_PRECONDITION');
          return;
        }
        const out = await round(factory(), global, results(0));
        check(out.accepted === 6, 'streaming strategy did not take all results');
      },
    },
    {
      name: 'aggregateEvaluate weights loss and metrics by examples and rejects bad results',
      run: async () => {
        const failures = [{ clientId: 'gone', code: 'UNAVAILABLE' as const, message: 'left' }];
        const out = await factory().aggregateEvaluate({
          round: 1,
          failures,
          results: [
            { clientId: 'a', exampleCount: 1, loss: 4, metrics: { accuracy: 0.2 } },
            { clientId: 'b', exampleCount: 3, loss: 0, metrics: { accuracy: 0.6 } },
            { clientId: 'c', exampleCount: 5, loss: Number.NaN },
            { clientId: 'd', exampleCount: 0, loss: 1 },
          ],
        });
        check(out.loss === 1 && Math.abs((out.metrics.accuracy ?? 0) - 0.5) < 1e-12, 'weighted means wrong');
        check(out.accepted === 2 && out.totalExamples === 4, 'counts wrong');
        check(
          out.failures.map((f) => f.code).join() === 'UNAVAILABLE,NON_FINITE,INVALID_ARGUMENT',
          'failures wrong',
        );
        await expectCode(
          () => factory().aggregateEvaluate({ round: 1, results: [], failures }),
          'QUORUM_NOT_MET',
        );
      },
    },
  ];
}
