/**
 * The `fit` loop: epochs of shuffled batches, K batches per run (a K-step graph for full
 * groups, the 1-step graph for the rest; K capped by graph size, see unroll-cap.ts), progress events, abort between runs, and the
 * parameters read back once when the loop ends (normally, on abort or on break).
 */
import {
  createPrng,
  EdgefedError,
  type CompileOptions,
  type ParameterInfo,
  type Prng,
} from '@edgefed/shared';
import type { DataSource } from '../data/data-source.js';
import type { BackendTensor, TrainingBackend } from './backend.js';
import { BatchSlot } from './batch-slot.js';
import { compileCached, sessionCached } from './graph-cache.js';
import { hyperParameterValues } from './hyper-parameters.js';
import { labelLayout } from './label-layout.js';
import { MetricsMeter } from './metrics-meter.js';
import { StepRunner, type FitState } from './step-runner.js';
import { cappedStepsPerRun } from './unroll-cap.js';
import type { FitOptions, FitProgress, TrainerCompileOptions } from './trainer-types.js';

/** What the loop needs from its trainer. */
export interface FitContext {
  readonly backend: TrainingBackend;
  readonly spec: unknown;
  readonly compileOptions: TrainerCompileOptions;
  readonly parameters: readonly ParameterInfo[];
  /** Current parameter values (read at start). */
  readonly values: ReadonlyMap<string, Float32Array>;
  /** Called once with the final parameters when the loop ends. */
  readonly commit: (values: Map<string, Float32Array>) => void;
  readonly logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
  readonly readbackEvery: number;
}

interface Loop {
  readonly ctx: FitContext;
  readonly o: FitOptions;
  readonly state: FitState;
  readonly runK: StepRunner;
  readonly run1: StepRunner;
  readonly slots: BatchSlot[];
  readonly rng: Prng;
  readonly meter: MetricsMeter;
  readonly hyper: Map<string, Float32Array>;
  steps: number;
  runs: number;
}

function checkInt(name: string, v: number | undefined, min: number): void {
  if (v !== undefined && (!Number.isSafeInteger(v) || v < min))
    throw new EdgefedError('INVALID_ARGUMENT', `${name} must be an integer >= ${min}, got ${v}`);
}

async function runner(
  ctx: FitContext,
  options: CompileOptions,
): Promise<{ r: StepRunner; manifest: CompiledManifest }> {
  const model = compileCached(ctx.spec, options);
  const manifest = model.trainStep.manifest;
  const session = await sessionCached(ctx.backend, {
    spec: ctx.spec,
    compileOptions: options,
    graph: 'trainStep',
    deviceOutputs: manifest.outputs.map((e) => e.name),
    ...(ctx.logSeverityLevel === undefined ? {} : { logSeverityLevel: ctx.logSeverityLevel }),
  });
  return { r: new StepRunner(session, manifest), manifest };
}

type CompiledManifest = ReturnType<typeof compileCached>['trainStep']['manifest'];

function initialState(
  ctx: FitContext,
  manifest: CompiledManifest,
  o: FitOptions,
  hyper: Map<string, Float32Array>,
): FitState {
  const feeds: Record<string, BackendTensor> = {};
  for (const e of manifest.inputs) {
    const dims = e.shape.map(Number);
    if (e.role === 'parameter' || e.role === 'anchor') {
      const name = e.parameter ?? e.name;
      const src =
        e.role === 'anchor' && o.anchor !== undefined ? anchorValue(o, name, dims) : ctx.values.get(name);
      if (src === undefined) throw new EdgefedError('NAME_MISMATCH', `No value for ${e.name}`);
      feeds[e.name] = ctx.backend.tensor(src, dims);
    } else if (e.role === 'optimizer-state') {
      feeds[e.name] = ctx.backend.tensor(new Float32Array(dims.reduce((a, b) => a * b, 1)), dims);
    }
  }
  for (const [name, v] of hyperParameterValues(manifest, o)) {
    const buf = new Float32Array([v]);
    hyper.set(name, buf);
    feeds[name] = ctx.backend.tensor(buf, []);
  }
  return { feeds };
}

function anchorValue(o: FitOptions, name: string, dims: number[]): Float32Array {
  const t = o.anchor?.get(name);
  const n = dims.reduce((a, b) => a * b, 1);
  if (t?.dtype !== 'float32' || t.data.length !== n)
    throw new EdgefedError(
      'SHAPE_MISMATCH',
      `anchor ${name} must be a float32 tensor of [${dims.join(', ')}]`,
    );
  return t.data;
}

async function setup(ctx: FitContext, data: DataSource, o: FitOptions): Promise<Loop> {
  checkInt('batchSize', o.batchSize, 1);
  checkInt('epochs', o.epochs, 0);
  checkInt('maxSteps', o.maxSteps, 0);
  checkInt('seed', o.seed, Number.MIN_SAFE_INTEGER);
  if (o.proximalMu !== undefined && ctx.compileOptions.fedProx !== true)
    throw new EdgefedError('INVALID_ARGUMENT', 'proximalMu needs compileOptions.fedProx = true');
  const base: CompileOptions = { ...ctx.compileOptions, batchSize: o.batchSize };
  const requested = ctx.compileOptions.stepsPerRun ?? 1;
  // Large one-step graphs (unrolled recurrences) are not unrolled further: see unroll-cap.ts.
  const K =
    requested === 1
      ? 1
      : cappedStepsPerRun(
          requested,
          compileCached(ctx.spec, { ...base, stepsPerRun: 1 }).trainStep.onnx.byteLength,
        );
  const kOptions: CompileOptions = K === requested ? base : { ...base, stepsPerRun: K };
  const k = await runner(ctx, kOptions);
  const one = K === 1 ? k : await runner(ctx, { ...base, stepsPerRun: 1 });
  labelLayout(compileCached(ctx.spec, kOptions), data);
  const hyper = new Map<string, Float32Array>();
  const state = initialState(ctx, k.manifest, o, hyper);
  const stepEntries = (step: number) => k.manifest.inputs.filter((e) => (e.step ?? 0) === step);
  const slots = Array.from(
    { length: K },
    (_, i) => new BatchSlot(ctx.backend, stepEntries(i), data.numClasses),
  );
  return {
    ctx,
    o,
    state,
    runK: k.r,
    run1: one.r,
    slots,
    rng: createPrng(o.seed ?? 0),
    meter: new MetricsMeter(),
    hyper,
    steps: 0,
    runs: 0,
  };
}

async function readScalar(t: BackendTensor | undefined): Promise<number | undefined> {
  if (t === undefined) return undefined;
  const v = await t.read();
  t.dispose();
  return v[0];
}

/** Runs the filled slots; returns a step event when the metrics were read back. */
async function runGroup(loop: Loop, filled: number, epoch: number): Promise<FitProgress | undefined> {
  const K = loop.slots.length;
  let event: FitProgress | undefined;
  const groups =
    filled === K
      ? [{ r: loop.runK, s: loop.slots }]
      : loop.slots.slice(0, filled).map((s) => ({ r: loop.run1, s: [s] }));
  for (const g of groups) {
    const step = loop.hyper.get('step');
    if (step !== undefined) step[0] = loop.steps + 1;
    const m = await g.r.run(loop.state, g.s);
    loop.steps += g.s.length;
    loop.runs++;
    if (m.loss.onDevice && loop.runs % loop.ctx.readbackEvery !== 0) {
      m.loss.dispose();
      m.count.dispose();
      m.correct?.dispose();
      continue;
    }
    const [loss, count, correct] = await Promise.all([
      readScalar(m.loss),
      readScalar(m.count),
      readScalar(m.correct),
    ]);
    event = loop.meter.stepEvent({ loss: loss ?? Number.NaN, count: count ?? 0, correct }, loop.steps, epoch);
  }
  return event;
}

function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) {
    throw new EdgefedError('ABORTED', 'Training was aborted', { cause: signal.reason });
  }
}

async function* epochs(
  loop: Loop,
  data: DataSource,
  signal: AbortSignal | undefined,
): AsyncGenerator<FitProgress> {
  const { o } = loop;
  const maxSteps = o.maxSteps ?? Number.POSITIVE_INFINITY;
  const K = loop.slots.length;
  for (let epoch = 0; epoch < (o.epochs ?? 1) && loop.steps < maxSteps; epoch++) {
    let filled = 0;
    const batches = data.batches({
      batchSize: o.batchSize,
      shuffle: o.shuffle ?? true,
      seed: (o.seed ?? 0) + epoch,
    });
    for await (const batch of batches) {
      checkAbort(signal);
      loop.slots[filled]?.fill(batch, loop.rng);
      loop.meter.addExamples(batch.size);
      filled++;
      if (filled < K && loop.steps + filled < maxSteps) continue;
      const event = await runGroup(loop, filled, epoch);
      filled = 0;
      if (event !== undefined) yield event;
      if (loop.steps >= maxSteps) break;
    }
    checkAbort(signal);
    if (filled > 0) {
      const event = await runGroup(loop, filled, epoch);
      if (event !== undefined) yield event;
    }
    await commitValues(loop);
    yield loop.meter.epochEvent(loop.steps, epoch);
  }
}

/** Reads the current parameters back to the host and commits them (tensors stay live). */
async function commitValues(loop: Loop): Promise<void> {
  const values = new Map<string, Float32Array>();
  for (const p of loop.ctx.parameters) {
    const t = loop.state.feeds[p.name];
    if (t === undefined) throw new EdgefedError('INTERNAL', `Lost parameter ${p.name}`);
    values.set(p.name, await t.read());
  }
  loop.ctx.commit(values);
}

async function finish(loop: Loop): Promise<void> {
  await commitValues(loop);
  for (const t of Object.values(loop.state.feeds)) t.dispose();
}

/**
 * The fit generator; see `Trainer.fit`. Parameters are committed to the host at the end
 * of every epoch (before its event, so `evaluate` may run while the loop is suspended
 * there) and when the loop ends for any reason after setup.
 */
export async function* fitLoop(
  ctx: FitContext,
  data: DataSource,
  o: FitOptions,
  signal: AbortSignal | undefined,
): AsyncGenerator<FitProgress> {
  checkAbort(signal);
  const loop = await setup(ctx, data, o);
  try {
    yield* epochs(loop, data, signal);
  } finally {
    await finish(loop);
  }
}
