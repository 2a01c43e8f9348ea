/**
 * One conformance suite for every {@link TrainingBackend} (onnxruntime-node, onnxruntime-web
 * wasm and WebGPU, and any third party's): load a compiled training graph, train a fixed
 * softmax-regression problem and match a float64 reference step by step, evaluate, round-
 * trip weights, refuse bad input with stable codes, and refuse released sessions and
 * disposed tensors. Runner-agnostic, like the strategy and channel suites: returns named
 * async cases that throw on failure, so the same cases run under Vitest in Node and inside
 * a browser page (WebGPU).
 */
import type { CompiledModel, EmittedGraph } from '@edgefed/shared';
import type { BackendSession, BackendTensor, TrainingBackend } from '../runtime/backend.js';
import { check, expectCode, maxRelativeError, type ConformanceCase } from './check.js';
import {
  BATCH,
  CLASSES,
  FEATURES,
  compileProblem,
  initialParameters,
  problemBatch,
  referenceEvaluate,
  referenceStep,
  type ProblemBatch,
  type ProblemParameters,
} from './backend-problem.js';

/** Creates a fresh backend for one case. */
export type BackendFactory = () => Promise<TrainingBackend>;

/** Options of {@link backendConformance}. */
export interface BackendConformanceOptions {
  /**
   * Largest relative error against the float64 reference (default 1e-4: float32 graphs on
   * any runtime, including GPU kernels that reorder sums).
   */
  readonly tolerance?: number;
}

const SUITE = 'backend';
const LR = 0.5;
const STEPS = 8;
const W = 'dense0.weight';
const B = 'dense0.bias';

interface Ctx {
  readonly model: CompiledModel;
  readonly init: ProblemParameters;
  readonly tolerance: number;
  readonly factory: BackendFactory;
}

/** The conformance cases for backend `name`, each on a fresh backend from `factory`. */
export function backendConformance(
  name: string,
  factory: BackendFactory,
  options: BackendConformanceOptions = {},
): ConformanceCase[] {
  let model: CompiledModel | undefined;
  const ctx = (): Ctx => {
    model ??= compileProblem();
    return { model, init: initialParameters(model), tolerance: options.tolerance ?? 1e-4, factory };
  };
  const cases: { name: string; run: (c: Ctx) => Promise<void> }[] = [
    { name: 'creates a session whose inputs and outputs are the manifest’s', run: sessionNames },
    { name: 'one training step lowers the loss of the fixed problem', run: lowersLoss },
    { name: `${STEPS} steps match a float64 reference (loss and weights)`, run: matchesReference },
    { name: 'outputs fed back as inputs unread (device-resident) train like the reference', run: feedsBack },
    { name: 'the evaluation graph matches the reference, padding rows masked', run: evaluates },
    { name: 'weights round-trip unchanged through a step with learning rate 0', run: roundTrip },
    { name: 'bad input is refused with stable codes', run: refusesBadInput },
    {
      name: 'a released session and a disposed tensor refuse with FAILED_PRECONDITION',
      run: refusesDisposed,
    },
  ];
  return cases.map((c) => ({ name: `${name}: ${c.name}`, run: () => c.run(ctx()) }));
}

function paramFeeds(backend: TrainingBackend, p: ProblemParameters): Record<string, BackendTensor> {
  return {
    [W]: backend.tensor(Float32Array.from(p.weight), [CLASSES, FEATURES]),
    [B]: backend.tensor(Float32Array.from(p.bias), [CLASSES]),
  };
}

function batchFeeds(
  backend: TrainingBackend,
  batch: ProblemBatch,
  lr: number,
): Record<string, BackendTensor> {
  return {
    lr: backend.tensor(Float32Array.of(lr), []),
    x: backend.tensor(batch.x, [BATCH, FEATURES]),
    y: backend.tensor(batch.y, [BATCH, CLASSES]),
    mask: backend.tensor(new Float32Array(BATCH).fill(1), [BATCH]),
  };
}

async function readOut(out: Record<string, BackendTensor>, name: string): Promise<Float32Array> {
  const t = out[name];
  check(SUITE, t !== undefined, `run() returned no output ${name}`);
  return t.read();
}

/**
 * Runs `work` on a session of `graph` with every output device-resident, as the Trainer
 * loads its graphs (CPU backends ignore this; WebGPU keeps them in GPU buffers until read).
 */
async function withSession<T>(
  c: Ctx,
  graph: EmittedGraph,
  work: (backend: TrainingBackend, session: BackendSession) => Promise<T>,
): Promise<T> {
  const backend = await c.factory();
  const deviceOutputs = graph.manifest.outputs.map((e) => e.name);
  const session = await backend.createSession(graph.onnx, { deviceOutputs });
  try {
    return await work(backend, session);
  } finally {
    await session.release();
  }
}

function checkClose(c: Ctx, got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  const err = maxRelativeError(got, want);
  check(SUITE, err <= c.tolerance, `${what}: relative error ${err} > ${c.tolerance}`);
}

async function sessionNames(c: Ctx): Promise<void> {
  await withSession(c, c.model.trainStep, (_, s) => {
    const inputs = c.model.trainStep.manifest.inputs.map((e) => e.name);
    const outputs = c.model.trainStep.manifest.outputs.map((e) => e.name);
    check(
      SUITE,
      [...s.inputNames].sort().join() === [...inputs].sort().join(),
      `inputNames ${s.inputNames.join()}`,
    );
    check(
      SUITE,
      outputs.every((o) => s.outputNames.includes(o)),
      `outputNames ${s.outputNames.join()}`,
    );
    return Promise.resolve();
  });
}

async function lowersLoss(c: Ctx): Promise<void> {
  const batch = problemBatch(BATCH, 21);
  await withSession(c, c.model.trainStep, async (backend, s) => {
    const first = await s.run({ ...paramFeeds(backend, c.init), ...batchFeeds(backend, batch, LR) });
    const [before] = await readOut(first, 'loss');
    const w = first[`${W}.new`];
    const b = first[`${B}.new`];
    check(SUITE, w !== undefined && b !== undefined, 'run() returned no new parameters');
    const second = await s.run({ [W]: w, [B]: b, ...batchFeeds(backend, batch, LR) });
    const [after] = await readOut(second, 'loss');
    check(SUITE, before !== undefined && Number.isFinite(before), `first loss ${before}`);
    check(SUITE, after !== undefined && after < before, `loss did not fall: ${before} -> ${after}`);
  });
}

async function matchesReference(c: Ctx): Promise<void> {
  await withSession(c, c.model.trainStep, async (backend, s) => {
    let want = c.init;
    let got = c.init;
    for (let step = 0; step < STEPS; step++) {
      const batch = problemBatch(BATCH, 100 + step);
      const ref = referenceStep(want, batch, LR);
      const out = await s.run({ ...paramFeeds(backend, got), ...batchFeeds(backend, batch, LR) });
      checkClose(c, await readOut(out, 'loss'), [ref.loss], `loss of step ${step}`);
      got = {
        weight: Float64Array.from(await readOut(out, `${W}.new`)),
        bias: Float64Array.from(await readOut(out, `${B}.new`)),
      };
      want = ref.next;
    }
    checkClose(c, got.weight, want.weight, `weight after ${STEPS} steps`);
    checkClose(c, got.bias, want.bias, `bias after ${STEPS} steps`);
  });
}

async function feedsBack(c: Ctx): Promise<void> {
  await withSession(c, c.model.trainStep, async (backend, s) => {
    let want = c.init;
    let params = paramFeeds(backend, c.init);
    for (let step = 0; step < STEPS; step++) {
      const batch = problemBatch(BATCH, 200 + step);
      want = referenceStep(want, batch, LR).next;
      const out = await s.run({ ...params, ...batchFeeds(backend, batch, LR) });
      for (const t of Object.values(params)) t.dispose();
      const w = out[`${W}.new`];
      const b = out[`${B}.new`];
      check(SUITE, w !== undefined && b !== undefined, 'run() returned no new parameters');
      check(SUITE, w.dims.join() === `${CLASSES},${FEATURES}`, `new weight dims [${w.dims.join()}]`);
      params = { [W]: w, [B]: b };
      out.loss?.dispose();
    }
    checkClose(c, await readOut(params, W), want.weight, 'weight fed back on the device');
    checkClose(c, await readOut(params, B), want.bias, 'bias fed back on the device');
    for (const t of Object.values(params)) t.dispose();
  });
}

async function evaluates(c: Ctx): Promise<void> {
  const n = 6;
  const batch = problemBatch(n, 31);
  const mask = Float32Array.of(1, 1, 1, 0, 1, 1);
  const want = referenceEvaluate(c.init, batch, mask);
  await withSession(c, c.model.evaluation, async (backend, s) => {
    const out = await s.run({
      ...paramFeeds(backend, c.init),
      x: backend.tensor(batch.x, [n, FEATURES]),
      y: backend.tensor(batch.y, [n, CLASSES]),
      mask: backend.tensor(mask, [n]),
    });
    checkClose(c, await readOut(out, 'loss_sum'), [want.lossSum], 'loss_sum');
    const [correct] = await readOut(out, 'correct');
    const [count] = await readOut(out, 'count');
    check(SUITE, correct === want.correct, `correct ${correct}, want ${want.correct}`);
    check(SUITE, count === want.count, `count ${count}, want ${want.count} (the masked row must not count)`);
  });
}

async function roundTrip(c: Ctx): Promise<void> {
  const weight = Float32Array.from(c.init.weight);
  const bias = Float32Array.from(c.init.bias);
  await withSession(c, c.model.trainStep, async (backend, s) => {
    const t = backend.tensor(weight, [CLASSES, FEATURES]);
    check(SUITE, t.dims.join() === `${CLASSES},${FEATURES}`, `tensor dims [${t.dims.join()}]`);
    check(
      SUITE,
      (await t.read()).every((v, i) => v === weight[i]),
      'tensor() then read() changed values',
    );
    const out = await s.run({
      [W]: t,
      [B]: backend.tensor(bias, [CLASSES]),
      ...batchFeeds(backend, problemBatch(BATCH, 41), 0),
    });
    const w = await readOut(out, `${W}.new`);
    const b = await readOut(out, `${B}.new`);
    check(
      SUITE,
      w.length === weight.length && w.every((v, i) => Object.is(v, weight[i])),
      'weight changed at lr 0',
    );
    check(
      SUITE,
      b.length === bias.length && b.every((v, i) => Object.is(v, bias[i])),
      'bias changed at lr 0',
    );
  });
}

async function refusesBadInput(c: Ctx): Promise<void> {
  const backend = await c.factory();
  await expectCode(SUITE, 'SHAPE_MISMATCH', 'tensor() with too few values', () =>
    backend.tensor(new Float32Array(5), [2, 3]),
  );
  await expectCode(SUITE, 'INVALID_MODEL', 'createSession() with bytes that are not ONNX', () =>
    backend.createSession(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8)),
  );
  await withSession(c, c.model.trainStep, async (b, s) => {
    const batch = problemBatch(BATCH, 51);
    const feeds = { ...paramFeeds(b, c.init), ...batchFeeds(b, batch, LR) };
    const { mask: _mask, ...noMask } = feeds;
    await expectCode(SUITE, 'INVALID_ARGUMENT', 'run() without the mask feed', () => s.run(noMask));
    const wrongShape = {
      ...feeds,
      x: b.tensor(new Float32Array(BATCH * (FEATURES + 1)), [BATCH, FEATURES + 1]),
    };
    await expectCode(SUITE, 'TRAINING_FAILED', 'run() with x of the wrong shape', () => s.run(wrongShape));
    // the session still works after refusing
    const out = await s.run(feeds);
    check(SUITE, Number.isFinite((await readOut(out, 'loss'))[0] ?? Number.NaN), 'run after a refusal');
  });
}

async function refusesDisposed(c: Ctx): Promise<void> {
  const backend = await c.factory();
  // default options: outputs on the CPU
  const session = await backend.createSession(c.model.trainStep.onnx);
  const feeds = { ...paramFeeds(backend, c.init), ...batchFeeds(backend, problemBatch(BATCH, 61), LR) };
  const out = await session.run(feeds);
  const loss = out.loss;
  check(SUITE, loss !== undefined, 'run() returned no loss');
  loss.dispose();
  loss.dispose();
  await expectCode(SUITE, 'FAILED_PRECONDITION', 'read() of a disposed tensor', () => loss.read());
  await session.release();
  await session.release();
  await expectCode(SUITE, 'FAILED_PRECONDITION', 'run() on a released session', () => session.run(feeds));
}
