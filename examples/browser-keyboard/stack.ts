/**
 * The keyboard example's stack: the shared example stack (`examples/common/stack.ts`: a
 * coordinator whose model links point at the page's origin, and the page's Vite server
 * proxying it) with one SOTU seed per simulated user and a central evaluator that measures
 * next-character accuracy on every user's held-out tail. Used by `npm run example:keyboard`
 * and `tests/browser/keyboard.test.ts`.
 */
import { fileURLToPath } from 'node:url';
import { createCentralEvaluator, type RunConfigInput } from '@edgefed/coordinator';
import { startStack, type ExampleStack, type StackOptions } from '../common/stack.js';
import { keyboardModel, type KeyboardModelSize } from './src/keyboard-model.js';
import { buildSeeds, type SeedOptions, type Seeds } from './seed-text.js';

/** Options of {@link startKeyboardStack}. */
export interface KeyboardStackOptions extends Omit<
  StackOptions,
  'root' | 'name' | 'shards' | 'centralEvaluator'
> {
  readonly seeds: SeedOptions;
  /** Model size (`demo` by default; the test uses `tiny`); passed to the pages as `model=`. */
  readonly model?: KeyboardModelSize;
  /** Rounds of the runs it will evaluate (the evaluator also scores the last one). */
  readonly rounds: number;
}

/** Options of {@link KeyboardStack.runConfig}. */
export interface KeyboardRunOptions {
  readonly rounds: number;
  /** Clients per round (and needed to start one). */
  readonly clients: number;
  /** Local optimizer steps per round. */
  readonly maxSteps: number;
  /** Windows per step (default 16). */
  readonly batchSize?: number;
}

/** A running keyboard stack. */
export interface KeyboardStack extends ExampleStack {
  readonly seeds: Seeds;
  readonly model: KeyboardModelSize;
  /** A run config for the keyboard model (FedAvg over `clients`, Adam, lr 0.01, batches of `batchSize`). */
  runConfig(o: KeyboardRunOptions): RunConfigInput;
}

/** Builds the seeds and starts the coordinator (with central evaluation) and the page server. */
export async function startKeyboardStack(o: KeyboardStackOptions): Promise<KeyboardStack> {
  const model = o.model ?? 'demo';
  const seeds = await buildSeeds(o.seeds);
  const spec = keyboardModel(model);
  const centralEvaluator = await createCentralEvaluator({
    spec,
    test: seeds.test,
    every: 1,
    lastRound: o.rounds,
    topK: 3,
  });
  const stack = await startStack({
    ...o,
    root: fileURLToPath(new URL('./', import.meta.url)),
    name: 'edgefed-browser-keyboard',
    shards: seeds.shards,
    pageParams: { ...o.pageParams, model },
    centralEvaluator,
  });
  return Object.assign(stack, {
    seeds,
    model,
    runConfig: (r: KeyboardRunOptions): RunConfigInput => ({
      model: { ...spec },
      rounds: r.rounds,
      strategy: {
        name: 'fedavg',
        minFitClients: r.clients,
        minAvailableClients: r.clients,
        minFitResults: r.clients,
      },
      training: {
        epochs: 1,
        batchSize: r.batchSize ?? 16,
        learningRate: 0.01,
        optimizer: 'adam',
        maxSteps: r.maxSteps,
      },
      roundDeadlineMs: 120_000,
    }),
  });
}
