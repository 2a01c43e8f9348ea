/**
 * One conformance suite for every {@link LocalTrainingEngine} (the Trainer engine, the
 * simulator's virtual engine, the policy and local-evaluation wrappers, and any third
 * party's): it announces its examples, a fit trains (parameters keep their layout, change,
 * lower the held-out loss, leave the global model untouched, repeat under a seed), evaluate
 * reports on held-out data, progress is reported, aborts and bad input are refused with
 * stable codes, and dispose resolves. Runner-agnostic: returns named async cases that throw
 * on failure.
 */
import { createDataset, type Dataset, type Tensor, type TensorMap } from '@edgefed/shared';
import type { EngineFitInput, LocalTrainingEngine } from '../participant/engine.js';
import {
  CLASSES,
  FEATURES,
  PROBLEM_SPEC,
  compileProblem,
  initialParameters,
  problemBatch,
} from './backend-problem.js';
import { check, expectCode, type ConformanceCase } from './check.js';

/** The data an engine under test must train and evaluate on. */
export interface EngineData {
  /** Training examples (the engine's `exampleCount` must be `train.size`). */
  readonly train: Dataset;
  /** Held-out examples for `evaluate` (its `exampleCount` must be `test.size`). */
  readonly test: Dataset;
}

/** Creates a fresh engine over `data` for one case. */
export type EngineFactory = (data: EngineData) => Promise<LocalTrainingEngine>;

/** Options of {@link engineConformance}. */
export interface EngineConformanceOptions {
  /** Whether the same seed must give bit-identical parameters (default true: CPU backends). */
  readonly deterministic?: boolean;
}

const SUITE = 'engine';
/** Examples in the training and in the held-out set. */
export const ENGINE_TRAIN_SIZE = 24;
export const ENGINE_TEST_SIZE = 24;
const HYPER = { batchSize: 4, learningRate: 0.5, epochs: 2 } as const;

function dataset(n: number, seed: number): Dataset {
  const b = problemBatch(n, seed);
  return createDataset({
    features: b.x,
    labels: Int32Array.from(b.labels),
    featureShape: [FEATURES],
    numClasses: CLASSES,
  });
}

/** The fixed data of the suite: a linear teacher's labels, seeded. */
export function engineConformanceData(): EngineData {
  return { train: dataset(ENGINE_TRAIN_SIZE, 71), test: dataset(ENGINE_TEST_SIZE, 72) };
}

function globalModel(): TensorMap {
  const p = initialParameters(compileProblem());
  const t = (data: Float64Array, shape: number[]): Tensor => ({
    dtype: 'float32',
    shape,
    data: Float32Array.from(data),
  });
  return new Map([
    ['dense0.weight', t(p.weight, [CLASSES, FEATURES])],
    ['dense0.bias', t(p.bias, [CLASSES])],
  ]);
}

function fitInput(global: TensorMap, extra: Partial<EngineFitInput> = {}): EngineFitInput {
  return {
    spec: PROBLEM_SPEC,
    global,
    hyperParameters: HYPER,
    seed: 9,
    signal: new AbortController().signal,
    ...extra,
  };
}

const evalInput = (global: TensorMap) => ({
  spec: PROBLEM_SPEC,
  global,
  batchSize: 8,
  signal: new AbortController().signal,
});

async function withEngine(
  factory: EngineFactory,
  work: (e: LocalTrainingEngine) => Promise<void>,
): Promise<void> {
  const engine = await factory(engineConformanceData());
  try {
    await work(engine);
  } finally {
    await engine.dispose();
  }
}

function sameValues(a: Tensor | undefined, b: Tensor | undefined): boolean {
  return (
    a !== undefined &&
    b !== undefined &&
    a.data.length === b.data.length &&
    Array.prototype.every.call(a.data, (v: number, i: number) => Object.is(v, b.data[i]))
  );
}

function checkLayout(got: TensorMap, global: TensorMap): void {
  check(
    SUITE,
    [...got.keys()].join() === [...global.keys()].join(),
    `parameter names ${[...got.keys()].join()}`,
  );
  for (const [name, g] of global) {
    const t = got.get(name);
    check(SUITE, t?.dtype === g.dtype, `${name}: dtype ${t?.dtype}`);
    check(SUITE, t.shape.join() === g.shape.join(), `${name}: shape [${t.shape.join()}]`);
    check(SUITE, Array.prototype.every.call(t.data, Number.isFinite), `${name}: non-finite values`);
  }
}

/** The conformance cases for engine `name`, each on a fresh engine from `factory`. */
export function engineConformance(
  name: string,
  factory: EngineFactory,
  options: EngineConformanceOptions = {},
): ConformanceCase[] {
  const cases: ConformanceCase[] = [
    {
      name: 'announces its training examples',
      run: () =>
        withEngine(factory, (e) => {
          check(SUITE, e.exampleCount === ENGINE_TRAIN_SIZE, `exampleCount ${e.exampleCount}`);
          check(SUITE, ['webgpu', 'wasm', 'node'].includes(e.backend), `backend ${e.backend}`);
          return Promise.resolve();
        }),
    },
    {
      name: 'a fit trains: same layout, new finite values, example count, loss and steps',
      run: () => withEngine(factory, (e) => fitTrains(e)),
    },
    {
      name: 'a fit lowers the loss on held-out data and leaves the global model untouched',
      run: () => withEngine(factory, (e) => fitLowersLoss(e)),
    },
    {
      name: 'progress is reported with finite, non-decreasing steps',
      run: () => withEngine(factory, (e) => reportsProgress(e)),
    },
    {
      name: 'evaluate reports loss, held-out example count and accuracy',
      run: () => withEngine(factory, (e) => evaluates(e)),
    },
    {
      name: 'an aborted fit or evaluate rejects with ABORTED',
      run: () => withEngine(factory, (e) => refusesAborted(e)),
    },
    {
      name: 'a bad spec, bad parameters and bad hyper-parameters are refused with stable codes',
      run: () => withEngine(factory, (e) => refusesBadInput(e)),
    },
    {
      name: 'dispose resolves, also twice',
      run: async () => {
        const engine = await factory(engineConformanceData());
        await engine.fit(fitInput(globalModel()));
        await engine.dispose();
        await engine.dispose();
      },
    },
  ];
  if (options.deterministic !== false) {
    cases.push({
      name: 'the same seed gives bit-identical parameters',
      run: () =>
        withEngine(factory, async (e) => {
          const global = globalModel();
          const a = await e.fit(fitInput(global));
          const b = await e.fit(fitInput(global));
          for (const [k, t] of a.parameters) check(SUITE, sameValues(t, b.parameters.get(k)), `${k} differs`);
        }),
    });
  }
  return cases.map((c) => ({ name: `${name}: ${c.name}`, run: c.run }));
}

async function fitTrains(e: LocalTrainingEngine): Promise<void> {
  const global = globalModel();
  const out = await e.fit(fitInput(global));
  checkLayout(out.parameters, global);
  const changed = [...global].some(([k, t]) => !sameValues(t, out.parameters.get(k)));
  check(SUITE, changed, 'a fit returned the global parameters unchanged');
  check(SUITE, out.exampleCount === ENGINE_TRAIN_SIZE, `fit exampleCount ${out.exampleCount}`);
  const { loss, steps } = out.metrics;
  check(SUITE, loss !== undefined && Number.isFinite(loss), `metrics.loss ${loss}`);
  check(SUITE, steps !== undefined && steps > 0, `metrics.steps ${steps}`);
}

async function fitLowersLoss(e: LocalTrainingEngine): Promise<void> {
  const global = globalModel();
  const copy = new Map([...global].map(([k, t]) => [k, Float32Array.from(t.data)]));
  const before = await e.evaluate(evalInput(global));
  const out = await e.fit(fitInput(global));
  const after = await e.evaluate(evalInput(out.parameters));
  check(SUITE, after.loss < before.loss, `held-out loss did not fall: ${before.loss} -> ${after.loss}`);
  for (const [k, data] of copy) {
    const t = global.get(k);
    check(
      SUITE,
      t !== undefined && sameValues({ ...t, dtype: 'float32', data }, t),
      `fit changed the global ${k}`,
    );
  }
}

async function reportsProgress(e: LocalTrainingEngine): Promise<void> {
  const steps: number[] = [];
  await e.fit(fitInput(globalModel(), { onProgress: (p) => steps.push(p.step) }));
  check(SUITE, steps.length > 0, 'no progress reported');
  check(
    SUITE,
    steps.every((s, i) => Number.isFinite(s) && s >= (steps[i - 1] ?? 0)),
    `steps ${steps.join()}`,
  );
}

async function evaluates(e: LocalTrainingEngine): Promise<void> {
  const r = await e.evaluate(evalInput(globalModel()));
  check(SUITE, Number.isFinite(r.loss) && r.loss > 0, `evaluate loss ${r.loss}`);
  check(SUITE, r.exampleCount === ENGINE_TEST_SIZE, `evaluate exampleCount ${r.exampleCount}`);
  const acc = r.metrics.accuracy;
  check(SUITE, acc !== undefined && acc >= 0 && acc <= 1, `evaluate accuracy ${acc}`);
}

async function refusesAborted(e: LocalTrainingEngine): Promise<void> {
  const aborted = AbortSignal.abort(new Error('stopped by the test'));
  await expectCode(SUITE, 'ABORTED', 'fit with an aborted signal', () =>
    e.fit(fitInput(globalModel(), { signal: aborted })),
  );
  await expectCode(SUITE, 'ABORTED', 'evaluate with an aborted signal', () =>
    e.evaluate({ ...evalInput(globalModel()), signal: aborted }),
  );
}

async function refusesBadInput(e: LocalTrainingEngine): Promise<void> {
  const global = globalModel();
  await expectCode(SUITE, 'INVALID_MODEL', 'fit with a spec that is not a model', () =>
    e.fit({ ...fitInput(global), spec: { layers: 'none' } }),
  );
  const bias = global.get('dense0.bias');
  check(SUITE, bias !== undefined, 'no bias in the global model');
  const wrongBias: Tensor = { dtype: 'float32', shape: [CLASSES + 1], data: new Float32Array(CLASSES + 1) };
  const wrong: TensorMap = new Map([...global, ['dense0.bias', wrongBias]]);
  await expectCode(SUITE, 'SHAPE_MISMATCH', 'fit with a bias of the wrong shape', () =>
    e.fit(fitInput(wrong)),
  );
  await expectCode(SUITE, 'INVALID_ARGUMENT', 'fit with a non-numeric learning rate', () =>
    e.fit(fitInput(global, { hyperParameters: { ...HYPER, learningRate: 'fast' } })),
  );
  // still usable after refusals
  const out = await e.fit(fitInput(global));
  checkLayout(out.parameters, global);
}
