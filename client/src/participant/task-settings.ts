/**
 * Task settings: how a fit task's hyper-parameters (from the coordinator's run config and
 * the strategy) become the Trainer's fit options and compile options. One place, used by
 * every LocalTrainingEngine (the default Trainer engine and the simulator's virtual ones),
 * so a browser, a Node app and a virtual client train a task identically.
 */
import { EdgefedError, type CompileOptions, type ScalarRecord } from '@edgefed/shared';
import type { FitOptions, TrainerCompileOptions } from '../runtime/trainer-types.js';

function num(h: ScalarRecord, key: string, fallback: number): number {
  const v = h[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new EdgefedError('INVALID_ARGUMENT', `Hyper-parameter ${key} must be a finite number`);
  }
  return v;
}

/**
 * Steps per graph run a Trainer engine uses when none is configured: 8 on onnxruntime-node
 * for batches of at most 32 examples, else 1. Small batches are dominated by the per-run
 * cost (feeding parameters in, reading them out); unrolling 8 steps measured, same run,
 * 2nn 2.1x / 1.6x and cnn 2.1x / 1.1x faster at B=10 / 32 (docs/performance-notes.md).
 * The browser backends keep 1 (not measured there; the unrolled graph is 8x larger).
 * A fit whose step count is not a multiple of 8 runs its remainder with a K=1 graph.
 */
export function defaultStepsPerRun(backend: string, batchSize: number): number {
  return backend === 'node' && batchSize <= 32 ? 8 : 1;
}

/**
 * The Trainer's fit options and compile options for a task's hyper-parameters (`stepsPerRun`
 * unrolls optimizer steps per graph run, default 1). Throws `INVALID_ARGUMENT` for a
 * non-numeric hyper-parameter or an unknown optimizer.
 */
export function fitSettings(h: ScalarRecord, seed: number, stepsPerRun = 1) {
  const optimizer = typeof h.optimizer === 'string' ? h.optimizer : 'sgd';
  const momentum = num(h, 'momentum', 0);
  const weightDecay = num(h, 'weightDecay', 0);
  const proximalMu = num(h, 'proximalMu', 0);
  const maxSteps = num(h, 'maxSteps', 0);
  const options: FitOptions = {
    epochs: num(h, 'epochs', 1),
    batchSize: num(h, 'batchSize', 32),
    learningRate: num(h, 'learningRate', 0.05),
    seed,
    ...(momentum > 0 ? { momentum } : {}),
    ...(weightDecay > 0 ? { weightDecay } : {}),
    ...(maxSteps > 0 ? { maxSteps } : {}),
    ...(proximalMu > 0 ? { proximalMu } : {}),
  };
  return {
    options,
    compile: compileOptionsFor({ optimizer, momentum, weightDecay, proximalMu, stepsPerRun }),
  };
}

/**
 * Compile options a fit task needs, derived from its hyper-parameters. `stepsPerRun` > 1
 * unrolls that many optimizer steps into one graph run (the parameters cross the JS/ORT
 * boundary once per run instead of once per step: 2nn at B=10 trains ~2x faster with 8);
 * the same updates are computed either way. Throws `INVALID_ARGUMENT` for an unknown
 * optimizer or a `stepsPerRun` that is not a positive integer.
 */
export function compileOptionsFor(h: {
  readonly optimizer: string;
  readonly momentum: number;
  readonly weightDecay: number;
  readonly proximalMu: number;
  readonly stepsPerRun?: number;
}): TrainerCompileOptions {
  const k = h.stepsPerRun ?? 1;
  if (!Number.isInteger(k) || k < 1)
    throw new EdgefedError('INVALID_ARGUMENT', `stepsPerRun must be a positive integer, got ${k}`);
  let optimizer: CompileOptions['optimizer'];
  if (h.optimizer === 'sgd') {
    optimizer = { type: 'sgd', momentum: h.momentum > 0, weightDecay: h.weightDecay > 0 };
  } else if (h.optimizer === 'adam') {
    optimizer = { type: 'adam', weightDecay: h.weightDecay > 0 };
  } else if (h.optimizer === 'adamw') {
    optimizer = { type: 'adamw' };
  } else {
    throw new EdgefedError('INVALID_ARGUMENT', `Unknown optimizer "${h.optimizer}"`);
  }
  return {
    loss: 'softmax-cross-entropy',
    optimizer,
    ...(h.proximalMu > 0 ? { fedProx: true } : {}),
    ...(k > 1 ? { stepsPerRun: k } : {}),
  };
}

/**
 * Whether a fit task asks for `initialLoss`, the global model's mean loss on the client's
 * training data before local training (q-FedAvg's F_k): hyper-parameter
 * `reportInitialLoss: true`. It costs one evaluation pass over the training data.
 */
export function wantsInitialLoss(h: ScalarRecord): boolean {
  return h.reportInitialLoss === true;
}
